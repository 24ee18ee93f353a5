"""The outbound transport: the real ``twilio.rest.Client`` against the loopback fake of Twilio.

Nothing is mocked between the transport and the wire: the Twilio client builds its real
requests (basic auth, form fields, /2010-04-01/Accounts/{sid}/Messages.json) and the fake
answers as Twilio does. Status callbacks from the fake are checked with twilio's own
``RequestValidator``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from assistant.db import session_factory
from assistant.messaging import transport as transport_module
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import SmsMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.transport import (
    OutboundTransport,
    TransportError,
    TwilioTransport,
    build_transport,
)
from assistant.settings import Settings

SID = "AC" + "5" * 32
TOKEN = "test-auth-token"
BANK_NUMBER = "+15550100000"
RAVI = "+15550100002"
PUBLIC = "https://bank.example"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, bank_url: str, fake: FakeTwilio) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=bank_url,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_number=BANK_NUMBER,
        twilio_transport="loopback",
        twilio_api_base=fake.base_url,
        public_base_url=PUBLIC,
    )


@pytest.fixture
def sessions(bank_url: str) -> sessionmaker:
    return session_factory(bank_url)


@pytest.fixture
def transport(settings: Settings, sessions: sessionmaker) -> TwilioTransport:
    return TwilioTransport(settings, sessions)


def sent_rows(sessions: sessionmaker) -> List[SmsMessage]:
    with sessions() as session:
        return list(session.execute(select(SmsMessage).order_by(SmsMessage.id)).scalars())


# ---- texts -----------------------------------------------------------------------------


def test_is_an_outbound_transport_on_the_real_twilio_client(transport: TwilioTransport) -> None:
    assert isinstance(transport, OutboundTransport)
    assert isinstance(transport.client, Client)
    assert transport.api_base.startswith("http://127.0.0.1:")


def test_sms_reaches_twilio_with_the_right_fields_and_is_recorded_without_its_body(
    transport: TwilioTransport, fake: FakeTwilio, sessions: sessionmaker
) -> None:
    body = "Kindly Bank: a payment of $40.00 to Tom was made today. Not you? Call us."
    sid = transport.send_sms(RAVI, body, purpose="alert")

    assert sid is not None and sid.startswith("SM") and len(sid) == 34
    (received,) = fake.messages
    assert received.sid == sid
    assert received.account_sid == SID
    assert received.params == {
        "To": RAVI,
        "From": BANK_NUMBER,
        "Body": body,
        "StatusCallback": f"{PUBLIC}/twilio/sms/status",
    }
    (row,) = sent_rows(sessions)
    assert (row.sid, row.direction, row.phone, row.purpose) == (sid, "out", RAVI, "alert")
    assert (row.segments, row.encoding, row.status) == (1, "GSM-7", "queued")
    stored = [str(getattr(row, column.key)) for column in SmsMessage.__table__.columns]
    assert not any(body in value or "payment" in value for value in stored)


def test_segments_and_encoding_are_counted(
    transport: TwilioTransport, sessions: sessionmaker
) -> None:
    transport.send_sms(RAVI, "x" * 161, purpose="broadcast")
    transport.send_sms(RAVI, "Café ☕ closes early today", purpose="broadcast")
    long_gsm, unicode = sent_rows(sessions)
    assert (long_gsm.segments, long_gsm.encoding) == (2, "GSM-7")
    assert (unicode.segments, unicode.encoding) == (1, "UCS-2")


def test_an_explicit_status_callback_and_a_messy_number(
    transport: TwilioTransport, fake: FakeTwilio
) -> None:
    transport.send_sms("+1 (555) 010-0002", "Hi", status_callback="https://cb.example/s?id=7")
    (received,) = fake.messages
    assert received.params["To"] == RAVI
    assert received.params["StatusCallback"] == "https://cb.example/s?id=7"


def test_opted_out_numbers_get_nothing_unless_the_law_requires_it(
    transport: TwilioTransport, fake: FakeTwilio, sessions: sessionmaker
) -> None:
    opt_outs = OptOutStore(sessions)
    opt_outs.opt_out(RAVI)

    assert transport.send_sms(RAVI, "New scam warning", purpose="broadcast") is None
    assert fake.messages == []
    assert sent_rows(sessions) == []

    sid = transport.send_sms(RAVI, "Your card was frozen", purpose="legal", legally_required=True)
    assert sid is not None and [m.sid for m in fake.messages] == [sid]

    opt_outs.opt_in(RAVI)
    assert transport.send_sms(RAVI, "Welcome back", purpose="alert") is not None
    assert [row.purpose for row in sent_rows(sessions)] == ["legal", "alert"]


def test_wrong_credentials_are_refused_and_nothing_counts_as_sent(
    settings: Settings, sessions: sessionmaker, fake: FakeTwilio
) -> None:
    wrong = TwilioTransport(settings.copy(update={"twilio_auth_token": "not-it"}), sessions)
    with pytest.raises(TransportError, match="401"):
        wrong.send_sms(RAVI, "Hello")
    assert fake.messages == [] and fake.rejected == 1
    (row,) = sent_rows(sessions)
    assert (row.sid, row.status, row.error_code) == (None, "failed", "20003")


def test_an_unreachable_api_is_a_transport_error(
    settings: Settings, sessions: sessionmaker, fake: FakeTwilio
) -> None:
    fake.stop()
    with pytest.raises(TransportError):
        TwilioTransport(settings, sessions).send_sms(RAVI, "Hello")
    assert [row.status for row in sent_rows(sessions)] == ["failed"]


def test_message_bodies_never_reach_the_logs(
    transport: TwilioTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    transport.send_sms(RAVI, "secret-body-text 1357", purpose="alert")
    assert "secret-body-text" not in caplog.text
    assert RAVI not in caplog.text  # numbers are masked too
    assert "0002" in caplog.text


# ---- calls -----------------------------------------------------------------------------


def test_calls_are_placed_with_the_twiml_url(transport: TwilioTransport, fake: FakeTwilio) -> None:
    sid = transport.place_call("+15550100001", f"{PUBLIC}/twilio/voice/warning?w=3")
    assert sid.startswith("CA") and len(sid) == 34
    (received,) = fake.calls
    assert received.sid == sid
    assert received.params == {
        "To": "+15550100001",
        "From": BANK_NUMBER,
        "Url": f"{PUBLIC}/twilio/voice/warning?w=3",
        "StatusCallback": f"{PUBLIC}/twilio/voice/status",
    }


# ---- status callbacks ------------------------------------------------------------------


@dataclass
class Receiver:
    """A stand-in webhook receiver that records what the fake calls back with."""

    url: str
    posts: List[tuple] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    posts: List[tuple] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            posts.append((self.path, dict(self.headers), dict(parse_qsl(raw))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", posts)
    server.shutdown()
    server.server_close()


def assert_signed(url: str, headers: Dict[str, str], params: Dict[str, str]) -> None:
    signature = headers["X-Twilio-Signature"]
    assert RequestValidator(TOKEN).validate(url, params, signature)
    assert not RequestValidator("another-token").validate(url, params, signature)


def test_the_fakes_sms_status_callback_is_signed_like_twilios(
    transport: TwilioTransport, fake: FakeTwilio, receiver: Receiver
) -> None:
    callback = f"{receiver.url}/twilio/sms/status?alert=12"
    sid = transport.send_sms(RAVI, "Hello", status_callback=callback)
    assert sid is not None

    assert fake.send_status(sid, "delivered") == 204

    (path, headers, params) = receiver.posts[0]
    assert path == "/twilio/sms/status?alert=12"
    assert params["MessageSid"] == params["SmsSid"] == sid
    assert params["MessageStatus"] == "delivered"
    assert (params["AccountSid"], params["From"], params["To"]) == (SID, BANK_NUMBER, RAVI)
    assert_signed(callback, headers, params)
    assert fake.find(sid).statuses == [("delivered", 204)]


def test_failed_delivery_and_call_status_callbacks(
    transport: TwilioTransport, fake: FakeTwilio, receiver: Receiver
) -> None:
    sid = transport.send_sms(RAVI, "Hello", status_callback=f"{receiver.url}/sms")
    assert sid is not None
    fake.send_status(sid, "undelivered", error_code="30003")
    call = transport.place_call(RAVI, f"{PUBLIC}/twilio/voice", f"{receiver.url}/voice")
    fake.send_status(call, "completed")

    (_, sms_headers, sms), (_, call_headers, voice) = receiver.posts
    assert (sms["MessageStatus"], sms["ErrorCode"]) == ("undelivered", "30003")
    assert_signed(f"{receiver.url}/sms", sms_headers, sms)
    assert (voice["CallSid"], voice["CallStatus"]) == (call, "completed")
    assert_signed(f"{receiver.url}/voice", call_headers, voice)


def test_automatic_statuses_arrive_in_order(
    settings: Settings, sessions: sessionmaker, receiver: Receiver
) -> None:
    with FakeTwilio(SID, TOKEN, auto_status=("sent", "delivered")) as auto:
        sender = TwilioTransport(settings.copy(update={"twilio_api_base": auto.base_url}), sessions)
        sid = sender.send_sms(RAVI, "Hello", status_callback=f"{receiver.url}/s")
        for _ in range(200):
            if len(auto.find(sid).statuses) == 2:
                break
            threading.Event().wait(0.01)
    assert [params["MessageStatus"] for _, _, params in receiver.posts] == ["sent", "delivered"]


# ---- choosing the transport ------------------------------------------------------------


def test_loopback_without_an_api_base_starts_its_own_fake(
    settings: Settings, sessions: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport_module, "_embedded", {})
    built = build_transport(settings.copy(update={"twilio_api_base": ""}), sessions)
    assert isinstance(built, TwilioTransport)
    embedded = transport_module.embedded_fake(settings)
    try:
        assert built.api_base == embedded.base_url
        sid = built.send_sms(RAVI, "Hello")
        assert [m.sid for m in embedded.messages] == [sid]
    finally:
        embedded.stop()


def test_the_twilio_transport_talks_to_twilio_and_needs_credentials(
    settings: Settings, sessions: sessionmaker
) -> None:
    real = settings.copy(update={"twilio_transport": "twilio"})
    assert build_transport(real, sessions).api_base == "https://api.twilio.com"
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        TwilioTransport(real.copy(update={"twilio_account_sid": ""}), sessions)
    with pytest.raises(ValueError, match="'twilio' or 'loopback'"):
        TwilioTransport(settings.copy(update={"twilio_transport": "carrier-pigeon"}), sessions)
