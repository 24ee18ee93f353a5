"""A loopback fake of Twilio's REST API, for tests and demos (Twilio itself is unreachable here).

It answers the calls the outbound transport makes, exactly where the real client sends them::

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (To, From, Body, StatusCallback)
    POST /2010-04-01/Accounts/{AccountSid}/Calls.json      (To, From, Url, StatusCallback)
    POST /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json (Url, Method, Status: a live call
                                                             moved on, or ended)
    GET  /2010-04-01/Accounts/{AccountSid}/Messages.json   (To, From, DateSent>=, DateSent<=,
                                                             PageSize, Page: newest first)
    GET  /2010-04-01/Accounts/{AccountSid}/Calls.json      (To, From, StartTime>=, StartTime<=,
                                                             PageSize, Page)

with HTTP basic auth checked against the configured account sid and auth token, and JSON shaped
like Twilio's (``sid`` "SM..."/"CA...", ``status`` "queued", list pages with ``messages`` or
``calls`` and ``next_page_uri``, errors with ``code``, ``message``, ``more_info``, ``status``).
It records what it received and, on request (or automatically), delivers status callbacks
signed as Twilio signs them. On request it also answers as Twilio does for a number that texted
STOP (:meth:`FakeTwilio.opt_out`: HTTP 400, error 21610) or that cannot get texts
(:meth:`FakeTwilio.refuse`: 21211, 21614, 21612...), and can hold its answers back after
accepting a request (:meth:`FakeTwilio.delay_answers`: a worker killed while waiting for them).

It keeps up with a fan-out: HTTP/1.1 keep-alive, a thread per connection, Nagle's algorithm
off (a small answer is not held back 40 ms waiting for an acknowledgement).

Use it from Python::

    with FakeTwilio(account_sid, auth_token) as fake:
        settings = Settings(twilio_transport="loopback", twilio_api_base=fake.base_url, ...)
        sid = build_transport(settings).send_sms("+15550100002", "Hello")
        fake.send_status(sid, "delivered")      # POSTs the signed callback to the gateway

or set ``ASSISTANT_TWILIO_API_BASE`` to a running one; without it, the loopback transport starts
one inside the process.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlencode

import httpx
from twilio.request_validator import RequestValidator

from assistant.messaging.sms_text import segment_info

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
# Not Twilio's: the demo's own routes, for `assistant up` and the terminal phones.
HEALTH_PATH = "/_loopback/health"
INBOX_PATH = "/_loopback/inbox"
_ROUTE = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)\.json$")
_CALL_ROUTE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/(?P<sid>CA\w+)\.json$"
)
# Twilio's own words for the refusals the fake can be asked to make.
ERROR_MESSAGES = {
    21211: "Invalid 'To' Phone Number",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
    "'To' number",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number is not currently reachable via SMS",
    21614: "'To' number is not a valid mobile number",
}
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a pool of connections opening at once is not refused

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client gone mid-answer (a worker killed) is no error of the fake's."""


@dataclass
class Received:
    """One request the fake accepted: a message or a call, with its form fields."""

    kind: str  # "message", "call", or "update" (of a live call)
    sid: str
    account_sid: str
    params: Dict[str, str]
    statuses: List[Tuple[str, int]] = field(default_factory=list)  # (status, callback HTTP code)
    seq: int = 0  # 1, 2, 3... in the order the fake accepted them (the demo inbox pages by it)
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def to(self) -> str:
        return self.params.get("To", "")

    @property
    def status_callback(self) -> Optional[str]:
        return self.params.get("StatusCallback") or None


class FakeTwilio:
    """Twilio's REST API on 127.0.0.1 (a free port by default), in a background thread."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        auto_status: Sequence[str] = (),
        keep: int = 1000,
    ) -> None:
        """``auto_status``: message statuses to call back by themselves, e.g. ("sent", "delivered").

        ``keep`` bounds how many requests are remembered (a long-running demo gateway).
        """
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.auto_status = tuple(auto_status)
        self._records: Deque[Received] = deque(maxlen=keep)
        self._lock = threading.Lock()
        self._server = _Server((host, port), _handler_for(self))
        self._thread: Optional[threading.Thread] = None
        self.rejected = 0  # requests answered 401/400/404 (or failed on purpose)
        self._failures: Deque[int] = deque()  # HTTP statuses for the next requests to fail
        self._refused: Dict[str, int] = {}  # number -> Twilio error code for texts to it
        self._answer_delay = 0.0
        self._seq = 0
        self._accepted: Counter = Counter()  # (kind, To) -> how many, however many are kept

    # ---- lifecycle ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwilio:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-twilio",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what it received -----------------------------------------------------------

    @property
    def received(self) -> List[Received]:
        with self._lock:
            return list(self._records)

    @property
    def messages(self) -> List[Received]:
        return [r for r in self.received if r.kind == "message"]

    @property
    def calls(self) -> List[Received]:
        return [r for r in self.received if r.kind == "call"]

    def updates(self, sid: Optional[str] = None) -> List[Received]:
        """Updates of live calls (of call ``sid`` only, if given), oldest first. A call the fake
        did not place (an incoming one, played by the terminal phone) can be updated too."""
        return [r for r in self.received if r.kind == "update" and sid in (None, r.sid)]

    def find(self, sid: str) -> Received:
        for record in self.received:
            if record.sid == sid:
                return record
        raise KeyError(sid)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._accepted.clear()

    def accepted(self, kind: str = "message") -> Counter:
        """How many messages (or calls) each number was sent, counting those no longer kept."""
        with self._lock:
            return Counter({to: n for (k, to), n in self._accepted.items() if k == kind})

    # ---- trouble on request -----------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` sends or calls with HTTP ``status``, accepting nothing
        (Twilio having trouble), then work again."""
        with self._lock:
            self._failures.extend([status] * count)

    def _planned_failure(self) -> Optional[int]:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def opt_out(self, *numbers: str) -> None:
        """These numbers texted STOP to the bank's number: Twilio refuses every text to them
        with HTTP 400, error 21610."""
        self.refuse(*numbers, code=21610)

    def refuse(self, *numbers: str, code: int = 21211) -> None:
        """Refuse every text to these numbers with HTTP 400 and Twilio error ``code`` (21211
        invalid number, 21614 not a mobile, 21612 not reachable...)."""
        with self._lock:
            self._refused.update({number: code for number in numbers})

    def delay_answers(self, seconds: float) -> None:
        """Accept (and record) every request at once, but answer only ``seconds`` later: a
        provider slow to answer, or a worker killed before the answer arrives."""
        self._answer_delay = seconds

    # ---- status callbacks -----------------------------------------------------------

    def status_params(
        self, sid: str, status: str, error_code: Optional[str] = None
    ) -> Tuple[str, Dict[str, str]]:
        """The callback URL and form fields Twilio would send for ``sid`` reaching ``status``."""
        record = self.find(sid)
        if not record.status_callback:
            raise ValueError(f"{sid} was sent without a StatusCallback")
        common = {
            "AccountSid": record.account_sid,
            "ApiVersion": API_VERSION,
            "From": record.params.get("From", ""),
            "To": record.to,
        }
        if record.kind == "message":
            params = {
                **common,
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": status,
                "SmsStatus": status,
            }
        else:
            params = {**common, "CallSid": sid, "CallStatus": status, "Direction": "outbound-api"}
            if status == "completed":
                params["CallDuration"] = "0"
        if error_code:
            params["ErrorCode"] = str(error_code)
        return record.status_callback, params

    def send_status(
        self, sid: str, status: str = "delivered", error_code: Optional[str] = None
    ) -> int:
        """POST the signed status callback for ``sid``; returns the receiver's HTTP status."""
        url, params = self.status_params(sid, status, error_code)
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        try:
            answer = httpx.post(
                url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
            )
            code = answer.status_code
        except httpx.HTTPError as error:
            logger.warning("status callback for %s to %s failed: %s", sid, url, error)
            code = 0
        self.find(sid).statuses.append((status, code))
        return code

    def _auto_deliver(self, sid: str) -> None:
        for status in self.auto_status:
            if self.send_status(sid, status) == 0:
                return

    # ---- the API --------------------------------------------------------------------

    def _authorized(self, header: str, account: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (
            secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
            and account == self.account_sid
        )

    def handle(self, path: str, auth: str, form: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        """Answer one API request: (HTTP status, JSON body)."""
        update = _CALL_ROUTE.match(path)
        if update is not None:
            if not self._authorized(auth, update["account"]):
                return 401, _error(20003, "Authenticate", 401)
            return self._update_call(update["account"], update["sid"], form)
        route = _ROUTE.match(path)
        if route is None:
            return 404, _error(20404, "The requested resource was not found", 404)
        account = route["account"]
        if not self._authorized(auth, account):
            return 401, _error(20003, "Authenticate", 401)
        failure = self._planned_failure()
        if failure is not None:
            return failure, _error(20500, "Internal Server Error", failure)
        if not form.get("To"):
            return 400, _error(21604, "A 'To' phone number is required.", 400)
        if not form.get("From"):
            return 400, _error(21603, "A 'From' phone number is required.", 400)
        if route["kind"] == "Messages":
            if not form.get("Body"):
                return 400, _error(21602, "Message body is required.", 400)
            with self._lock:
                refused = self._refused.get(form["To"])
            if refused is not None:
                return 400, _error(refused, ERROR_MESSAGES.get(refused, "Refused"), 400)
            sid = "SM" + secrets.token_hex(16)
            body = _message_json(account, sid, form)
            record = Received("message", sid, account, dict(form))
        else:
            if not form.get("Url") and not form.get("Twiml"):
                return 400, _error(21205, "Url parameter is required.", 400)
            sid = "CA" + secrets.token_hex(16)
            body = _call_json(account, sid, form)
            record = Received("call", sid, account, dict(form))
        self._remember(record)
        if record.kind == "message" and self.auto_status and record.status_callback:
            threading.Thread(target=self._auto_deliver, args=(sid,), daemon=True).start()
        if self._answer_delay:
            time.sleep(self._answer_delay)
        return 201, body

    def _remember(self, record: Received) -> None:
        with self._lock:
            self._seq += 1
            record.seq = self._seq
            self._records.append(record)
            if record.kind in ("message", "call"):
                self._accepted[(record.kind, record.to)] += 1

    def listing(self, path: str, auth: str, query: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        """GET Messages.json or Calls.json: one page of what was sent, newest first, filtered
        as Twilio filters (To, From, DateSent or StartTime on or after / before a day)."""
        route = _ROUTE.match(path)
        if route is None:
            return 404, _error(20404, "The requested resource was not found", 404)
        account = route["account"]
        if not self._authorized(auth, account):
            return 401, _error(20003, "Authenticate", 401)
        kind, key = ("message", "messages") if route["kind"] == "Messages" else ("call", "calls")
        moment = "DateSent" if kind == "message" else "StartTime"
        try:
            after = _moment(query.get(f"{moment}>")) or _moment(query.get(moment))
            before = _moment(query.get(f"{moment}<"), end_of_day=True) or _moment(
                query.get(moment), end_of_day=True
            )
            size = min(int(query.get("PageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
            page = int(query.get("Page") or 0)
        except ValueError:
            return 400, _error(20001, "Invalid filter or page", 400)
        found = [
            r
            for r in reversed(self.received)
            if r.kind == kind
            and r.account_sid == account
            and query.get("To", r.to) == r.to
            and query.get("From", r.params.get("From", "")) == r.params.get("From", "")
            and (after is None or r.created_at >= after)
            and (before is None or r.created_at <= before)
        ]
        shown = found[page * size : (page + 1) * size]
        base = f"/{API_VERSION}/Accounts/{account}/{route['kind']}.json"
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(number: int) -> str:
            return f"{base}?{urlencode({**filters, 'PageSize': size, 'Page': number})}"

        more = (page + 1) * size < len(found)
        shape = _message_json if kind == "message" else _call_json
        return 200, {
            key: [_listed(shape(account, r.sid, r.params), r) for r in shown],
            "end": page * size + max(len(shown) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if more else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": page * size,
            "uri": uri(page),
        }

    def inbox(self, auth: str, to: str, after: int = 0) -> Tuple[int, Dict[str, Any]]:
        """The demo's phone network: what the bank sent number ``to`` (texts and calls) after
        ``after``, for the terminal phones; the same basic auth as the API."""
        if not self._authorized(auth, self.account_sid):
            return 401, _error(20003, "Authenticate", 401)
        items = [
            {
                "seq": r.seq,
                "kind": r.kind,
                "sid": r.sid,
                "body": r.params.get("Body", ""),
                "url": r.params.get("Url", ""),
            }
            for r in self.received
            if r.kind in ("message", "call") and r.to == to and r.seq > after
        ]
        return 200, {"items": items}

    def _update_call(
        self, account: str, sid: str, form: Dict[str, str]
    ) -> Tuple[int, Dict[str, Any]]:
        """A live call moved on to a new ``Url`` or ended (``Status``), as Twilio's call update."""
        if not form.get("Url") and not form.get("Twiml") and not form.get("Status"):
            return 400, _error(21205, "Url parameter is required.", 400)
        created = next((r for r in self.received if r.kind == "call" and r.sid == sid), None)
        known = created.params if created is not None else {}
        self._remember(Received("update", sid, account, dict(form)))
        shape = {"From": known.get("From", ""), "To": known.get("To", "")}
        body = _call_json(account, sid, shape)
        body["status"] = form.get("Status") or "in-progress"
        return 200, body


def _moment(value: Optional[str], end_of_day: bool = False) -> Optional[datetime]:
    """A list filter's day ("2026-12-02", Twilio's form) or moment ("2026-12-02T10:00:00Z")."""
    if not value:
        return None
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        return day.replace(hour=23, minute=59, second=59) if end_of_day else day
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def _listed(body: Dict[str, Any], record: Received) -> Dict[str, Any]:
    """A record as a list shows it: its own times, its latest reported status."""
    when = format_datetime(record.created_at.replace(microsecond=0), usegmt=True)
    body.update(date_created=when, date_updated=when)
    body["date_sent" if record.kind == "message" else "start_time"] = when
    body["status"] = record.statuses[-1][0] if record.statuses else "sent"
    if record.kind == "call" and not record.statuses:
        body["status"] = "in-progress"
    return body


def _error(code: int, message: str, status: int) -> Dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _message_json(account: str, sid: str, form: Dict[str, str]) -> Dict[str, Any]:
    now = formatdate(usegmt=True)
    return {
        "account_sid": account,
        "api_version": API_VERSION,
        "body": form["Body"],
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form["From"],
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": str(segment_info(form["Body"]).segments),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}/Media.json"
        },
        "to": form["To"],
        "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
    }


def _call_json(account: str, sid: str, form: Dict[str, str]) -> Dict[str, Any]:
    now = formatdate(usegmt=True)
    return {
        "account_sid": account,
        "annotation": None,
        "answered_by": None,
        "api_version": API_VERSION,
        "caller_name": None,
        "date_created": now,
        "date_updated": now,
        "direction": "outbound-api",
        "duration": None,
        "end_time": None,
        "forwarded_from": None,
        "from": form["From"],
        "from_formatted": form["From"],
        "group_sid": None,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "start_time": None,
        "status": "queued",
        "subresource_uris": {},
        "to": form["To"],
        "to_formatted": form["To"],
        "trunk_sid": None,
        "uri": f"/{API_VERSION}/Accounts/{account}/Calls/{sid}.json",
        "queue_time": "0",
    }


def _handler_for(fake: FakeTwilio) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # answers go at once, not after a delayed ACK

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            form = dict(parse_qsl(raw, keep_blank_values=True))
            status, body = fake.handle(
                self.path.split("?")[0], self.headers.get("Authorization", ""), form
            )
            if status >= 400:
                fake.rejected += 1
            self._answer(status, body)

        def do_GET(self) -> None:  # noqa: N802
            path, _, query = self.path.partition("?")
            if path == HEALTH_PATH:
                self._answer(200, {"status": "ok"})
                return
            auth = self.headers.get("Authorization", "")
            if path == INBOX_PATH:
                args = dict(parse_qsl(query))
                after = int(args["after"]) if args.get("after", "").isdigit() else 0
                self._answer(*fake.inbox(auth, args.get("to", ""), after))
                return
            status, body = fake.listing(path, auth, dict(parse_qsl(query)))
            if status >= 400:
                fake.rejected += 1
            self._answer(status, body)

        def _answer(self, status: int, body: Dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: nothing about requests (they carry message bodies) reaches the logs."""

    return Handler


def read_inbox(
    base_url: str, account_sid: str, auth_token: str, to: str, after: int = 0
) -> List[Dict[str, Any]]:
    """What a loopback Twilio at ``base_url`` got for number ``to`` after ``after`` (its
    ``seq``), oldest first: the terminal phones show it as texts and calls from the bank."""
    answer = httpx.get(
        f"{base_url.rstrip('/')}{INBOX_PATH}",
        params={"to": to, "after": str(after)},
        auth=(account_sid, auth_token),
        timeout=5,
    )
    answer.raise_for_status()
    return list(answer.json()["items"])
