"""Nothing is told before the PIN, and PIN attempts are throttled (issue 7, items 6 and 10).

Through the gateway's turn handler on a copy of the seeded demo bank, with the fake Rasa (it
asks for the PIN for a balance, as ``utter_ask_pin`` does): a number we do not know hears
exactly what a customer with wrong PINs hears; a source that tries too often is answered
without any PIN check; the first lockout is texted to the customer's own number through the
real outbound transport and the loopback fake of Twilio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, List

import pytest
from sqlalchemy import select, update

from assistant import identity as identity_module
from assistant.banking import LedgerBankingService
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.identity import IdentityService
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import SmsMessage
from assistant.models import AuditEvent, Customer, utcnow
from assistant.settings import Settings
from assistant.texts import plural
from assistant.texts import text as say
from tests.fakes import ASK_PIN_TEXT, FakeRasa, copy_of_bank

UNKNOWN_PHONE = "+15559990000"
WRONG_PIN = "1111"
RAVI_PIN = "1357"
SID = "AC" + "7" * 32
TOKEN = "test-auth-token"


@dataclass
class Gateway:
    turns: TurnHandler
    rasa: FakeRasa
    sessions: Any

    def start(self, phone: str, channel: str = "chat") -> str:
        return self.turns.start(channel, phone)

    def say(self, conversation_id: str, words: str) -> Turn:
        return self.turns.handle(conversation_id, words)


def make_gateway(settings: Settings) -> Gateway:
    sessions = session_factory(settings.bank_database_url)
    conversations = ConversationStore(sessions)
    rasa = FakeRasa(conversations)
    turns = TurnHandler(
        settings,
        rasa,
        conversations,
        IdentityService(sessions, settings=settings),
        LedgerBankingService(sessions),
    )
    return Gateway(turns, rasa, sessions)


@pytest.fixture
def bank_copy(demo_template: Path, tmp_path: Path) -> Iterator[str]:
    url = copy_of_bank(demo_template, tmp_path)
    yield url
    dispose(url)


@pytest.fixture
def settings(bank_copy: str, tmp_path: Path) -> Settings:
    return Settings(database_url=bank_copy, home=tmp_path / "home", rasa_token="test-token")


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return make_gateway(settings)


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    checks: List[int] = []
    real = identity_module.check_pin
    monkeypatch.setattr(identity_module, "check_pin", lambda h, p: checks.append(1) or real(h, p))
    return checks


def texts(turn: Turn) -> List[str]:
    return [message["text"] for message in turn.messages]


def heard(turn: Turn) -> tuple:
    """What the person sees or hears of a turn (times of day made comparable)."""
    words = tuple(re.sub(r"\d{1,2}:\d\d [AP]M", "(time)", text) for text in texts(turn))
    return words, turn.awaiting_pin


def _expire_locks(gateway: Gateway) -> None:
    with gateway.sessions() as session, session.begin():
        session.execute(update(Customer).values(pin_locked_until=utcnow() - timedelta(seconds=1)))


# ---- a number we do not know ----------------------------------------------------------------


def _pin_session(gateway: Gateway, phone: str, channel: str) -> List[tuple]:
    conversation = gateway.start(phone, channel)
    turns = [gateway.say(conversation, "what is my balance")]
    turns += [gateway.say(conversation, WRONG_PIN) for _ in range(5)]
    turns.append(gateway.say(conversation, "what is my balance"))  # asked again, while locked
    turns.append(gateway.say(conversation, RAVI_PIN))  # Ravi's right PIN, while locked
    later = gateway.start(phone, channel)  # a new conversation from the same number
    turns.append(gateway.say(later, "what is my balance"))
    return [heard(turn) for turn in turns]


@pytest.mark.parametrize("channel", ["chat", "sms"])
def test_an_unknown_number_gets_the_same_answers_as_a_customer_with_wrong_pins(
    gateway: Gateway, argon2_checks: List[int], channel: str
) -> None:
    known = _pin_session(gateway, RAVI_PHONE, channel)
    known_checks = len(argon2_checks)
    argon2_checks.clear()
    unknown = _pin_session(gateway, UNKNOWN_PHONE, channel)
    assert unknown == known
    assert len(argon2_checks) == known_checks == 5  # the same argon2 work

    assert known[0] == ((ASK_PIN_TEXT,), True)
    assert known[1] == ((say("pin_wrong", channel, attempts_left=4),), True)
    locked = ((say("pin_locked", channel, until="(time)"),), False)
    assert known[5:] == [locked] * 4


def test_a_bare_pin_from_an_unknown_number_is_an_attempt_like_a_customers(
    gateway: Gateway,
) -> None:
    answers = []
    for phone in (RAVI_PHONE, UNKNOWN_PHONE):
        conversation = gateway.start(phone, "sms")
        answers.append(heard(gateway.say(conversation, "2469")))
    assert answers[0] == answers[1] == ((say("pin_wrong", "sms", attempts_left=4),), True)
    assert "2469" not in " ".join(gateway.rasa.texts)


def test_the_last_try_is_worded_in_the_singular(gateway: Gateway) -> None:
    conversation = gateway.start(MARGARET_PHONE, "sms")
    gateway.say(conversation, "what is my balance")
    answers = [texts(gateway.say(conversation, WRONG_PIN))[0] for _ in range(4)]
    assert answers[-2] == "Sorry, wrong PIN. 2 tries left. Please reply with your PIN."
    assert answers[-1] == "Sorry, wrong PIN. 1 try left. Please reply with your PIN."
    assert answers[-1] == plural("pin_wrong", 1, "sms", attempts_left=1)


# ---- no PIN prompt when no PIN can be tried -------------------------------------------------


def test_a_held_pin_is_answered_without_a_pin_prompt(gateway: Gateway) -> None:
    for _ in range(3):  # three lockouts (each conversation has its own throttle, too)
        conversation = gateway.start(MARGARET_PHONE)
        gateway.say(conversation, "what is my balance")
        for _ in range(5):
            gateway.say(conversation, WRONG_PIN)
        _expire_locks(gateway)
    asked = gateway.say(gateway.start(MARGARET_PHONE, "sms"), "what is my balance")
    assert texts(asked) == [say("pin_held", "sms")]
    assert asked.awaiting_pin is False
    # The same for a number we do not know, after the same tries.
    for _ in range(3):
        stranger = gateway.start(UNKNOWN_PHONE)
        gateway.say(stranger, "what is my balance")
        for _ in range(5):
            gateway.say(stranger, WRONG_PIN)
        with gateway.sessions() as session, session.begin():
            session.execute(
                update(identity_module.UnknownPinSubject).values(
                    pin_locked_until=utcnow() - timedelta(seconds=1)
                )
            )
    assert texts(gateway.say(gateway.start(UNKNOWN_PHONE, "sms"), "what is my balance")) == [
        say("pin_held", "sms")
    ]


def test_one_from_number_is_throttled_across_conversations(gateway: Gateway) -> None:
    answers = []
    for _ in range(9):  # a new conversation for every try, as a texting script would
        conversation = gateway.start(UNKNOWN_PHONE, "sms")
        answers.append(texts(gateway.say(conversation, WRONG_PIN))[0])
    assert answers[0] == say("pin_wrong", "sms", attempts_left=4)
    assert answers[4].startswith("PIN locked for your safety.")
    assert answers[8] == say("pin_throttled", "sms", minutes=15)
    asked = gateway.say(gateway.start(UNKNOWN_PHONE, "sms"), "what is my balance")
    assert texts(asked) == [say("pin_throttled", "sms", minutes=15)]
    assert asked.awaiting_pin is False
    with gateway.sessions() as session:
        sources = (
            session.execute(
                select(AuditEvent.detail).where(AuditEvent.action == "pin_source_throttled")
            )
            .scalars()
            .all()
        )
    assert [detail["source"] for detail in sources] == [f"from:{UNKNOWN_PHONE}"]


def test_many_pin_checks_a_minute_stop_being_hashed(
    bank_copy: str, tmp_path: Path, argon2_checks: List[int]
) -> None:
    settings = Settings(
        database_url=bank_copy,
        home=tmp_path / "home",
        rasa_token="test-token",
        pin_max_attempts=100,  # no lockout in the way: only the check rate
        pin_source_failures=100,
        pin_source_failures_per_day=100,
    )
    gateway = make_gateway(settings)
    conversation = gateway.start(MARGARET_PHONE)
    gateway.say(conversation, "what is my balance")
    answers = [texts(gateway.say(conversation, WRONG_PIN))[0] for _ in range(13)]
    assert len(argon2_checks) == 10
    assert answers[9] == say("pin_wrong", attempts_left=90)
    assert answers[10:] == [plural("pin_throttled", 1, minutes=1)] * 3
    assert "1 minute and" in answers[10]


# ---- the customer is told at the first lockout ---------------------------------------------


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


def test_the_first_lockout_texts_the_customer_once_on_their_own_number(
    bank_copy: str, tmp_path: Path, fake_twilio: FakeTwilio
) -> None:
    settings = Settings(
        database_url=bank_copy,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_transport="loopback",
        twilio_api_base=fake_twilio.base_url,
        public_base_url="https://bank.example",
    )
    app = create_app(settings)
    try:
        turns = app.state.turns
        turns.rasa = FakeRasa(turns.conversations)
        gateway = Gateway(turns, turns.rasa, session_factory(bank_copy))
        # Someone with Margaret's number, on the JSON API's channel, three times five tries.
        for lockout in range(3):
            conversation = gateway.start(MARGARET_PHONE)
            gateway.say(conversation, "what is my balance")
            for _ in range(5):
                last = gateway.say(conversation, WRONG_PIN)
            app.state.pin_alerts.drain()
            assert len(fake_twilio.messages) == 1, lockout
            _expire_locks(gateway)
        assert texts(last) == [say("pin_held")]

        (sent,) = fake_twilio.messages
        assert sent.to == MARGARET_PHONE
        assert sent.params["Body"] == say("sms_pin_lockout_alert")
        with gateway.sessions() as session:
            (row,) = session.execute(select(SmsMessage)).scalars().all()
        assert (row.phone, row.purpose) == (MARGARET_PHONE, "security")
        # Ravi locked out: his own number, once.
        conversation = gateway.start(RAVI_PHONE, "sms")
        for _ in range(5):
            gateway.say(conversation, WRONG_PIN)
        app.state.pin_alerts.drain()
        assert [m.to for m in fake_twilio.messages] == [MARGARET_PHONE, RAVI_PHONE]
    finally:
        app.state.pin_alerts.close()
        app.state.rasa.close()


def test_a_lockout_text_that_cannot_be_sent_never_fails_the_pin_turn(
    bank_copy: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        database_url=bank_copy,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_transport="loopback",
        twilio_api_base="http://127.0.0.1:9",  # nothing listens there
    )
    app = create_app(settings)
    try:
        turns = app.state.turns
        turns.rasa = FakeRasa(turns.conversations)
        conversation = turns.start("chat", MARGARET_PHONE)
        turns.handle(conversation, "what is my balance")
        for _ in range(5):
            locked = turns.handle(conversation, WRONG_PIN)
        app.state.pin_alerts.drain()
        assert texts(locked)[0].startswith("For your safety your PIN is locked")
        assert "security text sms_pin_lockout_alert for customer" in caplog.text
        assert say("sms_pin_lockout_alert") not in caplog.text and WRONG_PIN not in caplog.text
    finally:
        app.state.pin_alerts.close()
        app.state.rasa.close()
