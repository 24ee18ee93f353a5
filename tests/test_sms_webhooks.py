"""POST /twilio/sms and /twilio/sms/status: signed webhooks in, TwiML out, metadata recorded.

The gateway runs with the real conversation store, identity service, ledger, opt-out store and
SMS records on a seeded SQLite bank; only Rasa is faked (``tests.fakes.FakeRasa``). Every
request is signed as Twilio would sign it, for the public base URL (the gateway sits behind
a proxy here, so the URL it sees is not the one signed).
"""

from __future__ import annotations

import asyncio
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
from fastapi import FastAPI

import assistant.conversations as conversations_module
from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.sms_records import SmsRecord, SmsRecords
from assistant.messaging.sms_text import is_gsm7, segment_info
from assistant.models import utcnow
from assistant.settings import Settings
from assistant.texts import text as say
from tests.fakes import (
    ASK_PIN_TEXT,
    BALANCE_TEXT,
    FakeRasa,
    SentMessage,
    copy_of_bank,
)
from voice.security import SIGNATURE_HEADER, sign

PUBLIC_BASE = "https://bank.example.org"
SMS_PATH, STATUS_PATH = "/twilio/sms", "/twilio/sms/status"
BANK_NUMBER = "+15550100000"
UNKNOWN_PHONE = "+15559990000"
MARGARET_PIN, RAVI_PIN = "2468", "1357"
THANKS = say("pin_thanks", "sms")


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


class ScriptedRasa(FakeRasa):
    """FakeRasa, plus fixed answers for given texts and an optional delay (a slow model)."""

    def __init__(self, conversations: Any) -> None:
        super().__init__(conversations)
        self.scripted: Dict[str, List[Dict[str, Any]]] = {}
        self.delay = 0.0

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        if text in self.scripted:
            self.calls.append(SentMessage(channel, sender_id, text, dict(metadata or {})))
            return self.scripted[text]
        return super().send(channel, sender_id, text, metadata)


@dataclass
class Reply:
    status: int
    body: str  # the raw response

    @property
    def messages(self) -> List[str]:
        root = ET.fromstring(self.body)  # noqa: S314 - our own TwiML
        assert root.tag == "Response"
        found = []
        for message in root.iter("Message"):
            inner = message.find("Body")
            found.append((inner.text if inner is not None else message.text) or "")
        return found

    @property
    def text(self) -> str:
        (only,) = self.messages
        return only

    def status_callback(self) -> str:
        root = ET.fromstring(self.body)  # noqa: S314 - our own TwiML
        (message,) = root.iter("Message")
        return message.get("statusCallback", "")


class SmsGateway:
    """The gateway app driven like Twilio drives it: signed form posts."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.rasa: ScriptedRasa = app.state.turns.rasa
        sessions = session_factory(settings.bank_database_url)
        self.records = SmsRecords(sessions)
        self.opt_outs = OptOutStore(sessions)
        self.conversations = app.state.turns.conversations

    def params(
        self, body: Optional[str], phone: str = RAVI_PHONE, sid: Optional[str] = None
    ) -> Dict[str, str]:
        params = {
            "AccountSid": "AC" + "0" * 32,
            "MessageSid": sid or new_sid(),
            "From": phone,
            "To": BANK_NUMBER,
            "NumMedia": "0",
        }
        if body is not None:
            params["Body"] = body
        return params

    def post(
        self,
        path: str,
        params: Dict[str, str],
        signature: Optional[str] = None,
        url: Optional[str] = None,
    ) -> Reply:
        return self.post_many([(path, params, signature, url)])[0]

    def post_many(self, requests: List[tuple], concurrently: bool = False) -> List[Reply]:
        async def one(client: httpx.AsyncClient, request: tuple) -> Reply:
            path, params, signature, url = request
            signed_url = url or self.settings.twilio_base_url + path
            if signature is None:
                signature = sign(signed_url, params, self.settings.twilio_token())
            answer = await client.post(path, data=params, headers={SIGNATURE_HEADER: signature})
            return Reply(answer.status_code, answer.text)

        async def go() -> List[Reply]:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.5") as c:
                if concurrently:
                    return list(await asyncio.gather(*(one(c, r) for r in requests)))
                return [await one(c, r) for r in requests]

        return asyncio.run(go())

    def text(
        self, body: Optional[str], phone: str = RAVI_PHONE, sid: Optional[str] = None
    ) -> Reply:
        return self.post(SMS_PATH, self.params(body, phone, sid))

    def status(self, params: Dict[str, str], query: str = "") -> Reply:
        path = STATUS_PATH + (f"?{query}" if query else "")
        return self.post(path, params)

    def sms_conversation(self, phone: str = RAVI_PHONE) -> Any:
        return self.conversations.latest("sms", phone, self.settings.sms_session_minutes)

    def rows(self, phone: str = RAVI_PHONE) -> List[SmsRecord]:
        return self.records.for_phone(phone)


@pytest.fixture
def settings(demo_template: Path, tmp_path: Path) -> Iterator[Settings]:
    url = copy_of_bank(demo_template, tmp_path)
    yield Settings(
        database_url=url,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_auth_token="test-twilio-auth-token",
        public_base_url=PUBLIC_BASE,
    )
    dispose(url)


@pytest.fixture
def sms(settings: Settings) -> Iterator[SmsGateway]:
    app = create_app(settings)
    app.state.turns.rasa = ScriptedRasa(app.state.turns.conversations)
    yield SmsGateway(app, settings)
    app.state.rasa.close()


def assert_one_gsm7_segment(text: str) -> None:
    assert is_gsm7(text), text
    assert segment_info(text).segments == 1, (len(text), text)


# ---- BAL, the PIN by reply, the verified window ---------------------------------------------


def test_bal_asks_for_the_pin_and_the_pin_by_reply_answers_in_one_gsm7_segment(
    sms: SmsGateway,
) -> None:
    asked = sms.text("BAL")
    assert asked.status == 200
    assert asked.text == ASK_PIN_TEXT
    assert sms.rasa.texts == ["what is my balance"]
    assert sms.rasa.calls[0].channel == "sms"

    answered = sms.text(RAVI_PIN)
    assert answered.status == 200
    assert answered.text == f"{THANKS}\n{BALANCE_TEXT}"
    assert_one_gsm7_segment(answered.text)
    assert RAVI_PIN not in " ".join(sms.rasa.texts)
    assert sms.rasa.texts == ["what is my balance", "what is my balance"]
    conversation = sms.sms_conversation()
    assert sms.conversations.verified_customer_id(conversation.id) is not None


def test_texts_from_one_number_continue_one_conversation(sms: SmsGateway) -> None:
    sms.text("hello")
    sms.text("BAL")
    sms.text("MINI", phone=MARGARET_PHONE)
    ravi_ids = {call.sender_id for call in sms.rasa.calls[:2]}
    assert len(ravi_ids) == 1
    assert sms.rasa.calls[2].sender_id not in ravi_ids
    assert sms.rasa.texts[2] == "show my recent payments"


def test_a_verified_sms_conversation_lasts_ten_minutes(
    sms: SmsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    sms.text("bal")
    sms.text(RAVI_PIN)
    conversation = sms.sms_conversation()
    until = sms.conversations.get(conversation.id).verified_until
    assert timedelta(minutes=9, seconds=50) < until - utcnow() <= timedelta(minutes=10)

    real_now = conversations_module.utcnow
    monkeypatch.setattr(conversations_module, "utcnow", lambda: real_now() + timedelta(minutes=9))
    still = sms.text("BAL")
    assert still.text == BALANCE_TEXT

    monkeypatch.setattr(conversations_module, "utcnow", lambda: real_now() + timedelta(minutes=11))
    expired = sms.text("BAL")
    assert expired.text == ASK_PIN_TEXT
    assert sms.sms_conversation().id == conversation.id  # same conversation, PIN asked again


def test_a_wrong_pin_by_reply_says_how_many_tries_are_left(sms: SmsGateway) -> None:
    sms.text("BAL")
    wrong = sms.text("9999")
    assert wrong.text == say("pin_wrong", "sms", attempts_left=4)
    assert_one_gsm7_segment(wrong.text)


def test_free_text_goes_to_the_assistant_as_typed(sms: SmsGateway) -> None:
    reply = sms.text("send 20 to Green Valley Feed")
    assert sms.rasa.texts == ["send 20 to Green Valley Feed"]
    assert reply.text == "You said: send 20 to Green Valley Feed"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("bal", "what is my balance"),
        (" Bal ", "what is my balance"),
        ("BAL.", "what is my balance"),
        ("BALL", "what is my balance"),
        ("balance", "what is my balance"),
        ("mini", "show my recent payments"),
        ("MINI STATEMENT", "show my recent payments"),
        ("Mini!", "show my recent payments"),
    ],
)
def test_bal_and_mini_reach_the_assistant_as_requests(
    sms: SmsGateway, body: str, expected: str
) -> None:
    sms.text(body)
    assert sms.rasa.texts == [expected]


def test_cancel_is_the_assistants_cancel_not_an_opt_out(sms: SmsGateway) -> None:
    reply = sms.text("cancel")
    assert sms.rasa.texts == ["cancel"]
    assert reply.text == "You said: cancel"
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is False


def test_a_payee_name_near_a_keyword_goes_to_the_assistant(sms: SmsGateway) -> None:
    margaret = sms.app.state.turns.banking.find_customer_by_phone(MARGARET_PHONE)
    sms.app.state.turns.banking.add_payee(margaret.id, "Mimi", "2200300037")
    sms.text("Mimi", phone=MARGARET_PHONE)
    assert sms.rasa.texts == ["Mimi"]
    sms.text("mimi", phone=RAVI_PHONE)  # not Ravi's payee: a typo of MINI
    assert sms.rasa.texts[-1] == "show my recent payments"


def test_an_unknown_number_is_answered_by_the_assistant(sms: SmsGateway) -> None:
    reply = sms.text("hello", phone=UNKNOWN_PHONE)
    assert reply.status == 200
    conversation = sms.sms_conversation(UNKNOWN_PHONE)
    assert conversation is not None and conversation.customer_id is None


# ---- HELP, STOP, START ------------------------------------------------------------------


@pytest.mark.parametrize("body", ["HELP", "help", " Help. ", "hlep", "info"])
def test_help_is_a_short_fixed_text_that_says_how_to_stop(sms: SmsGateway, body: str) -> None:
    reply = sms.text(body)
    assert reply.text == say("sms_help", "sms")
    assert "STOP" in reply.text and "BAL" in reply.text
    assert_one_gsm7_segment(reply.text)
    assert sms.rasa.calls == []


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "Stop.",
        "STOP ALL",
        "stopall",
        "UNSUBSCRIBE",
        "end",
        "QUIT",
        "sotp",
        "stop please",
    ],
)
def test_stop_opts_out_with_one_confirmation(sms: SmsGateway, body: str) -> None:
    reply = sms.text(body)
    assert reply.text == say("sms_stopped", "sms")
    assert_one_gsm7_segment(reply.text)
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is True
    assert sms.rasa.calls == []


def test_while_opted_out_only_start_and_help_get_a_reply(sms: SmsGateway) -> None:
    sms.text("STOP")
    for body in ("BAL", "hello", "STOP", "", RAVI_PIN):
        silent = sms.text(body)
        assert silent.status == 200
        assert silent.messages == [], body
    assert sms.rasa.calls == []
    assert sms.text("HELP").text == say("sms_help", "sms")
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is True

    started = sms.text("Start")
    assert started.text == say("sms_started", "sms")
    assert_one_gsm7_segment(started.text)
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is False
    assert sms.text("BAL").text == ASK_PIN_TEXT


def test_unstop_opts_back_in(sms: SmsGateway) -> None:
    sms.text("stop")
    assert sms.text("UNSTOP").text == say("sms_started", "sms")
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is False


def test_when_twilio_answered_the_keyword_itself_no_second_reply_is_sent(sms: SmsGateway) -> None:
    params = sms.params("STOP")
    params["OptOutType"] = "STOP"
    reply = sms.post(SMS_PATH, params)
    assert reply.messages == []
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is True


# ---- shaping and records ------------------------------------------------------------------


def test_each_reply_records_its_segments_and_encoding_but_no_body(sms: SmsGateway) -> None:
    sid = new_sid()
    sms.text("BAL", sid=sid)
    inbound, reply = sms.rows()
    assert (inbound.sid, inbound.direction, inbound.purpose, inbound.status) == (
        sid,
        "in",
        "bal",
        "received",
    )
    assert (inbound.segments, inbound.encoding) == (1, "GSM-7")
    assert reply.direction == "out" and reply.purpose == "reply"
    assert reply.reply_to_sid == sid and reply.sid is None
    assert (reply.segments, reply.encoding) == (1, "GSM-7")
    stored = " ".join(str(value) for value in reply.__dict__.values())
    assert ASK_PIN_TEXT not in stored


def test_typographic_characters_are_sent_as_gsm7(sms: SmsGateway) -> None:
    sms.rasa.scripted["hi"] = [{"text": "It\u2019s done \u2014 \u201cthanks\u201d\u2026\u00a0bye"}]
    reply = sms.text("hi")
    assert reply.text == 'It\'s done - "thanks"... bye'
    assert sms.rows()[-1].encoding == "GSM-7"


def test_a_long_answer_is_cut_to_three_segments_and_says_so(sms: SmsGateway) -> None:
    sms.rasa.scripted["everything"] = [
        {"text": f"Line {n}: a payment to Green Valley Feed of $8,400.00."} for n in range(40)
    ]
    reply = sms.text("everything")
    assert reply.text.endswith(say("sms_cut", "sms"))
    assert segment_info(reply.text).segments == 3
    assert sms.rows()[-1].segments == 3


def test_buttons_are_not_shown(sms: SmsGateway) -> None:
    sms.rasa.scripted["pay"] = [
        {"text": "Send $5.00 to Tom? Reply YES or NO.", "buttons": [{"title": "Yes, send it"}]}
    ]
    assert sms.text("pay").text == "Send $5.00 to Tom? Reply YES or NO."


def test_an_empty_text_gets_a_kind_reply(sms: SmsGateway) -> None:
    for body in ("", "   "):
        reply = sms.text(body)
        assert reply.text == say("sms_empty", "sms")
    assert sms.rasa.calls == []


def test_the_reply_asks_for_its_delivery_status(sms: SmsGateway) -> None:
    sid = new_sid()
    callback = sms.text("BAL", sid=sid).status_callback()
    assert callback == f"{PUBLIC_BASE}{STATUS_PATH}?reply_to={sid}"


# ---- retries ------------------------------------------------------------------------------


def test_a_retried_message_sid_replies_identically_and_reaches_rasa_once(sms: SmsGateway) -> None:
    sms.text("BAL")
    pin_sid = new_sid()
    first = sms.text(RAVI_PIN, sid=pin_sid)
    retry = sms.text(RAVI_PIN, sid=pin_sid)
    assert retry.body == first.body
    assert sms.rasa.texts == ["what is my balance", "what is my balance"]
    assert [row.reply_to_sid for row in sms.rows() if row.direction == "out"].count(pin_sid) == 1


def test_a_retried_stop_confirms_once_and_start_is_not_undone(sms: SmsGateway) -> None:
    stop_sid = new_sid()
    first = sms.text("STOP", sid=stop_sid)
    assert sms.text("STOP", sid=stop_sid).body == first.body
    sms.text("START")
    again = sms.text("STOP", sid=stop_sid)  # a very late retry of the old STOP
    assert again.body == first.body
    assert sms.opt_outs.is_opted_out(RAVI_PHONE) is False


def test_a_retry_arriving_while_the_first_is_answered_waits_for_it(sms: SmsGateway) -> None:
    sms.rasa.delay = 0.3
    params = sms.params("what is my balance")
    first, retry = sms.post_many(
        [(SMS_PATH, params, None, None), (SMS_PATH, dict(params), None, None)], concurrently=True
    )
    assert first.status == retry.status == 200
    assert first.body == retry.body
    assert first.text == ASK_PIN_TEXT
    assert sms.rasa.texts == ["what is my balance"]


def test_a_retried_payment_confirmation_reaches_the_assistant_once(sms: SmsGateway) -> None:
    sms.rasa.scripted["yes"] = [{"text": "Sent $5.00 to Green Valley Feed. Ref A1B2C3D4E5"}]
    sid = new_sid()
    first = sms.text("yes", sid=sid)
    second = sms.text("yes", sid=sid)
    assert first.body == second.body
    assert sms.rasa.texts.count("yes") == 1


# ---- signatures and malformed input ----------------------------------------------------


def test_a_bad_signature_is_refused(sms: SmsGateway) -> None:
    params = sms.params("BAL")
    assert sms.post(SMS_PATH, params, signature="bm90IGEgc2lnbmF0dXJl").status == 403
    assert sms.post(SMS_PATH, params, signature="").status == 403
    wrong_url = sms.post(SMS_PATH, params, url="http://10.0.0.5" + SMS_PATH)
    assert wrong_url.status == 403
    tampered = dict(params, Body="MINI")
    good = sign(PUBLIC_BASE + SMS_PATH, params, sms.settings.twilio_token())
    assert sms.post(SMS_PATH, tampered, signature=good).status == 403
    assert (
        sms.post(
            STATUS_PATH, {"MessageSid": new_sid(), "MessageStatus": "sent"}, signature="x"
        ).status
        == 403
    )
    assert sms.rasa.calls == [] and sms.rows() == []


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": None},
        {"MessageSid": ""},
        {"MessageSid": "SM<script>"},
        {"MessageSid": "SM" + "a" * 80},
        {"From": None},
        {"From": "not a number"},
        {"From": "12"},
        {"To": "<bank>"},
        {"Body": None},
        {"Body": "x" * 1601},
    ],
)
def test_missing_or_malformed_fields_get_a_400(sms: SmsGateway, change: Dict[str, Any]) -> None:
    params = sms.params("BAL")
    for key, value in change.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value
    assert sms.post(SMS_PATH, params).status == 400
    assert sms.rasa.calls == []


def test_a_body_that_is_not_a_form_is_refused_not_a_500(sms: SmsGateway) -> None:
    async def go() -> List[int]:
        transport = httpx.ASGITransport(app=sms.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            statuses = []
            for headers, content in [
                ({"Content-Type": "application/json"}, b'{"Body": "BAL"}'),
                ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\ngarbage"),
                ({}, b""),
            ]:
                headers[SIGNATURE_HEADER] = "abc"
                answer = await client.post(SMS_PATH, content=content, headers=headers)
                statuses.append(answer.status_code)
            return statuses

    assert all(400 <= status < 500 for status in asyncio.run(go()))


# ---- delivery status --------------------------------------------------------------------


def test_the_first_status_callback_gives_the_reply_its_sid(sms: SmsGateway) -> None:
    inbound_sid, reply_sid = new_sid(), new_sid()
    sms.text("BAL", sid=inbound_sid)
    query = f"reply_to={inbound_sid}"
    for status in ("queued", "sent"):
        answer = sms.status({"MessageSid": reply_sid, "MessageStatus": status}, query)
        assert answer.status == 200
    reply = sms.records.get(reply_sid)
    assert reply is not None and reply.reply_to_sid == inbound_sid and reply.status == "sent"
    assert len([row for row in sms.rows() if row.direction == "out"]) == 1


def test_statuses_never_move_back_and_errors_are_kept(sms: SmsGateway) -> None:
    sid = new_sid()
    sms.status(
        {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003", "To": RAVI_PHONE}
    )
    sms.status({"MessageSid": sid, "MessageStatus": "sent", "To": RAVI_PHONE})
    record = sms.records.get(sid)
    assert record is not None
    assert (record.status, record.error_code) == ("undelivered", "30003")


def test_a_status_for_an_unknown_sid_is_kept_as_an_outbound_message(sms: SmsGateway) -> None:
    sid = new_sid()
    answer = sms.status({"MessageSid": sid, "MessageStatus": "delivered", "To": RAVI_PHONE})
    assert answer.status == 200
    record = sms.records.get(sid)
    assert record is not None
    assert (record.direction, record.purpose, record.phone) == ("out", "unknown", RAVI_PHONE)


@pytest.mark.parametrize(
    "params, query",
    [
        ({"MessageStatus": "sent"}, ""),
        ({"MessageSid": "SMabc"}, ""),
        ({"MessageSid": "SMabc", "MessageStatus": "<sent>"}, ""),
        ({"MessageSid": "SMabc", "MessageStatus": "failed", "ErrorCode": "oops"}, ""),
        ({"MessageSid": "SMabc", "MessageStatus": "sent"}, "reply_to=%3Cx%3E"),
    ],
)
def test_malformed_status_callbacks_get_a_400(
    sms: SmsGateway, params: Dict[str, str], query: str
) -> None:
    assert sms.status(params, query).status == 400
