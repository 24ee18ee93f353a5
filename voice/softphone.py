"""A terminal phone and a terminal texting phone: Twilio's side of the webhooks, without Twilio.

``WebhookSender`` posts form-encoded webhooks to the gateway, signed exactly as Twilio signs them
(X-Twilio-Signature over the public URL, query included, and the sorted form fields).
``Softphone`` plays a caller: it starts the call, follows the TwiML (Say, Gather, Redirect, Dial,
Hangup) and turns each line the caller types into what Twilio would send (digits are keys, other
text is speech, an empty line is silence). ``TextingPhone`` sends texts and reads the replies.

A ``<Dial><Conference>`` (the customer's helper rung into the call) puts the caller on hold
with the bank's hold words (its ``waitUrl``); "*" leaves it (``hangupOnStar``) and follows the
``<Dial action>``. Given the loopback Twilio fake the gateway sends through (``twilio``, in the
same process: tests and demos), the phone also plays the helper's side as Twilio would: it
answers the call the gateway placed, shows what the helper hears, takes the helper's keys
(the prompt says whose turn it is), sends the helper's call status, and follows the gateway
moving the caller's call on (a call update through the fake).
Both return the lines to print, so the CLI (``assistant phone`` / ``assistant sms``), the tests
and the benchmark share them.
"""

from __future__ import annotations

import re
import secrets
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses TwiML from our own gateway
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Set
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from assistant.messaging.sms_text import segment_info

if TYPE_CHECKING:
    from assistant.messaging.fake_twilio import FakeTwilio, Received

API_VERSION = "2010-04-01"
VOICE_PATH = "/twilio/voice"
VOICE_STATUS_PATH = "/twilio/voice/status"
SMS_PATH = "/twilio/sms"
INDENT = "      "
_KEYS = re.compile(r"[0-9*#]+")
#: Typed while the helper is in the conference: the helper puts their phone down.
HELPER_HANGS_UP = "helper hangs up"


class SoftphoneError(RuntimeError):
    """The gateway cannot be used (refused our signature, no such webhook, unreachable)."""


def new_sid(prefix: str) -> str:
    """A fresh Twilio-shaped sid: "CA..." for calls, "SM..." for messages."""
    return prefix + secrets.token_hex(16)


class WebhookSender:
    """Posts webhooks to the gateway as Twilio would, signed with the auth token.

    ``http`` talks to the gateway (an ``httpx.Client`` with ``base_url``, or FastAPI's
    ``TestClient``); ``public_base`` is the URL Twilio would call and sign (the gateway's
    ``ASSISTANT_PUBLIC_BASE_URL``, else its own address).
    """

    def __init__(
        self,
        http: httpx.Client,
        token: str,
        public_base: str,
        on_timing: Optional[Callable[[str, float], None]] = None,
    ) -> None:
        self.http = http
        self.validator = RequestValidator(token)
        self.public_base = public_base.rstrip("/")
        self.on_timing = on_timing

    def absolute(self, url: str, relative_to: str = "/") -> str:
        """``url`` (absolute, or relative to the document at ``relative_to``) as Twilio calls it."""
        return urljoin(urljoin(self.public_base + "/", relative_to), url)

    def post(self, url: str, params: Dict[str, str], method: str = "POST") -> httpx.Response:
        """Send one signed webhook to ``url`` (a path or an absolute URL); the raw response."""
        full = self.absolute(url)
        if method.upper() == "GET":
            full += ("&" if "?" in full else "?") + urlencode(params)
            signature = self.validator.compute_signature(full, {})
        else:
            signature = self.validator.compute_signature(full, params)
        parts = urlsplit(full)
        target = parts.path + ("?" + parts.query if parts.query else "")
        started = time.perf_counter()
        try:
            answer = self.http.request(
                method.upper(),
                target,
                data=params if method.upper() != "GET" else None,
                headers={"X-Twilio-Signature": signature},
            )
        except httpx.HTTPError as error:
            raise SoftphoneError(f"cannot reach the gateway: {error}") from None
        if self.on_timing is not None:
            self.on_timing(parts.path, (time.perf_counter() - started) * 1000)
        if answer.status_code == 403:
            raise SoftphoneError(
                "the gateway refused the signature (403): run both with the same "
                "TWILIO_AUTH_TOKEN and ASSISTANT_PUBLIC_BASE_URL"
            )
        if answer.status_code == 404:
            raise SoftphoneError(f"the gateway has no webhook at {parts.path} (404)")
        return answer


# ---- TwiML ---------------------------------------------------------------------------


def parse_twiml(text: str) -> ET.Element:
    """The <Response> element of a TwiML document (ValueError if it is not TwiML)."""
    try:
        root = ET.fromstring(text)  # noqa: S314 - TwiML from our own gateway
    except ET.ParseError as error:
        raise ValueError(f"not XML: {error}") from None
    if root.tag != "Response":
        raise ValueError(f"not TwiML: the root is <{root.tag}>")
    return root


def spoken(element: ET.Element) -> str:
    """What a <Say> sounds like: its text with the SSML tags stripped, spaces tidied."""
    pieces: List[str] = []

    def walk(node: ET.Element) -> None:
        if node.text:
            pieces.append(node.text)
        for child in node:
            if child.tag == "break":
                pieces.append(" ")
            walk(child)
            if child.tail:
                pieces.append(child.tail)

    walk(element)
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


@dataclass
class Gather:
    """A <Gather>: what the call is listening for and where the answer goes."""

    action: str
    method: str = "POST"
    inputs: Set[str] = field(default_factory=lambda: {"dtmf"})
    num_digits: Optional[int] = None
    finish_on_key: str = "#"
    timeout: str = "5"
    action_on_empty: bool = False
    after: List[ET.Element] = field(default_factory=list)  # the verbs that follow on silence

    @classmethod
    def from_element(cls, element: ET.Element, url: str, after: List[ET.Element]) -> Gather:
        digits = element.get("numDigits")
        return cls(
            action=element.get("action") or url,
            method=(element.get("method") or "POST").upper(),
            inputs=set((element.get("input") or "dtmf").split()),
            num_digits=int(digits) if digits and digits.isdigit() else None,
            finish_on_key=element.get("finishOnKey", "#"),
            timeout=element.get("timeout", "5"),
            action_on_empty=(element.get("actionOnEmptyResult") or "").lower() == "true",
            after=after,
        )

    @property
    def keys_only(self) -> bool:
        return "speech" not in self.inputs

    @property
    def secret(self) -> bool:
        """Keys only and at least four of them: a PIN, so the terminal hides what is typed."""
        return self.keys_only and (self.num_digits or 0) >= 4

    def describe(self) -> str:
        """What the caller is expected to do, in a line."""
        if self.num_digits == 1:
            keys = "one key"
        elif self.num_digits:
            keys = f"{self.num_digits} keys"
        else:
            keys = "keys"
            if self.finish_on_key:
                keys += f" then {self.finish_on_key}"
        if self.keys_only:
            what = f"press {keys}"
        elif "dtmf" in self.inputs:
            what = f"speak, or press {keys}"
        else:
            what = "speak"
        return f"[listening: {what}; waits {self.timeout} s]"


@dataclass
class HelperLeg:
    """The helper's call the gateway placed (through the fake), as their phone plays it."""

    record: Received
    url: str
    gather: Optional[Gather] = None
    joined: bool = False
    ended: bool = False
    after: List[ET.Element] = field(default_factory=list)  # said when the conference ends
    heard: List[str] = field(default_factory=list)


@dataclass
class InConference:
    """The caller's part in a ``<Dial><Conference>``."""

    room: str
    action: Optional[str]
    method: str
    hangup_on_star: bool
    url: str
    helper: Optional[HelperLeg] = None


class Softphone:
    """One phone call to the gateway, as Twilio would place it."""

    def __init__(
        self,
        sender: WebhookSender,
        caller: str,
        called: str,
        account_sid: str,
        call_sid: Optional[str] = None,
        twilio: Optional[FakeTwilio] = None,
    ) -> None:
        self.sender = sender
        self.caller = caller
        self.called = called
        self.account_sid = account_sid
        self.call_sid = call_sid or new_sid("CA")
        self.gather: Optional[Gather] = None
        self.ended = False
        self.transferred_to: Optional[str] = None
        self.heard: List[str] = []  # every <Say> so far, for tests
        self.whisper: List[str] = []  # what the agent heard on a transfer
        self.twilio = twilio
        self.conference: Optional[InConference] = None
        self.helper_heard: List[str] = []  # what the helper heard, for tests
        self._seen_calls: Set[str] = {r.sid for r in twilio.calls} if twilio else set()
        self._seen_updates = 0
        self._url = VOICE_PATH
        self._started = time.monotonic()

    @property
    def waiting(self) -> Optional[Gather]:
        return None if self.ended else self.gather

    @property
    def expects_secret(self) -> bool:
        return bool(self.waiting and self.waiting.secret)

    @property
    def helpers_turn(self) -> bool:
        """The helper's phone is waiting for their keys (the next line is theirs)."""
        helper = self.conference.helper if self.conference else None
        return bool(helper and helper.gather and not self.ended)

    @property
    def speaker(self) -> str:
        """Who the next typed line is from: "helper" or "you"."""
        return "helper" if self.helpers_turn else "you"

    def _params(self, status: str = "in-progress") -> Dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": status,
            "Called": self.called,
            "Caller": self.caller,
            "Direction": "inbound",
            "From": self.caller,
            "To": self.called,
        }

    def dial_in(self) -> List[str]:
        """Ring the bank: POST /twilio/voice and play what it answers."""
        return self._fetch(VOICE_PATH, self._params("ringing"))

    def respond(self, line: str) -> List[str]:
        """The caller's turn: digits are keys, other text is speech, empty is silence."""
        if self.conference is not None and not self.ended:
            return self._in_conference(line.strip())
        gather = self.waiting
        if gather is None:
            return ["(the call has ended)"]
        typed = line.strip()
        compact = typed.replace(" ", "")
        params = self._params()
        if not typed:
            if not gather.action_on_empty:
                self.gather = None
                return self._play(gather.after, self._url)
        elif _KEYS.fullmatch(compact) and "dtmf" in gather.inputs:
            digits = compact
            if gather.finish_on_key and gather.finish_on_key in digits:
                digits = digits.split(gather.finish_on_key)[0]
            if gather.num_digits:
                digits = digits[: gather.num_digits]
            params["Digits"] = digits
        elif "speech" in gather.inputs:
            params["SpeechResult"] = typed
            params["Confidence"] = "0.92"
        else:
            return ["(this question takes keys only: type digits)"]
        self.gather = None
        return self._fetch(
            self.sender.absolute(gather.action, self._url), params, method=gather.method
        )

    def hang_up(self) -> List[str]:
        """The caller puts the phone down (Twilio reports the call completed)."""
        if self.ended:
            return []
        self._end()
        return ["(you hang up)"]

    def _end(self) -> None:
        self.ended = True
        self.gather = None
        params = self._params("completed")
        params["CallDuration"] = str(int(time.monotonic() - self._started))
        try:
            self.sender.post(VOICE_STATUS_PATH, params)
        except SoftphoneError:
            pass  # a status callback nobody takes changes nothing for the caller

    def _fetch(self, url: str, params: Dict[str, str], method: str = "POST") -> List[str]:
        answer = self.sender.post(url, params, method)
        if answer.status_code >= 400:
            self._end()
            return [
                f"(the gateway answered HTTP {answer.status_code}: Twilio would say "
                "'An application error has occurred' and hang up)"
            ]
        try:
            document = parse_twiml(answer.text)
        except ValueError as error:
            self._end()
            return [f"(the gateway's answer is {error}; Twilio would hang up)"]
        self._url = self.sender.absolute(url, self._url)
        return self._play(list(document), self._url)

    def _play(self, verbs: List[ET.Element], url: str) -> List[str]:
        lines: List[str] = []
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                lines.extend(self._say(verb))
            elif verb.tag == "Play":
                lines.append("bank: [plays a recording]")
            elif verb.tag == "Pause":
                continue
            elif verb.tag == "Gather":
                for inner in verb:
                    if inner.tag == "Say":
                        lines.extend(self._say(inner))
                self.gather = Gather.from_element(verb, url, verbs[index + 1 :])
                lines.append(INDENT + self.gather.describe())
                return lines
            elif verb.tag == "Redirect":
                target = (verb.text or "").strip() or url
                return lines + self._fetch(
                    self.sender.absolute(target, url),
                    self._params(),
                    (verb.get("method") or "POST").upper(),
                )
            elif verb.tag == "Dial":
                return lines + self._dial(verb)
            elif verb.tag in ("Hangup", "Reject"):
                self._end()
                return lines + ["(the bank hangs up)"]
            else:
                lines.append(f"(the terminal phone skips <{verb.tag}>)")
        self._end()
        return lines + ["(the call ends)"]

    def _say(self, verb: ET.Element) -> List[str]:
        text = spoken(verb)
        if not text:
            return []
        self.heard.append(text)
        return [f"bank: {text}"]

    def _dial(self, dial: ET.Element) -> List[str]:
        room = dial.find("Conference")
        if room is not None:
            return self._enter_conference(dial, room)
        numbers = [n for n in dial if n.tag in ("Number", "Client", "Sip")]
        target = (numbers[0].text or "").strip() if numbers else (dial.text or "").strip()
        self.transferred_to = target
        lines = [f"(the call is being transferred to {target or 'a person'}; please hold)"]
        for number in numbers:
            whisper = number.get("url")
            if whisper:
                lines.extend(self._whisper(whisper, (number.text or "").strip()))
        self._end()
        return lines + ["(you are now connected to the agent; the terminal phone ends here)"]

    def _whisper(self, url: str, agent_number: str) -> List[str]:
        """What the agent hears before being connected (Twilio fetches the <Number url>)."""
        params = {
            **self._params(),
            "CallSid": new_sid("CA"),
            "ParentCallSid": self.call_sid,
            "Direction": "outbound-dial",
            "From": self.caller,
            "To": agent_number,
            "Called": agent_number,
        }
        answer = self.sender.post(self.sender.absolute(url, self._url), params)
        if answer.status_code >= 400:
            return [f"(the whisper URL answered HTTP {answer.status_code})"]
        try:
            document = parse_twiml(answer.text)
        except ValueError as error:
            return [f"(the whisper is {error})"]
        heard = [spoken(say) for say in document.iter("Say")]
        self.whisper = [text for text in heard if text]
        return [f"agent hears: {text}" for text in self.whisper]

    # ---- a conference (the customer's helper rung into the call) ----------------------

    def _enter_conference(self, dial: ET.Element, room: ET.Element) -> List[str]:
        """``<Dial><Conference>``: on hold with the bank's hold words; the helper is rung."""
        self.conference = InConference(
            room=(room.text or "").strip(),
            action=dial.get("action"),
            method=(dial.get("method") or "POST").upper(),
            hangup_on_star=(dial.get("hangupOnStar") or "").lower() == "true",
            url=self._url,
        )
        lines = ["(you are put into a conference call and wait for the other person)"]
        if self.conference.hangup_on_star:
            lines[0] = lines[0][:-1] + "; press * to come back to the assistant)"
        wait_url = room.get("waitUrl")
        if wait_url:
            lines.extend(self._hold(wait_url, (room.get("waitMethod") or "POST").upper()))
        return lines + self._ring_helper()

    def _hold(self, url: str, method: str) -> List[str]:
        """What the conference's ``waitUrl`` says while nobody else is there (played once)."""
        answer = self.sender.post(self.sender.absolute(url, self._url), self._params(), method)
        if answer.status_code >= 400:
            return [f"(the hold words answered HTTP {answer.status_code})"]
        try:
            document = parse_twiml(answer.text)
        except ValueError as error:
            return [f"(the hold words are {error})"]
        lines = []
        for verb in document.iter("Say"):
            words = spoken(verb)
            if words:
                self.heard.append(words)
                lines.append(f"bank (on hold): {words}")
        return lines

    def _ring_helper(self) -> List[str]:
        """The call the gateway placed through the fake: the helper's phone answers it."""
        if self.twilio is None:
            return [
                "(the bank rings your helper; this terminal phone cannot answer for them: "
                "press * to come back to the assistant)"
            ]
        placed = [r for r in self.twilio.calls if r.sid not in self._seen_calls]
        self._seen_calls.update(r.sid for r in placed)
        if not placed or self.conference is None:
            return ["(nobody is rung)"]
        record = placed[-1]
        url = record.params.get("Url", "")
        helper = HelperLeg(record, url)
        self.conference.helper = helper
        lines = [f"(the bank rings {record.to}; their phone answers)"]
        return lines + self._helper_fetch(helper, url, self._helper_params(record))

    def _helper_params(self, record: Received, status: str = "in-progress") -> dict:
        return {
            "AccountSid": record.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": record.sid,
            "CallStatus": status,
            "Called": record.to,
            "Direction": "outbound-api",
            "From": record.params.get("From", ""),
            "To": record.to,
        }

    def _helper_fetch(
        self: Softphone, helper: HelperLeg, url: str, params: Dict[str, str], method: str = "POST"
    ) -> List[str]:
        full = self.sender.absolute(url, helper.url)
        answer = self.sender.post(full, params, method)
        if answer.status_code >= 400:
            return [f"(the helper's call answered HTTP {answer.status_code})"] + self._helper_ends()
        try:
            document = parse_twiml(answer.text)
        except ValueError as error:
            return [f"(the helper's call is {error})"] + self._helper_ends()
        helper.url = full
        return self._helper_play(helper, list(document))

    def _helper_play(self, helper: HelperLeg, verbs: List[ET.Element]) -> List[str]:
        lines: List[str] = []
        for index, verb in enumerate(verbs):
            if verb.tag == "Say":
                lines.extend(self._helper_hears(helper, verb))
            elif verb.tag == "Gather":
                for inner in verb:
                    if inner.tag == "Say":
                        lines.extend(self._helper_hears(helper, inner))
                helper.gather = Gather.from_element(verb, helper.url, verbs[index + 1 :])
                return lines + [INDENT + "helper's phone " + helper.gather.describe()]
            elif verb.tag == "Dial" and verb.find("Conference") is not None:
                helper.joined = True
                helper.after = verbs[index + 1 :]
                same = (verb.find("Conference").text or "").strip() == (
                    self.conference.room if self.conference else None
                )
                where = "your conference" if same else "another conference"
                return lines + [
                    f"(the helper joins {where}: you can talk to each other; press * to come "
                    f"back to the assistant, or type '{HELPER_HANGS_UP}')"
                ]
            elif verb.tag in ("Hangup", "Reject"):
                break
        return lines + self._helper_ends()

    def _helper_hears(self, helper: HelperLeg, verb: ET.Element) -> List[str]:
        words = spoken(verb)
        if not words:
            return []
        helper.heard.append(words)
        self.helper_heard.append(words)
        return [f"helper hears: {words}"]

    def _helper_ends(self) -> List[str]:
        """The helper's call ends: Twilio reports it; the gateway may move our call on."""
        helper = self.conference.helper if self.conference else None
        if helper is None or helper.ended:
            return []
        helper.ended, helper.gather, helper.joined = True, None, False
        lines = ["(the helper's call ends)"]
        lines.extend(self._helper_status(helper, "completed"))
        return lines + self._moved()

    def _helper_status(self, helper: HelperLeg, status: str) -> List[str]:
        if self.twilio is None or not helper.record.status_callback:
            return []
        url, params = self.twilio.status_params(helper.record.sid, status)
        answer = self.sender.post(url, params)
        self.twilio.find(helper.record.sid).statuses.append((status, answer.status_code))
        if answer.status_code >= 400:
            return [f"(the helper's status callback answered HTTP {answer.status_code})"]
        return []

    def _moved(self) -> List[str]:
        """Whether the gateway moved our call on (a call update through the fake): follow it."""
        if self.twilio is None:
            return []
        updates = self.twilio.updates(self.call_sid)
        fresh, self._seen_updates = updates[self._seen_updates :], len(updates)
        if not fresh:
            return []
        update = fresh[-1].params
        self.conference = None
        if update.get("Status") in ("completed", "canceled"):
            self._end()
            return ["(the bank ends the call)"]
        lines = ["(the bank moves your call out of the conference)"]
        url = update.get("Url") or VOICE_PATH
        return lines + self._fetch(url, self._params(), (update.get("Method") or "POST").upper())

    def _in_conference(self, typed: str) -> List[str]:
        """A line typed while the call is in the conference."""
        conference = self.conference
        assert conference is not None
        helper = conference.helper
        if typed == "*" and conference.hangup_on_star:
            # Always the caller's key, even while the helper's phone waits for theirs.
            return ["(you press *: you leave the conference)"] + self._leave_conference()
        if helper is not None and helper.gather is not None:
            return self._helper_keys(helper, typed)
        if helper is not None and helper.joined and typed.lower() == HELPER_HANGS_UP:
            helper.joined, helper.ended = False, True
            lines = ["(the helper hangs up)"] + self._helper_status(helper, "completed")
            # Their endConferenceOnExit ends the conference: our <Dial action> follows.
            return lines + self._leave_conference()
        moved = self._moved()
        if moved:
            return moved
        if not typed:
            return ["(you wait in the conference; press * to come back to the assistant)"]
        if helper is not None and helper.joined:
            return ["(the helper hears you; the bank is not listening: press * to come back)"]
        return ["(nobody hears you yet; press * to come back to the assistant)"]

    def _helper_keys(self, helper: HelperLeg, typed: str) -> List[str]:
        """The helper's answer to their call's question (keys, or nothing)."""
        gather = helper.gather
        assert gather is not None
        params = self._helper_params(helper.record)
        compact = typed.replace(" ", "")
        if compact:
            if not _KEYS.fullmatch(compact):
                return ["(the helper's phone takes keys only: type digits)"]
            digits = compact.split(gather.finish_on_key)[0] if gather.finish_on_key else compact
            params["Digits"] = digits[: gather.num_digits] if gather.num_digits else digits
        helper.gather = None
        if not compact and not gather.action_on_empty:
            return self._helper_play(helper, gather.after)
        action = self.sender.absolute(gather.action, helper.url)
        return self._helper_fetch(helper, action, params, gather.method)

    def _leave_conference(self) -> List[str]:
        """Our part in the conference ends: the <Dial action> (or what follows the Dial)."""
        conference = self.conference
        assert conference is not None
        self.conference = None
        helper = conference.helper
        lines: List[str] = []
        if conference.action:
            params = {**self._params(), "DialCallStatus": "completed"}
            url = self.sender.absolute(conference.action, conference.url)
            lines = self._fetch(url, params, conference.method)
        else:
            self._end()
            lines = ["(the call ends)"]
        if helper is not None and self.twilio is not None and not helper.ended:
            lines.extend(self._helper_after(helper))
        return lines

    def _helper_after(self, helper: HelperLeg) -> List[str]:
        """The conference ended under the helper (our endConferenceOnExit), or the gateway stopped
        ringing them: what they hear last."""
        stopped = [u for u in self.twilio.updates(helper.record.sid) if u.params.get("Status")]
        if stopped:
            helper.ended, helper.gather = True, None
            return [f"(the bank stops the helper's call: {stopped[-1].params['Status']})"]
        if not helper.joined:
            return []
        helper.joined = False
        lines: List[str] = []
        for verb in helper.after:
            if verb.tag == "Say":
                lines.extend(self._helper_hears(helper, verb))
        helper.ended = True
        lines.append("(the helper's call ends)")
        return lines + self._helper_status(helper, "completed")


@dataclass
class Reply:
    """One text the bank sent back, with how it travels."""

    body: str
    segments: int
    encoding: str

    def lines(self) -> List[str]:
        plural = "segment" if self.segments == 1 else "segments"
        body = self.body.replace("\n", "\n" + INDENT)  # a multi-line text stays one block
        return [
            f"bank: {body}",
            f"{INDENT}({self.segments} {plural}, {self.encoding}, {len(self.body)} characters)",
        ]


class TextingPhone:
    """A mobile phone texting the bank: each text is one signed POST /twilio/sms."""

    def __init__(self, sender: WebhookSender, phone: str, bank_number: str, account_sid: str):
        self.sender = sender
        self.phone = phone
        self.bank_number = bank_number
        self.account_sid = account_sid
        self.last_sid: Optional[str] = None

    def params(self, body: str, sid: Optional[str] = None) -> Dict[str, str]:
        """The form fields Twilio sends for an incoming text."""
        sid = sid or new_sid("SM")
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": self.phone,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(segment_info(body).segments),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": self.bank_number,
        }

    def text(self, body: str, sid: Optional[str] = None) -> List[Reply]:
        """Send ``body``; the bank's replies (``sid`` repeats a message, as a Twilio retry)."""
        params = self.params(body, sid)
        self.last_sid = params["MessageSid"]
        answer = self.sender.post(SMS_PATH, params)
        if answer.status_code >= 400:
            raise SoftphoneError(f"the gateway answered HTTP {answer.status_code}")
        replies = []
        for message in parse_twiml(answer.text).iter("Message"):
            body_element = message.find("Body")
            reply = (body_element.text if body_element is not None else message.text) or ""
            shape = segment_info(reply)
            replies.append(Reply(reply, shape.segments, shape.encoding))
        return replies

    def send(self, body: str) -> List[str]:
        """Send ``body``; the lines to print."""
        replies = self.text(body)
        if not replies:
            return ["(no reply)"]
        return [line for reply in replies for line in reply.lines()]


def masked(line: str, secret: bool) -> str:
    """How a typed line is echoed: PINs (hidden input, or 4-8 digits alone) as stars."""
    stripped = line.strip()
    if secret or re.fullmatch(r"\d{4,8}", stripped):
        return "*" * len(stripped)
    return line
