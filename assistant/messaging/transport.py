"""Outbound texts and calls: one interface, the real Twilio REST client behind it.

Every later sender (alerts, fraud broadcasts, helper invitations) goes through
``build_transport(settings).send_sms(...)`` / ``.place_call(...)`` (and ``.update_call(...)``
to move a live call on, e.g. out of a conference):

- ``ASSISTANT_TWILIO_TRANSPORT=twilio``: ``twilio.rest.Client`` talks to api.twilio.com with
  ``TWILIO_ACCOUNT_SID`` / ``TWILIO_AUTH_TOKEN``, From ``TWILIO_PHONE_NUMBER``.
- ``loopback`` (the default): the same client, pointed at a loopback fake of Twilio's REST API
  (``assistant.messaging.fake_twilio``): ``ASSISTANT_TWILIO_API_BASE`` if set, else one started
  in-process.

Numbers that texted STOP get nothing unless the message is legally required; Twilio's own
refusal of such a number (error 21610) is recorded as an opt-out too. Each text sent is
recorded (sid, purpose, segments, encoding, status) in ``sms_messages``; its body never is, and
is never logged.

The outbox sends in bulk through the lower-level :class:`OutboxProvider` side of the same
transport (``create_message``, ``create_call``, ``find_message``, ``find_call``): no database
work per message (the outbox checks opt-outs and records texts a batch at a time). The client
talks HTTP through :class:`~assistant.messaging.pooled_http.PooledHttpClient`: a urllib3 pool
of kept-alive connections shared by the sending threads.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Optional, Protocol, runtime_checkable

from sqlalchemy.orm import sessionmaker
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from assistant.banking.phones import normalize_phone
from assistant.db import utcnow
from assistant.messaging.models import SmsMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.pooled_http import PooledHttpClient
from assistant.messaging.sms_records import SmsRecords
from assistant.messaging.sms_text import segment_info
from assistant.settings import Settings

logger = logging.getLogger(__name__)

# The account sid the loopback uses when none is configured (Twilio's shape: AC + 32 hex).
LOOPBACK_ACCOUNT_SID = "AC" + "0" * 32
SMS_STATUS_PATH = "/twilio/sms/status"
VOICE_STATUS_PATH = "/twilio/voice/status"
# Where Twilio fetches the TwiML of a call the outbox places (voice/voice_routes.py).
OUTBOX_CALL_PATH = "/twilio/voice/outbox"
# Twilio's answer for a number that texted STOP to the sending number.
OPTED_OUT_CODE = 21610
# A message the provider created after a claim, found by its listing: the clocks of the bank
# and of Twilio may differ this much.
CLOCK_SKEW = timedelta(seconds=5)
FIND_LIMIT = 200  # at most this many of a number's messages (or calls) are looked through


class TransportError(RuntimeError):
    """Twilio (or the loopback) refused or could not be reached.

    ``code``: Twilio's error code (21610, 21211...) when it answered one; ``status``: the HTTP
    status it answered with. ``unsure``: no answer came (a read timeout), so the request may
    have been accepted; otherwise nothing was sent.
    """

    def __init__(
        self,
        message: str,
        code: Optional[int] = None,
        status: Optional[int] = None,
        unsure: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.unsure = unsure


@runtime_checkable
class OutboxProvider(Protocol):
    """What the outbox needs of Twilio: create a message or a call (the sid, or a
    :class:`TransportError`), and find one it may have created before a worker died."""

    def create_message(self, to: str, body: str, status_callback: str) -> str:
        """POST Messages.json; the new message's sid."""

    def create_call(self, to: str, twiml_url: str, status_callback: str) -> str:
        """POST Calls.json; the new call's sid."""

    def find_message(self, to: str, body: str, since: datetime) -> Optional[str]:
        """The sid of a message to ``to`` with this ``body`` created at ``since`` or later."""

    def find_call(self, to: str, since: datetime) -> Optional[str]:
        """The sid of a call to ``to`` created at ``since`` or later."""


@runtime_checkable
class OutboundTransport(Protocol):
    """Sends texts and places calls on the bank's number."""

    def send_sms(
        self,
        to: str,
        body: str,
        purpose: str = "alert",
        legally_required: bool = False,
        status_callback: Optional[str] = None,
    ) -> Optional[str]:
        """Send ``body`` to ``to``; the message sid, or None (nothing sent) if ``to`` opted out."""

    def place_call(self, to: str, twiml_url: str, status_callback: Optional[str] = None) -> str:
        """Ring ``to``; when answered, Twilio fetches its TwiML from ``twiml_url``. The call sid."""

    def update_call(
        self, call_sid: str, twiml_url: Optional[str] = None, status: Optional[str] = None
    ) -> None:
        """Move a live call on to the TwiML at ``twiml_url``, or end it (``status``
        "completed" when answered, "canceled" while it rings)."""


def account_sid(settings: Settings) -> str:
    """The configured account sid, or the loopback's stand-in."""
    return settings.twilio_account_sid or LOOPBACK_ACCOUNT_SID


def mask_phone(phone: str) -> str:
    """A number fit for logs: country code and last four digits."""
    return phone[:2] + "*" * max(0, len(phone) - 6) + phone[-4:] if len(phone) > 6 else "***"


class TwilioTransport:
    """``OutboundTransport`` on ``twilio.rest.Client`` (to Twilio, or to the loopback fake)."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker,
        timeout: float = 10.0,
        connections: Optional[int] = None,
    ) -> None:
        """``connections``: kept-alive connections to the API (default: the outbox's sending
        threads), shared by every thread that sends through this transport."""
        self.settings = settings
        self._sessions = session_factory
        self._opt_outs = OptOutStore(session_factory)
        self._records = SmsRecords(session_factory)
        loopback = settings.twilio_transport == "loopback"
        if settings.twilio_transport not in ("loopback", "twilio"):
            raise ValueError(
                f"ASSISTANT_TWILIO_TRANSPORT must be 'twilio' or 'loopback', "
                f"not {settings.twilio_transport!r}"
            )
        if loopback and not settings.twilio_api_base:
            raise ValueError("the loopback transport needs ASSISTANT_TWILIO_API_BASE")
        if not loopback and not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise ValueError("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        base = settings.twilio_api_base.rstrip("/") if loopback else "https://api.twilio.com"
        self.http = PooledHttpClient(
            base, timeout=timeout, connections=max(2, connections or settings.outbox_send_threads)
        )
        self.client = Client(account_sid(settings), settings.twilio_token(), http_client=self.http)
        if loopback:
            # The real client and request path, only the host differs: the Api domain's base
            # URL (https://api.twilio.com) is what every v2010 resource URL is built from.
            self.client.api.base_url = base
            self.client.edge = self.client.region = None  # no *.twilio.com host rewriting

    @property
    def api_base(self) -> str:
        return self.client.api.base_url

    def _default_callback(self, path: str) -> str:
        return self.settings.twilio_base_url + path

    def send_sms(
        self,
        to: str,
        body: str,
        purpose: str = "alert",
        legally_required: bool = False,
        status_callback: Optional[str] = None,
    ) -> Optional[str]:
        """Send a text; None and nothing sent when ``to`` opted out (unless legally required)."""
        to = normalize_phone(to)
        if not legally_required and self._opt_outs.is_opted_out(to):
            logger.info("sms to %s not sent: opted out (purpose %s)", mask_phone(to), purpose)
            return None
        shape = segment_info(body)
        try:
            sid = self.create_message(
                to, body, status_callback or self._default_callback(SMS_STATUS_PATH)
            )
        except TransportError as error:
            self._record(None, to, purpose, shape.segments, shape.encoding, "failed", error.code)
            if error.code == OPTED_OUT_CODE:
                self._opt_outs.opt_out(to)
                logger.info("sms to %s not sent: opted out at Twilio (21610)", mask_phone(to))
                return None
            logger.warning("sms to %s failed (purpose %s): %s", mask_phone(to), purpose, error)
            raise
        # Through SmsRecords: a delivery-status callback may already have created the row.
        self._records.record_outbound(sid, to, purpose, shape, "queued")
        logger.info(
            "sms %s to %s queued (purpose %s, %d segment(s), %s)",
            sid,
            mask_phone(to),
            purpose,
            shape.segments,
            shape.encoding,
        )
        return sid

    def place_call(self, to: str, twiml_url: str, status_callback: Optional[str] = None) -> str:
        """Ring ``to``; Twilio fetches the call's TwiML from ``twiml_url`` when answered."""
        to = normalize_phone(to)
        try:
            sid = self.create_call(
                to, twiml_url, status_callback or self._default_callback(VOICE_STATUS_PATH)
            )
        except TransportError as error:
            logger.warning("call to %s failed: %s", mask_phone(to), error)
            raise
        logger.info("call %s to %s queued", sid, mask_phone(to))
        return sid

    # ---- the outbox's side (OutboxProvider): no database work, safe from many threads ----

    def create_message(self, to: str, body: str, status_callback: str) -> str:
        """POST Messages.json (From the bank's number); the sid, or a TransportError."""
        try:
            message = self.client.messages.create(
                to=to, from_=self.settings.twilio_number, body=body, status_callback=status_callback
            )
        except (TwilioException, Urllib3Error) as error:
            raise _transport_error(error) from None
        return str(message.sid)

    def create_call(self, to: str, twiml_url: str, status_callback: str) -> str:
        """POST Calls.json: ring ``to``; when answered Twilio fetches ``twiml_url``."""
        try:
            call = self.client.calls.create(
                to=to,
                from_=self.settings.twilio_number,
                url=twiml_url,
                status_callback=status_callback,
            )
        except (TwilioException, Urllib3Error) as error:
            raise _transport_error(error) from None
        return str(call.sid)

    def find_message(self, to: str, body: str, since: datetime) -> Optional[str]:
        """GET Messages.json?To=..&From=..&DateSent>=<since's day>: the first message created
        at ``since`` (less the clock skew) or later with exactly this body."""
        try:
            found = self.client.messages.list(
                to=to,
                from_=self.settings.twilio_number,
                date_sent_after=since.strftime("%Y-%m-%d"),
                limit=FIND_LIMIT,
            )
        except (TwilioException, Urllib3Error) as error:
            raise _transport_error(error) from None
        earliest = since - CLOCK_SKEW
        matches = [
            m for m in found if m.body == body and m.date_created and m.date_created >= earliest
        ]
        return str(min(matches, key=lambda m: m.date_created).sid) if matches else None

    def find_call(self, to: str, since: datetime) -> Optional[str]:
        """GET Calls.json?To=..&From=..&StartTime>=<since's day>: the first call created at
        ``since`` (less the clock skew) or later."""
        try:
            found = self.client.calls.list(
                to=to,
                from_=self.settings.twilio_number,
                start_time_after=since.strftime("%Y-%m-%d"),
                limit=FIND_LIMIT,
            )
        except (TwilioException, Urllib3Error) as error:
            raise _transport_error(error) from None
        earliest = since - CLOCK_SKEW
        matches = [c for c in found if c.date_created and c.date_created >= earliest]
        return str(min(matches, key=lambda c: c.date_created).sid) if matches else None

    def update_call(
        self, call_sid: str, twiml_url: Optional[str] = None, status: Optional[str] = None
    ) -> None:
        """POST Calls/{sid}.json: ``Url`` (fetched with POST) to move the call on, or
        ``Status`` to end it."""
        changes: dict = {}
        if twiml_url:
            changes.update(url=twiml_url, method="POST")
        if status:
            changes["status"] = status
        if not changes:
            raise ValueError("update_call needs a twiml_url or a status")
        try:
            self.client.calls(call_sid).update(**changes)
        except (TwilioException, Urllib3Error) as error:
            logger.warning("update of call %s failed: %s", call_sid, _describe(error))
            raise TransportError(_describe(error)) from None
        logger.info("call %s updated (%s)", call_sid, "status " + status if status else "url")

    def _record(
        self,
        sid: Optional[str],
        phone: str,
        purpose: str,
        segments: int,
        encoding: str,
        status: str,
        error_code: object = None,
    ) -> None:
        now = utcnow()
        with self._sessions() as session, session.begin():
            session.add(
                SmsMessage(
                    sid=sid,
                    direction="out",
                    phone=phone,
                    purpose=purpose[:32],
                    segments=segments,
                    encoding=encoding,
                    status=status,
                    error_code=None if error_code is None else str(error_code)[:16],
                    created_at=now,
                    updated_at=now,
                )
            )


def _describe(error: Exception) -> str:
    if isinstance(error, TwilioRestException):
        return f"Twilio answered HTTP {error.status} (error {error.code})"
    return f"{type(error).__name__}: {error}"


def _transport_error(error: Exception) -> TransportError:
    """The client's exception as a TransportError: Twilio's code and HTTP status, or unsure
    when the request went out and no answer came back."""
    if isinstance(error, TwilioRestException):
        code = int(error.code) if str(error.code or "").isdigit() else None
        return TransportError(_describe(error), code=code, status=error.status)
    return TransportError(_describe(error), unsure=isinstance(error, ReadTimeoutError))


_embedded_lock = threading.Lock()
_embedded: dict = {}


def embedded_fake(settings: Settings):  # noqa: ANN201 - FakeTwilio, imported lazily
    """The process's own loopback fake (started once), for ``assistant up`` without Twilio.

    It reports each text as sent then delivered to the gateway's status webhook, as Twilio would.
    """
    from assistant.messaging.fake_twilio import FakeTwilio

    key = (account_sid(settings), settings.twilio_token())
    with _embedded_lock:
        fake = _embedded.get(key)
        if fake is None:
            fake = FakeTwilio(*key, auto_status=("sent", "delivered")).start()
            _embedded[key] = fake
            logger.info("loopback Twilio API at %s", fake.base_url)
        return fake


def build_transport(
    settings: Settings, session_factory: Optional[sessionmaker] = None
) -> OutboundTransport:
    """The configured transport: real Twilio, or the loopback (in-process fake if none given)."""
    from assistant.db import session_factory as default_sessions

    sessions = session_factory or default_sessions(settings.bank_database_url)
    if settings.twilio_transport == "loopback" and not settings.twilio_api_base:
        settings = settings.copy(update={"twilio_api_base": embedded_fake(settings).base_url})
    return TwilioTransport(settings, sessions)
