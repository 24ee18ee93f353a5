"""The gateway's turn logic: the PIN stays in the gateway, everything else reaches Rasa.

``TurnHandler`` runs with the real conversation store, identity service and ledger on a seeded
SQLite bank; only Rasa is faked (``tests.fakes.FakeRasa``), recording every text it receives.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, List
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_time
from sqlalchemy import select

from assistant.banking import LedgerBankingService
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.identity import IdentityService
from assistant.models import Conversation, Customer
from assistant.settings import Settings
from assistant.texts import text as say
from tests.fakes import (
    ASK_PIN_TEXT,
    BALANCE_TEXT,
    FakeRasa,
)

UNKNOWN_PHONE = "+15559990000"
MARGARET_PIN = "2468"
WRONG_PIN = "1111"
PIN_WORDS = "two four six eight"
THANKS = say("pin_thanks")


@dataclass
class Gateway:
    turns: TurnHandler
    rasa: FakeRasa
    conversations: ConversationStore
    identity: IdentityService
    sessions: Any
    margaret: int

    def start(self, phone: str = MARGARET_PHONE, channel: str = "chat") -> str:
        return self.turns.start(channel, phone)

    def say(self, conversation_id: str, words: str, message_id: str | None = None) -> Turn:
        return self.turns.handle(conversation_id, words, message_id)

    def verified(self, conversation_id: str) -> int | None:
        return self.conversations.verified_customer_id(conversation_id)

    def failed_pins(self, customer_id: int) -> int:
        with self.sessions() as session:
            return session.execute(
                select(Customer.pin_failed_count).where(Customer.id == customer_id)
            ).scalar_one()

    def lock_message(self, channel: str = "chat") -> str:
        until = self.identity.locked_until(self.margaret)
        assert until is not None
        return say(
            "pin_locked",
            channel,
            until=format_time(until, "h:mm a", tzinfo=ZoneInfo("America/New_York"), locale="en_US"),
        )


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    sessions = session_factory(settings.bank_database_url)
    conversations = ConversationStore(sessions)
    identity = IdentityService(
        sessions, max_attempts=settings.pin_max_attempts, lock_minutes=settings.pin_lock_minutes
    )
    banking = LedgerBankingService(sessions)
    rasa = FakeRasa(conversations)
    turns = TurnHandler(settings, rasa, conversations, identity, banking)
    margaret = banking.find_customer_by_phone(MARGARET_PHONE).id
    return Gateway(turns, rasa, conversations, identity, sessions, margaret)


def texts(turn: Turn) -> List[str]:
    return [message["text"] for message in turn.messages]


def pin_reached_rasa(rasa: FakeRasa, pin: str = MARGARET_PIN) -> bool:
    return any(pin in text or PIN_WORDS in text for text in rasa.texts)


# ---- the PIN prompt -------------------------------------------------------------------------


def test_after_a_pin_request_the_next_message_is_checked_and_never_sent_to_rasa(
    gateway: Gateway,
) -> None:
    conversation = gateway.start()
    asked = gateway.say(conversation, "what is my balance")
    assert texts(asked) == [ASK_PIN_TEXT]
    assert asked.awaiting_pin is True
    assert gateway.conversations.get(conversation).awaiting_pin is True

    gateway.say(conversation, MARGARET_PIN)
    assert not pin_reached_rasa(gateway.rasa)
    assert gateway.rasa.texts == ["what is my balance", "what is my balance"]


def test_the_right_pin_verifies_and_replays_the_original_request(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    answered = gateway.say(conversation, MARGARET_PIN)
    assert texts(answered) == [THANKS, BALANCE_TEXT]
    assert answered.awaiting_pin is False
    assert gateway.verified(conversation) == gateway.margaret
    assert gateway.conversations.get(conversation).awaiting_pin is False
    assert gateway.rasa.texts[-1] == "what is my balance"


def test_a_wrong_pin_says_how_many_tries_are_left_and_keeps_waiting(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    wrong = gateway.say(conversation, WRONG_PIN)
    assert texts(wrong) == [say("pin_wrong", attempts_left=4)]
    assert "4 tries left" in texts(wrong)[0]
    assert wrong.awaiting_pin is True
    assert gateway.conversations.get(conversation).awaiting_pin is True
    assert gateway.verified(conversation) is None
    assert gateway.rasa.texts == ["what is my balance"]

    again = gateway.say(conversation, "2222")
    assert texts(again) == [say("pin_wrong", attempts_left=3)]

    right = gateway.say(conversation, MARGARET_PIN)
    assert texts(right) == [THANKS, BALANCE_TEXT]
    assert gateway.failed_pins(gateway.margaret) == 0


def test_wording_follows_the_channel(gateway: Gateway) -> None:
    conversation = gateway.start(channel="sms")
    gateway.say(conversation, "what is my balance")
    wrong = gateway.say(conversation, WRONG_PIN)
    assert texts(wrong) == [say("pin_wrong", "sms", attempts_left=4)]
    assert gateway.rasa.calls[0].channel == "sms"


def _lock_margaret(gateway: Gateway, conversation: str) -> Turn:
    gateway.say(conversation, "what is my balance")
    for _ in range(4):
        assert gateway.say(conversation, WRONG_PIN).awaiting_pin is True
    return gateway.say(conversation, WRONG_PIN)


def test_five_wrong_pins_lock_with_a_kind_message(gateway: Gateway) -> None:
    conversation = gateway.start()
    locked = _lock_margaret(gateway, conversation)
    assert gateway.identity.locked_until(gateway.margaret) is not None
    assert texts(locked) == [gateway.lock_message()]
    assert locked.awaiting_pin is False
    assert gateway.conversations.get(conversation).awaiting_pin is False
    assert gateway.rasa.texts == ["what is my balance"]


def test_the_right_pin_is_refused_while_locked(gateway: Gateway) -> None:
    conversation = gateway.start()
    _lock_margaret(gateway, conversation)
    refused = gateway.say(conversation, MARGARET_PIN)
    assert gateway.verified(conversation) is None
    assert texts(refused) == [gateway.lock_message()]
    assert not pin_reached_rasa(gateway.rasa)


def test_the_lock_is_shared_with_a_conversation_on_another_channel(gateway: Gateway) -> None:
    _lock_margaret(gateway, gateway.start())
    by_sms = gateway.start(channel="sms")
    asked = gateway.say(by_sms, "what is my balance")
    assert texts(asked) == [gateway.lock_message("sms")]
    assert asked.awaiting_pin is False
    assert gateway.conversations.get(by_sms).awaiting_pin is False

    gateway.say(by_sms, MARGARET_PIN)
    assert gateway.verified(by_sms) is None


def test_spoken_digits_work_as_a_pin(gateway: Gateway) -> None:
    conversation = gateway.start(channel="voice")
    gateway.say(conversation, "what is my balance")
    answered = gateway.say(conversation, PIN_WORDS)
    assert texts(answered) == [THANKS, BALANCE_TEXT]
    assert gateway.verified(conversation) == gateway.margaret
    assert not pin_reached_rasa(gateway.rasa)


def test_words_while_waiting_for_the_pin_go_to_the_assistant_and_stop_the_waiting(
    gateway: Gateway,
) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    answered = gateway.say(conversation, "cancel")
    assert gateway.rasa.texts == ["what is my balance", "cancel"]
    assert texts(answered) == ["You said: cancel"]
    assert answered.awaiting_pin is False
    assert gateway.conversations.get(conversation).awaiting_pin is False
    assert gateway.failed_pins(gateway.margaret) == 0


def test_a_pin_inside_a_sentence_answering_the_pin_prompt_is_not_sent_to_rasa(
    gateway: Gateway,
) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, f"my pin is {MARGARET_PIN}")
    assert not pin_reached_rasa(gateway.rasa)


def test_a_pin_in_a_request_before_verification_is_neither_stored_nor_replayed(
    gateway: Gateway, settings: Settings
) -> None:
    conversation = gateway.start()
    gateway.say(conversation, f"my pin is {MARGARET_PIN} what is my balance")
    with session_factory(settings.bank_database_url)() as session:
        pending = session.get(Conversation, conversation).pending_text
    assert pending is not None and MARGARET_PIN not in pending
    gateway.say(conversation, MARGARET_PIN)
    assert gateway.verified(conversation) is not None
    assert gateway.rasa.texts[-1] == "my pin is **** what is my balance"
    assert not pin_reached_rasa(gateway.rasa)


def test_an_assistant_that_says_nothing_gets_the_kind_unavailable_answer(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = gateway.start()
    monkeypatch.setattr(gateway.rasa, "send", lambda *args, **kwargs: [])
    assert texts(gateway.say(conversation, "hello")) == [say("unavailable", "chat")]


# ---- what reaches Rasa ----------------------------------------------------------------------


def test_intent_injection_reaches_rasa_without_the_slash(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "/affirm")
    gateway.say(conversation, '  /inform{"amount": 5}')
    assert gateway.rasa.texts == ["affirm", 'inform{"amount": 5}']


@pytest.mark.parametrize("words", ["", "   ", "/", " / "])
def test_an_empty_message_gets_a_kind_answer_and_rasa_hears_nothing(
    gateway: Gateway, words: str
) -> None:
    answered = gateway.say(gateway.start(), words)
    assert texts(answered) == [say("empty_message")]
    assert gateway.rasa.calls == []


def test_a_very_long_message_gets_a_kind_answer_and_rasa_hears_nothing(gateway: Gateway) -> None:
    answered = gateway.say(gateway.start(channel="sms"), "a" * 5000)
    assert texts(answered) == [say("too_long", "sms")]
    assert gateway.rasa.calls == []


def test_a_retried_client_message_gets_the_first_answer_and_rasa_hears_it_once(
    gateway: Gateway,
) -> None:
    conversation = gateway.start()
    first = gateway.say(conversation, "hello", message_id="msg-1")
    retried = gateway.say(conversation, "hello", message_id="msg-1")
    assert retried == first
    assert texts(first) == ["You said: hello"]
    assert gateway.rasa.texts == ["hello"]

    gateway.say(conversation, "hello", message_id="msg-2")
    assert gateway.rasa.texts == ["hello", "hello"]


def test_a_retried_pin_message_is_not_a_second_attempt(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance", message_id="m1")
    first = gateway.say(conversation, WRONG_PIN, message_id="m2")
    retried = gateway.say(conversation, WRONG_PIN, message_id="m2")
    assert retried == first
    assert gateway.failed_pins(gateway.margaret) == 1


def _verified_conversation(gateway: Gateway) -> str:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, MARGARET_PIN)
    assert gateway.verified(conversation) == gateway.margaret
    return conversation


@pytest.mark.parametrize("words", [f"my pin is {MARGARET_PIN}", MARGARET_PIN, PIN_WORDS])
def test_an_unprompted_pin_in_a_verified_conversation_never_reaches_rasa(
    gateway: Gateway, words: str
) -> None:
    conversation = _verified_conversation(gateway)
    sent_before = list(gateway.rasa.texts)
    answered = gateway.say(conversation, words)
    assert texts(answered) == [say("pin_unprompted")]
    assert gateway.rasa.texts == sent_before
    assert not pin_reached_rasa(gateway.rasa)


def test_other_numbers_in_a_verified_conversation_reach_rasa(gateway: Gateway) -> None:
    conversation = _verified_conversation(gateway)
    gateway.say(conversation, "send 1357 to Tom")
    assert gateway.rasa.texts[-1] == "send 1357 to Tom"


def test_a_bare_pin_before_any_prompt_counts_as_an_attempt(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, WRONG_PIN)
    assert gateway.failed_pins(gateway.margaret) == 1
    assert gateway.verified(conversation) is None

    answered = gateway.say(conversation, MARGARET_PIN)
    assert texts(answered) == [THANKS]
    assert gateway.verified(conversation) == gateway.margaret
    assert gateway.failed_pins(gateway.margaret) == 0
    assert not pin_reached_rasa(gateway.rasa)


def test_a_wrong_bare_pin_is_answered_by_the_gateway_not_sent_to_rasa(gateway: Gateway) -> None:
    conversation = gateway.start()
    answered = gateway.say(conversation, "2469")  # a slip of one digit
    assert texts(answered) == [say("pin_wrong", attempts_left=4)]
    assert not pin_reached_rasa(gateway.rasa, "2469")


IN_ENGLISH = {"language": "en", "locale": "en_US"}


def test_payee_names_go_to_rasa_in_metadata(gateway: Gateway) -> None:
    gateway.say(gateway.start(), "send money to my daughter")
    assert gateway.rasa.calls[0].metadata == {
        **IN_ENGLISH,
        "payees": [
            {"name": "City Power", "aliases": ["electric bill"]},
            {"name": "Linda", "aliases": ["daughter"]},
            {"name": "Riverside Water", "aliases": ["water bill"]},
            {"name": "Tom", "aliases": ["grandson"]},
        ],
    }
    gateway.say(gateway.start(RAVI_PHONE, channel="sms"), "pay the feed bill")
    assert gateway.rasa.calls[1].metadata == {
        **IN_ENGLISH,
        "payees": [{"name": "Green Valley Feed", "aliases": ["feed supplier"]}],
    }
    gateway.say(gateway.start(UNKNOWN_PHONE), "hello")
    assert gateway.rasa.calls[2].metadata == IN_ENGLISH  # the bank's, for a number we don't know


def test_rasa_being_unavailable_gives_a_kind_answer(gateway: Gateway) -> None:
    gateway.rasa.unavailable = True
    conversation = gateway.start()
    answered = gateway.say(conversation, "what is my balance")
    assert texts(answered) == [say("unavailable")]
    assert answered.awaiting_pin is False
    assert gateway.conversations.get(conversation).awaiting_pin is False


def test_an_unknown_conversation_is_a_key_error(gateway: Gateway) -> None:
    with pytest.raises(KeyError):
        gateway.say("no-such-conversation", "hello")


def test_no_pin_digits_reach_the_logs(gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, WRONG_PIN)
    gateway.say(conversation, PIN_WORDS)
    gateway.say(conversation, f"my pin is {MARGARET_PIN}")
    gateway.say(conversation, MARGARET_PIN)

    by_sms = gateway.start(channel="sms")
    gateway.say(by_sms, "what is my balance")
    gateway.say(by_sms, MARGARET_PIN)

    locked = gateway.start(RAVI_PHONE, channel="voice")
    gateway.say(locked, "what is my balance")
    for _ in range(5):
        gateway.say(locked, WRONG_PIN)
    gateway.say(locked, "1357")

    gateway.rasa.unavailable = True
    gateway.say(conversation, "what is my balance")

    assert "PIN verified" in caplog.text and "PIN locked" in caplog.text
    assert "assistant unavailable" in caplog.text
    for secret in (MARGARET_PIN, WRONG_PIN, "1357", PIN_WORDS):
        assert secret not in caplog.text


# ---- the HTTP surface (the JSON API itself: tests/test_text_api.py) ----------------------


def _http(settings: Settings, calls: List[tuple]) -> List[httpx.Response]:
    """Run ``calls`` (method, path, json) against ``create_app`` with the fake Rasa in place."""
    app = create_app(settings)
    app.state.turns.rasa = FakeRasa(app.state.turns.conversations)

    async def go() -> List[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return [await client.request(method, path, json=body) for method, path, body in calls]

    try:
        return asyncio.run(go())
    finally:
        app.state.rasa.close()


def test_healthz(settings: Settings) -> None:
    (reply,) = _http(settings, [("GET", "/healthz", None)])
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


# ---- a PIN check per message at most --------------------------------------------------------

NUMBERS = " ".join(f"{1000 + i}" for i in range(199))  # 199 PIN-long numbers, ~1,000 chars


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    import assistant.identity as identity_module

    checked: List[str] = []
    real = identity_module.check_pin

    def counting(pin_hash: Any, pin: str) -> bool:
        checked.append(pin)
        return real(pin_hash, pin)

    monkeypatch.setattr(identity_module, "check_pin", counting)
    return checked


@pytest.mark.parametrize("state", ["awaiting the PIN", "not asked", "verified"])
def test_a_message_full_of_numbers_costs_at_most_one_pin_check(
    gateway: Gateway, argon2_checks: List[str], state: str
) -> None:
    conversation = gateway.start()
    if state == "awaiting the PIN":
        gateway.say(conversation, "what is my balance")
    if state == "verified":
        gateway.say(conversation, "what is my balance")
        gateway.say(conversation, MARGARET_PIN)
    argon2_checks.clear()
    turn = gateway.say(conversation, NUMBERS)
    assert len(argon2_checks) <= 1
    assert turn.messages
    if state != "verified":  # none of them is the PIN: after verification they may pass
        assert not any("1000 1001" in text for text in gateway.rasa.texts)


@pytest.mark.parametrize(
    "spelling",
    ["2 4 6 8", "two four six eight", "24 68", "twenty four sixty eight", "to for six ate"],
)
def test_after_verification_the_pin_in_any_spelling_is_not_passed_on(
    gateway: Gateway, argon2_checks: List[str], spelling: str
) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, MARGARET_PIN)
    argon2_checks.clear()
    before = len(gateway.rasa.texts)
    turn = gateway.say(conversation, f"pay {spelling} to tom")
    assert texts(turn) == [say("pin_unprompted", "chat")]
    assert len(gateway.rasa.texts) == before
    assert "****" in turn.said and spelling not in turn.said
    assert argon2_checks == []  # compared with the conversation's keyed hash, not argon2


def test_after_verification_amounts_and_card_endings_still_pass(gateway: Gateway) -> None:
    conversation = gateway.start()
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, MARGARET_PIN)
    for said in ("send 1357 dollars to tom", "freeze card ending 4321", "call 5550100001"):
        gateway.say(conversation, said)
        assert gateway.rasa.texts[-1] == said


@pytest.mark.parametrize(
    "spelling", ["2 4 6 8", "two four six eight", "24 68", "twenty four sixty eight"]
)
def test_before_verification_every_pin_shaped_spelling_is_masked(
    gateway: Gateway, spelling: str
) -> None:
    conversation = gateway.start()
    turn = gateway.say(conversation, f"my pin is {spelling} what is my balance")
    assert gateway.rasa.texts[-1] == "my pin is **** what is my balance"
    assert spelling not in turn.said
    gateway.say(conversation, MARGARET_PIN)
    assert gateway.rasa.texts[-1] == "my pin is **** what is my balance"
