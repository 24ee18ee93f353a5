"""The gateway's record of read-backs: what was read, which message answered it, what happened.

``TurnHandler`` runs on a seeded SQLite bank with a scripted Rasa: "send" gets a read-back
(with the payload the real action sends); "yes" does what ``action_submit_payment`` does,
using up the gateway's confirmation before moving money with the payment's idempotency key.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from assistant.banking import LedgerBankingService
from assistant.conversation.rasa_client import RasaUnavailable
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.demo import MARGARET_PHONE
from assistant.identity import IdentityService
from assistant.money import Money
from assistant.readbacks import CLOSED, PAYMENT, ReadbackStore, payment_key
from assistant.settings import Settings
from assistant.texts import text as say

DETAILS = {
    "kind": "transfer",
    "recipient": "Tom",
    "from_account": "checking",
    "amount_minor": 500,
    "currency": "USD",
    "reference": "ref-1",
}
READ_BACK = "Send $5.00 to Tom from checking. Shall I do that? Say yes or no."


class ScriptedRasa:
    """Answers like the assistant at a read-back; ``down`` makes it fail like an outage."""

    def __init__(self, bank: LedgerBankingService, readbacks: ReadbackStore) -> None:
        self.bank = bank
        self.readbacks = readbacks
        self.down = False
        self.die_after_paying = False
        self.confirmed_seen: List[bool] = []
        self.texts: List[str] = []

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        self.texts.append(text)
        if self.down:
            raise RasaUnavailable("connection refused")
        if text.startswith("send"):
            payload = {"readback": {"kind": PAYMENT, "details": dict(DETAILS)}}
            return [{"text": READ_BACK, "custom": payload}]
        if text.lower().startswith(("yes", "ok")):
            confirmed = self.readbacks.is_confirmed(sender_id, PAYMENT, DETAILS)
            self.confirmed_seen.append(confirmed)
            used = self.readbacks.use(sender_id, PAYMENT, DETAILS) if confirmed else None
            if used is None:
                return [{"text": "Let me check that with you once more."}]
            customer = self.bank.find_customer_by_phone(MARGARET_PHONE).id
            tom = self.bank.resolve_payee(customer, "Tom")[0]
            key = payment_key(sender_id, DETAILS["reference"])
            receipt = self.bank.pay_payee(customer, "checking", tom.id, Money(500, "USD"), key)
            if self.die_after_paying:
                raise RasaUnavailable("the action server died after paying")
            self.readbacks.record_outcome(
                used.id, {"status": "sent", "reference": receipt.reference}
            )
            return [{"text": f"Done. Ref {receipt.reference}"}]
        return [{"text": f"You said: {text}"}]


class Gateway:
    def __init__(self, settings: Settings) -> None:
        sessions = session_factory(settings.bank_database_url)
        self.conversations = ConversationStore(sessions)
        self.bank = LedgerBankingService(sessions)
        self.readbacks = ReadbackStore(sessions)
        self.rasa = ScriptedRasa(self.bank, self.readbacks)
        self.turns = TurnHandler(
            settings, self.rasa, self.conversations, IdentityService(sessions), self.bank
        )
        self.margaret = self.bank.find_customer_by_phone(MARGARET_PHONE).id

    def verified_conversation(self, channel: str = "chat") -> str:
        conversation = self.turns.start(channel, MARGARET_PHONE)
        self.conversations.mark_verified(conversation, self.margaret, 30, pin="2468")
        return conversation

    def say(self, conversation: str, words: str, message_id: Optional[str] = None) -> Turn:
        return self.turns.handle(conversation, words, message_id)

    def balance(self) -> int:
        return self.bank.get_account(self.margaret, "checking").balance.minor


@pytest.fixture
def gateway(settings: Settings) -> Gateway:
    return Gateway(settings)


def texts(turn: Turn) -> List[str]:
    return [m["text"] for m in turn.messages]


def test_a_plain_yes_to_the_read_back_just_delivered_confirms_it(gateway: Gateway) -> None:
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    turn = gateway.say(conversation, "yes please")
    assert gateway.rasa.confirmed_seen == [True]
    assert texts(turn)[0].startswith("Done.")
    assert gateway.balance() == 125000 - 500


@pytest.mark.parametrize("answer", ["yes 300 dollars", "YES 250", "ok 40", "yes but to linda"])
def test_a_yes_with_more_words_confirms_nothing(gateway: Gateway, answer: str) -> None:
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    gateway.say(conversation, answer)
    assert gateway.rasa.confirmed_seen == [False]
    assert gateway.balance() == 125000


def test_a_yes_counts_only_for_the_next_message(gateway: Gateway) -> None:
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    gateway.say(conversation, "what is my balance")
    gateway.say(conversation, "yes")
    assert gateway.rasa.confirmed_seen == [False]
    assert gateway.balance() == 125000


def test_a_read_back_expires(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    gateway.readbacks.lifetime = -gateway.readbacks.lifetime  # delivered long ago, in effect
    with gateway.readbacks._sessions() as session, session.begin():
        from sqlalchemy import update

        from assistant.models import Readback, utcnow

        session.execute(update(Readback).values(expires_at=utcnow()))
    gateway.say(conversation, "yes")
    assert gateway.rasa.confirmed_seen == [False]
    assert gateway.balance() == 125000


def test_a_yes_that_met_an_outage_leaves_nothing_armed(gateway: Gateway) -> None:
    """After the restart, the next message never sends the old payment."""
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    gateway.rasa.down = True
    failed = gateway.say(conversation, "yes")
    assert texts(failed) == [say("unavailable_not_done", "chat")]
    gateway.rasa.down = False
    gateway.say(conversation, "yes")
    assert gateway.rasa.confirmed_seen == [False]
    assert gateway.balance() == 125000
    states = {r.state for r in gateway.readbacks.untold(gateway.margaret)}
    assert states <= {CLOSED}


def test_a_payment_made_before_the_outage_is_reported_not_denied(gateway: Gateway) -> None:
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom")
    gateway.rasa.die_after_paying = True
    turn = gateway.say(conversation, "yes", "m-yes")
    reference = gateway.bank.recent_transactions(gateway.margaret, limit=1)[0].reference
    assert texts(turn) == [
        say("outcome_payment_sent", "chat", amount="$5.00", recipient="Tom", reference=reference)
    ]
    assert gateway.balance() == 125000 - 500


def test_a_retried_yes_after_a_gateway_crash_answers_with_the_receipt(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the payment committed, before the answer was saved or sent."""
    conversation = gateway.verified_conversation()
    gateway.say(conversation, "send 5 dollars to tom", "m-send")

    def crash(*args: Any, **kwargs: Any) -> Dict[str, Any]:
        raise ConnectionResetError("gateway killed")

    with monkeypatch.context() as patch:
        patch.setattr(gateway.conversations, "save_reply", crash)
        with pytest.raises(ConnectionResetError):
            gateway.say(conversation, "yes", "m-yes")
    retried = gateway.say(conversation, "yes", "m-yes")
    reference = gateway.bank.recent_transactions(gateway.margaret, limit=1)[0].reference
    assert texts(retried) == [
        say("outcome_payment_sent", "chat", amount="$5.00", recipient="Tom", reference=reference)
    ]
    assert gateway.rasa.texts.count("yes") == 1  # the retry did not reach the assistant
    assert gateway.balance() == 125000 - 500


def test_a_call_that_dropped_after_yes_is_told_at_the_next_contact(gateway: Gateway) -> None:
    call = gateway.verified_conversation("voice")
    gateway.say(call, "send 5 dollars to tom", "voice:CA1:1")
    gateway.say(call, "yes", "voice:CA1:2")  # the caller hung up during the answer

    chat = gateway.verified_conversation("chat")
    first = gateway.say(chat, "hello")
    reference = gateway.bank.recent_transactions(gateway.margaret, limit=1)[0].reference
    sent = say("outcome_payment_sent", "chat", amount="$5.00", recipient="Tom", reference=reference)
    assert texts(first)[0] == say("outcome_intro", "chat", outcome=sent)
    assert sent not in " ".join(texts(gateway.say(chat, "hello again")))


def test_a_caller_who_heard_the_receipt_is_not_told_again(gateway: Gateway) -> None:
    call = gateway.verified_conversation("voice")
    gateway.say(call, "send 5 dollars to tom", "voice:CA1:1")
    gateway.say(call, "yes", "voice:CA1:2")
    gateway.say(call, "thank you", "voice:CA1:3")  # still on the line: heard it

    chat = gateway.verified_conversation("chat")
    assert not any("About your last" in t for t in texts(gateway.say(chat, "hello")))
