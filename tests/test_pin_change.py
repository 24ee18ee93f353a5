"""Changing the PIN: the new PIN, typed twice, stays in the gateway; the customer is told.

``TurnHandler`` on a seeded SQLite bank; Rasa is scripted: "change my pin" gets the
assistant's ``utter_ask_new_pin`` (with its ``pin_change`` marker) once verified.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest
from sqlalchemy import select

from assistant.banking import LedgerBankingService
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.demo import MARGARET_PHONE
from assistant.identity import IdentityService
from assistant.models import AuditEvent, Conversation
from assistant.settings import Settings
from assistant.texts import text as say
from tests.fakes import FakeRasa, SentMessage

OLD, NEW = "2468", "5820"
ASK_NEW = "Let's choose a new PIN."


class ChangingRasa(FakeRasa):
    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        verified = self.conversations.verified_customer_id(sender_id) is not None
        if "change my pin" in text and verified:
            self.calls.append(SentMessage(channel, sender_id, text, {}))
            return [{"text": ASK_NEW, "custom": {"pin_change": True}}]
        return super().send(channel, sender_id, text, metadata)


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.sessions = session_factory(settings.bank_database_url)
        self.conversations = ConversationStore(self.sessions)
        self.identity = IdentityService(self.sessions, settings=settings)
        self.bank = LedgerBankingService(self.sessions)
        self.rasa = ChangingRasa(self.conversations)
        self.texts_sent: List[Tuple[int, str, str]] = []
        self.turns = TurnHandler(
            settings,
            self.rasa,
            self.conversations,
            self.identity,
            self.bank,
            security_texts=lambda *sent: self.texts_sent.append(sent),
        )
        self.margaret = self.bank.find_customer_by_phone(MARGARET_PHONE).id

    def verified(self, channel: str = "chat") -> str:
        conversation = self.turns.start(channel, MARGARET_PHONE)
        self.turns.handle(conversation, "what is my balance")
        self.turns.handle(conversation, OLD)
        return conversation

    def say(self, conversation: str, words: str) -> Turn:
        return self.turns.handle(conversation, words)

    def pin_is(self, pin: str) -> bool:
        return self.identity.verify_pin(self.margaret, pin, "chat").ok


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return Gateway(settings)


def texts(turn: Turn) -> List[str]:
    return [m["text"] for m in turn.messages]


def test_the_new_pin_typed_twice_changes_it_and_never_reaches_the_assistant(
    gateway: Gateway,
) -> None:
    conversation = gateway.verified()
    asked = gateway.say(conversation, "change my pin")
    assert texts(asked) == [ASK_NEW] and asked.awaiting_pin
    again = gateway.say(conversation, NEW)
    assert texts(again) == [say("pin_change_again")] and again.awaiting_pin
    done = gateway.say(conversation, NEW)
    assert texts(done) == [say("pin_change_done")] and not done.awaiting_pin
    assert not any(NEW in text for text in gateway.rasa.texts)
    assert gateway.pin_is(NEW) and not gateway.pin_is(OLD)
    assert gateway.texts_sent == [(gateway.margaret, MARGARET_PHONE, "sms_pin_changed_alert")]
    with gateway.sessions() as session:
        row = session.get(Conversation, conversation)
        assert NEW not in repr(row.__dict__)
        actions = session.execute(select(AuditEvent.action)).scalars().all()
        assert "pin_changed" in actions


def test_two_different_entries_change_nothing(gateway: Gateway) -> None:
    conversation = gateway.verified()
    gateway.say(conversation, "change my pin")
    gateway.say(conversation, NEW)
    assert texts(gateway.say(conversation, "5821")) == [say("pin_change_mismatch")]
    assert gateway.pin_is(OLD)
    assert gateway.texts_sent == []


@pytest.mark.parametrize("weak", ["1111", "1234", "9876", OLD])
def test_a_pin_anyone_would_guess_or_the_old_one_is_refused(gateway: Gateway, weak: str) -> None:
    conversation = gateway.verified()
    gateway.say(conversation, "change my pin")
    refused = gateway.say(conversation, weak)
    assert texts(refused) == [say("pin_change_weak")] and refused.awaiting_pin


@pytest.mark.parametrize("answer", ["cancel", "never mind"])
def test_cancel_while_typing_the_new_pin_keeps_the_old(gateway: Gateway, answer: str) -> None:
    conversation = gateway.verified()
    gateway.say(conversation, "change my pin")
    assert texts(gateway.say(conversation, answer)) == [say("pin_change_cancelled")]
    assert gateway.pin_is(OLD)
    assert texts(gateway.say(conversation, "hello")) == ["You said: hello"]


def test_a_new_pin_in_words_is_taken_like_digits(gateway: Gateway) -> None:
    conversation = gateway.verified()
    gateway.say(conversation, "change my pin")
    gateway.say(conversation, "five eight two oh")
    gateway.say(conversation, "5 8 2 0")
    assert gateway.pin_is(NEW)


def test_without_the_current_pin_the_pin_cannot_be_changed(gateway: Gateway) -> None:
    conversation = gateway.turns.start("chat", MARGARET_PHONE)
    asked = gateway.say(conversation, "change my pin")
    assert gateway.conversations.get(conversation).pin_change_step is None
    assert "pin_change" not in str(asked.as_dict())
    gateway.say(conversation, NEW)
    assert gateway.pin_is(OLD)
