"""The gateway's own words at a pause: a helper to confirm, a helper to review, how a held
payment ended; and a held payment's outcome after an outage.

``TurnHandler`` runs with the family-helper services and the bank with its hold rules on a
seeded SQLite bank (Margaret, her helper Linda, a co-sign amount of $200); Rasa is scripted,
each of its messages carrying the dialogue state (``dialogue.active_loop``) as the real one does.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import select

from assistant.bank import banking_service
from assistant.banking.holds import COSIGN
from assistant.conversation.rasa_client import RasaUnavailable
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversations import ConversationStore
from assistant.db import session_factory, utcnow
from assistant.demo import MARGARET_PHONE
from assistant.identity import IdentityService
from assistant.messaging.models import OutboxMessage
from assistant.money import Money
from assistant.readbacks import PAYMENT, ReadbackStore, is_plain_no, payment_key
from assistant.settings import Settings
from assistant.texts import text as say
from family.links.models import HelperLink
from family.links.service import FamilyLinks
from tests.family_support import _CODE

SON = "+15550100077"
FORM_QUESTION = "How much would you like to send?"
DETAILS = {
    "kind": "transfer",
    "recipient": "Tom",
    "from_account": "checking",
    "amount_minor": 30000,
    "currency": "USD",
    "reference": "ref-300",
}


class ScriptedRasa:
    """ "send" opens a form and asks; "read back" delivers a read-back; "yes" pays what was read
    back (a $300 payment, which waits for Linda); anything else is echoed, with no form open."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.texts: List[str] = []
        self.die_after_paying = False

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        self.texts.append(text)
        if text == "send":
            return [{"text": FORM_QUESTION, "dialogue": {"active_loop": "payment_form"}}]
        if text == "read back":
            payload = {"readback": {"kind": PAYMENT, "details": dict(DETAILS)}}
            asking = {"active_loop": "payment_form"}
            return [{"text": "Send $300.00 to Tom?", "custom": payload, "dialogue": asking}]
        if text == "pay now":
            return self._pay(sender_id)
        return [{"text": f"You said: {text}", "dialogue": {"active_loop": None}}]

    def _pay(self, sender_id: str) -> List[Dict[str, Any]]:
        gateway = self.gateway
        used = gateway.readbacks.use(sender_id, PAYMENT, DETAILS)
        assert used is not None
        tom = gateway.bank.resolve_payee(gateway.margaret, "Tom")[0]
        key = payment_key(sender_id, DETAILS["reference"])
        gateway.bank.pay_payee(gateway.margaret, "checking", tom.id, Money(30000, "USD"), key)
        raise RasaUnavailable("the action server died after paying")


class Gateway:
    def __init__(self, settings: Settings) -> None:
        sessions = session_factory(settings.bank_database_url)
        self.sessions = sessions
        self.conversations = ConversationStore(sessions)
        self.bank = banking_service(sessions, settings)
        self.family = FamilyLinks(sessions, settings, banking=self.bank)
        self.readbacks = ReadbackStore(sessions)
        self.rasa = ScriptedRasa(self)
        self.turns = TurnHandler(
            settings,
            self.rasa,
            self.conversations,
            IdentityService(sessions),
            self.bank,
            family=self.family,
        )
        self.margaret = self.bank.find_customer_by_phone(MARGARET_PHONE).id

    def start(self, channel: str = "chat") -> str:
        return self.turns.start(channel, MARGARET_PHONE)

    def verified(self, channel: str = "chat") -> str:
        conversation = self.start(channel)
        self.conversations.mark_verified(conversation, self.margaret, 30, pin="2468")
        return conversation

    def say(self, conversation: str, words: str) -> Turn:
        return self.turns.handle(conversation, words)

    def sam_accepted(self) -> int:
        """Sam, invited, accepted in the portal: he waits for Margaret's yes."""
        result = self.family.invite(self.margaret, "Sam", SON, channel="sms")
        assert result.sent
        with self.sessions() as session:
            body = session.execute(
                select(OutboxMessage.body).where(OutboxMessage.to_phone == SON)
            ).scalar_one()
        (code,) = _CODE.findall(body)
        helper = self.family.sign_in(SON, code, "203.0.113.9")
        assert helper is not None and helper.accepted is not None
        return helper.accepted.link_id

    def helpers(self) -> Dict[str, str]:
        return {h.name: h.status for h in self.family.list_helpers(self.margaret)}


@pytest.fixture
def gateway(settings: Settings, tmp_path: Path) -> Gateway:
    return Gateway(settings)


def texts(turn: Turn) -> List[str]:
    return [message["text"] for message in turn.messages]


CONFIRM_SAM = say("offer_helper_confirm", helper="Sam")


# ---- a helper who accepted ---------------------------------------------------------------------


def test_after_the_pin_the_customer_is_asked_to_confirm_a_helper_who_accepted(
    gateway: Gateway,
) -> None:
    link_id = gateway.sam_accepted()
    conversation = gateway.start()
    answered = gateway.say(conversation, "2468")
    assert texts(answered) == [say("pin_thanks"), CONFIRM_SAM]
    assert [b["payload"] for b in answered.messages[-1]["buttons"]] == ["yes", "no"]

    confirmed = gateway.say(conversation, "yes please")
    assert texts(confirmed) == [say("offer_confirmed", helper="Sam")]
    assert gateway.helpers()["Sam"] == "active"
    assert gateway.rasa.texts == []  # the answer was the gateway's own
    assert [h.link_id for h in gateway.family.pending_confirmations(gateway.margaret)] == []
    assert link_id in [h.link_id for h in gateway.family.list_helpers(gateway.margaret)]


def test_no_declines_the_helper_and_the_link_ends(gateway: Gateway) -> None:
    gateway.sam_accepted()
    conversation = gateway.verified()
    asked = gateway.say(conversation, "hello")
    assert texts(asked) == ["You said: hello", CONFIRM_SAM]
    declined = gateway.say(conversation, "no thank you")
    assert texts(declined) == [say("offer_declined", helper="Sam")]
    assert "Sam" not in gateway.helpers()


def test_the_question_waits_while_a_form_asks_or_a_read_back_is_open(gateway: Gateway) -> None:
    gateway.sam_accepted()
    conversation = gateway.verified()
    assert texts(gateway.say(conversation, "send")) == [FORM_QUESTION]
    assert texts(gateway.say(conversation, "read back")) == ["Send $300.00 to Tom?"]
    after = gateway.say(conversation, "something else")  # closes the read-back: a pause
    assert texts(after) == ["You said: something else", CONFIRM_SAM]


def test_anything_but_a_plain_yes_or_no_goes_to_the_assistant_and_is_not_asked_again(
    gateway: Gateway,
) -> None:
    gateway.sam_accepted()
    conversation = gateway.verified()
    gateway.say(conversation, "hello")
    moved_on = gateway.say(conversation, "yes and what is my balance")
    assert texts(moved_on) == ["You said: yes and what is my balance"]  # not asked again here
    assert gateway.helpers()["Sam"] == "awaiting_customer"
    assert texts(gateway.say(conversation, "yes")) == ["You said: yes"]

    elsewhere = gateway.verified("sms")  # another conversation asks again
    assert texts(gateway.say(elsewhere, "hello"))[-1] == say(
        "offer_helper_confirm", "sms", helper="Sam"
    )


def test_nothing_is_asked_before_the_pin(gateway: Gateway) -> None:
    gateway.sam_accepted()
    conversation = gateway.start()
    assert texts(gateway.say(conversation, "hello")) == ["You said: hello"]


# ---- the six-monthly review --------------------------------------------------------------------


def linda_due(gateway: Gateway) -> int:
    (linda,) = gateway.family.list_helpers(gateway.margaret)
    with gateway.sessions() as session, session.begin():
        session.get(HelperLink, linda.link_id).review_due_at = utcnow() - timedelta(days=1)
    return linda.link_id


def test_a_helper_due_for_review_is_kept_on_yes(gateway: Gateway) -> None:
    link_id = linda_due(gateway)
    conversation = gateway.verified("voice")
    asked = gateway.say(conversation, "hello")
    question = texts(asked)[-1]
    assert question == say(
        "offer_helper_review",
        "voice",
        helper="Linda Chen",
        abilities="see your balance, get alerts about your account, approve your bigger "
        "payments, and join your phone calls",
    )
    assert texts(gateway.say(conversation, "yes")) == [
        say("offer_kept", "voice", helper="Linda Chen")
    ]
    assert gateway.family.due_reviews(gateway.margaret) == []
    assert gateway.helpers() == {"Linda Chen": "active"}
    assert link_id


def test_no_to_the_review_removes_the_helper_at_once(gateway: Gateway) -> None:
    linda_due(gateway)
    conversation = gateway.verified()
    gateway.say(conversation, "hello")
    assert texts(gateway.say(conversation, "no")) == [say("offer_removed", helper="Linda Chen")]
    assert gateway.helpers() == {}


# ---- held payments -------------------------------------------------------------------------------


def hold_for_tom(gateway: Gateway, key: str = "held-1") -> int:
    tom = gateway.bank.resolve_payee(gateway.margaret, "Tom")[0]
    receipt = gateway.bank.pay_payee(gateway.margaret, "checking", tom.id, Money(30000, "USD"), key)
    assert receipt.held
    (hold,) = gateway.bank.list_holds(gateway.margaret)
    return hold.id


def test_how_a_held_payment_ended_is_told_once_with_the_helper_who_answered(
    gateway: Gateway,
) -> None:
    hold_id = hold_for_tom(gateway)
    (linda,) = gateway.family.list_helpers(gateway.margaret)
    outcome = gateway.bank.decide_hold_condition(hold_id, COSIGN, True, f"helper:{linda.helper_id}")
    assert outcome.result == "released"
    conversation = gateway.verified("voice")
    told = gateway.say(conversation, "hello")
    assert texts(told) == [
        "You said: hello",
        "Linda Chen approved your payment of three hundred dollars to Tom, so it has gone.",
    ]
    assert texts(gateway.say(conversation, "hello again")) == ["You said: hello again"]
    assert gateway.bank.untold_hold_outcomes(customer_id=gateway.margaret) == []


def test_a_payment_held_when_the_assistant_fell_over_is_told_as_waiting(
    gateway: Gateway,
) -> None:
    conversation = gateway.verified()
    gateway.say(conversation, "read back")
    failed = gateway.say(conversation, "pay now")  # a plain yes; the payment waits for Linda
    assert texts(failed) == [say("outcome_payment_held", amount="$300.00", recipient="Tom")]
    assert gateway.bank.get_account(gateway.margaret, "checking").held.minor == 30000
    assert gateway.bank.get_account(gateway.margaret, "checking").balance.minor == 125000


@pytest.mark.parametrize(
    ("said", "plain_no"),
    [
        ("no", True),
        ("no thank you", True),
        ("nope", True),
        ("not now", False),
        ("no, send $5", False),
    ],
)
def test_only_a_plain_no_is_a_no(said: str, plain_no: bool) -> None:
    assert is_plain_no(said) is plain_no


def test_not_now_to_the_review_keeps_the_helper_and_goes_to_the_assistant(
    gateway: Gateway,
) -> None:
    linda_due(gateway)
    conversation = gateway.verified()
    gateway.say(conversation, "hello")
    assert texts(gateway.say(conversation, "not now")) == ["You said: not now"]
    assert gateway.helpers() == {"Linda Chen": "active"}
