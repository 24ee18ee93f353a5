"""The rasa-sdk custom actions in ``actions/``, run against a seeded demo bank.

Trackers are built by hand in the shapes Rasa sends them (entities as the NLU produces them),
actions run with a ``CollectingDispatcher``, and tests assert the responses the assistant
would say (with their template values) and the events it returns. Money is checked through
the banking service, never by trusting what the action said.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

import actions.context as context
import actions.readback as readback_actions
from actions.account_info import (
    LINES,
    TRANSFER_LINES,
    ActionCheckBalance,
    ActionRecentTransactions,
    line_response,
)
from actions.cards import ActionFreezeCard, ActionReportLostCard, ActionUnfreezeCard
from actions.conversation import (
    ActionCancelForm,
    ActionFallback,
    ActionGoodbyeInForm,
    ActionGreet,
    ActionHelp,
    ActionRepeat,
    ActionSpeakFaster,
    ActionSpeakSlower,
)
from actions.formatting import account_word
from actions.new_payee import (
    ActionAskNewPayeeConfirmed,
    ActionStartAddPayee,
    ActionSubmitAddPayee,
    ValidateAddPayeeForm,
    new_payee_details,
)
from actions.payments import (
    ActionAskPaymentConfirmed,
    ActionAskRecipient,
    ActionStartPayment,
    ActionSubmitPayment,
    ValidatePaymentForm,
    payment_details,
)
from actions.slots import FORM_SLOTS, NEW_PAYEE_SLOTS, PAYMENT_SLOTS
from actions.verification import ActionCheckVerified
from assistant import texts
from assistant.banking import LedgerBankingService, TransactionView
from assistant.clock import bank_today
from assistant.conversations import ConversationStore
from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.models import Customer
from assistant.money import Money
from assistant.readbacks import NEW_PAYEE, PAYMENT, ReadbackStore
from assistant.settings import get_settings
from tests.fakes import copy_of_bank, seeded_bank_template, transaction_words, wording
from tests.marker_language import LANGUAGE as MARKER_LANGUAGE
from tests.marker_language import MARKER, write_marker_language

ROOT = Path(__file__).resolve().parent.parent
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
UNKNOWN_PHONE = "+15559990000"
MESSAGE_KEYS = {
    "text",
    "buttons",
    "elements",
    "custom",
    "template",
    "response",
    "image",
    "attachment",
    "dialogue",
}


# ---- the bank the actions reach ------------------------------------------------------


@dataclass
class DemoBank:
    service: LedgerBankingService
    conversations: ConversationStore
    readbacks: ReadbackStore
    margaret: int
    ravi: int

    def read_back(self, tracker: Tracker, kind: str = PAYMENT, plain_yes: bool = True) -> None:
        """What the gateway does: record the read-back the slots describe, then the answer."""
        details = payment_details(tracker) if kind == PAYMENT else new_payee_details(tracker)
        assert details is not None
        customer = self.conversations.get(tracker.sender_id).customer_id
        self.readbacks.record(tracker.sender_id, customer, kind, details)
        self.readbacks.answer(tracker.sender_id, plain_yes, "message-1")

    def conversation(self, phone: Optional[str] = MARGARET_PHONE, verified: bool = True) -> str:
        """A chat conversation id (the Rasa sender id), with the PIN given when ``verified``."""
        started = self.conversations.start("chat", phone)
        if verified:
            self.conversations.mark_verified(started.id, started.customer_id, minutes=30)
        return started.id

    def balance(self, customer_id: int, kind: str = "checking") -> int:
        return self.service.get_account(customer_id, kind).balance.minor


def _clear_caches() -> None:
    get_settings.cache_clear()
    context.banking.cache_clear()
    context.family.cache_clear()
    context.safety.cache_clear()
    context.conversations.cache_clear()
    readback_actions.readbacks.cache_clear()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seeded_bank_template(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoBank]:
    """A fresh copy of the seeded demo bank, wired in as the actions' configured bank."""
    url = copy_of_bank(demo_template, tmp_path)
    sessions = session_factory(url)
    monkeypatch.setenv("DATABASE_URL", url)
    _clear_caches()
    service = LedgerBankingService(sessions)
    yield DemoBank(
        service=service,
        conversations=ConversationStore(sessions),
        readbacks=ReadbackStore(sessions),
        margaret=service.find_customer_by_phone(MARGARET_PHONE).id,
        ravi=service.find_customer_by_phone(RAVI_PHONE).id,
    )
    _clear_caches()
    dispose(url)


# ---- trackers, entities and running actions ------------------------------------------


def amount(minor: int, currency: str = "USD") -> Dict[str, Any]:
    return {"entity": "amount", "value": {"minor_units": minor, "currency": currency}}


def account(kind: str, role: Optional[str] = None) -> Dict[str, Any]:
    entity: Dict[str, Any] = {"entity": "account", "value": kind}
    if role:
        entity["role"] = role
    return entity


def payee(name: str) -> Dict[str, Any]:
    return {"entity": "payee", "value": name}


def money_slot(minor: int) -> Dict[str, Any]:
    return {"minor_units": minor, "currency": "USD"}


def user_event(text: str, intent: str, entities: tuple = ()) -> Dict[str, Any]:
    parse = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "text": text,
    }
    return {"event": "user", "text": text, "parse_data": parse}


def bot_event(text: str, buttons: Optional[list] = None, custom: Optional[dict] = None) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": buttons, "custom": custom}}


def listen() -> Dict[str, Any]:
    return {"event": "action", "name": "action_listen"}


def make_tracker(
    sender_id: str,
    *,
    intent: str = "inform",
    entities: tuple = (),
    text: str = "",
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    form: Optional[str] = None,
    requested_slot: Optional[str] = None,
) -> Tracker:
    """A tracker as Rasa sends it: every domain slot, the latest message, the events so far."""
    all_slots: Dict[str, Any] = {name: None for name in DOMAIN["slots"]}
    all_slots["requested_slot"] = requested_slot
    all_slots.update(slots or {})
    latest = user_event(text, intent, entities)
    if events is None:
        events = [listen(), latest]
    return Tracker(
        sender_id,
        all_slots,
        latest["parse_data"],
        list(events),
        False,
        None,
        {"name": form} if form else {},
        "action_listen",
    )


def run(action: Action, tracker: Tracker) -> tuple[CollectingDispatcher, List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher, events


def responses(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    return [message["response"] for message in dispatcher.messages]


def values(dispatcher: CollectingDispatcher, index: int = 0) -> Dict[str, Any]:
    """The template values passed with the ``index``-th message."""
    message = dispatcher.messages[index]
    return {k: v for k, v in message.items() if k not in MESSAGE_KEYS}


LINE = "a line of recent payments"  # one response per transaction kind, all lines


def listing(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    """``responses``, with each line of recent payments (whatever its kind) as ``LINE``."""
    lines = {*LINES.values(), *TRANSFER_LINES.values(), "utter_transaction_line"}
    return [LINE if name in lines else name for name in responses(dispatcher)]


def said(dispatcher: CollectingDispatcher, index: int = 0, channel: Optional[str] = None) -> str:
    """The words of the ``index``-th message as the customer gets them (the response's
    variation for ``channel``, else its default), filled in with the values sent."""
    return wording(dispatcher.messages[index]["response"], values(dispatcher, index), channel)


def described(dispatcher: CollectingDispatcher, index: int) -> str:
    """What a line of recent payments says the payment was: its words between date and amount."""
    line, line_values = said(dispatcher, index), values(dispatcher, index)
    prefix, suffix = f"{line_values['date']}: ", f", {line_values['amount']}"
    assert line.startswith(prefix) and line.endswith(suffix), line
    return line[len(prefix) : -len(suffix)]


def slots_set(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def validate_payment(
    demo_sender: str, *, requested_slot: Optional[str], slots: Optional[dict] = None, **message
) -> tuple[CollectingDispatcher, Dict[str, Any]]:
    slots = {"payment_kind": "transfer", "payment_reference": "ref-1", **(slots or {})}
    tracker = make_tracker(
        demo_sender, slots=slots, form="payment_form", requested_slot=requested_slot, **message
    )
    dispatcher, events = run(ValidatePaymentForm(), tracker)
    return dispatcher, slots_set(events)


# ---- PIN and identity -----------------------------------------------------------------


def test_balance_needs_the_pin_in_this_conversation(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    dispatcher, events = run(ActionCheckBalance(), make_tracker(sender, intent="check_balance"))
    assert responses(dispatcher) == ["utter_ask_pin"]
    assert events == []


def test_an_unknown_phone_is_asked_for_the_pin_like_a_customer(demo: DemoBank) -> None:
    # Nothing before the PIN tells whether a number banks here (the gateway fails its PINs).
    sender = demo.conversation(phone=UNKNOWN_PHONE, verified=False)
    dispatcher, events = run(ActionCheckBalance(), make_tracker(sender, intent="check_balance"))
    assert responses(dispatcher) == ["utter_ask_pin"]
    assert events == []


def test_expired_verification_asks_for_the_pin_again(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    demo.conversations.mark_verified(sender, demo.margaret, minutes=-1)
    dispatcher, _ = run(ActionCheckBalance(), make_tracker(sender, intent="check_balance"))
    assert responses(dispatcher) == ["utter_ask_pin"]


def test_check_verified_sets_the_slot_the_rules_branch_on(demo: DemoBank) -> None:
    verified = demo.conversation()
    dispatcher, events = run(ActionCheckVerified(), make_tracker(verified, intent="pay_bill"))
    assert dispatcher.messages == []
    assert slots_set(events) == {"verified": True}

    unverified = demo.conversation(verified=False)
    dispatcher, events = run(ActionCheckVerified(), make_tracker(unverified, intent="pay_bill"))
    assert responses(dispatcher) == ["utter_ask_pin"]
    assert slots_set(events) == {"verified": False}


# ---- balances and recent payments -------------------------------------------------------


def test_balance_shows_every_account_when_none_is_named(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, events = run(ActionCheckBalance(), make_tracker(sender, intent="check_balance"))
    assert responses(dispatcher) == ["utter_balance", "utter_balance"]
    assert values(dispatcher, 0) == {
        "account": "checking",
        "account_title": "Checking",
        "balance": "$1,250.00",
        "balance_words": "one thousand two hundred fifty dollars",
    }
    assert values(dispatcher, 1) == {
        "account": "savings",
        "account_title": "Savings",
        "balance": "$8,400.00",
        "balance_words": "eight thousand four hundred dollars",
    }
    assert events == []


def test_balance_shows_just_the_account_asked_for(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = make_tracker(sender, intent="check_balance", entities=(account("savings"),))
    dispatcher, _ = run(ActionCheckBalance(), tracker)
    assert responses(dispatcher) == ["utter_balance"]
    assert values(dispatcher)["account"] == "savings"
    assert values(dispatcher)["balance"] == "$8,400.00"


def test_balance_for_an_account_the_customer_lacks_shows_the_ones_they_have(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    demo.conversations.mark_verified(sender, demo.ravi, minutes=30)
    tracker = make_tracker(sender, intent="check_balance", entities=(account("savings"),))
    dispatcher, _ = run(ActionCheckBalance(), tracker)
    assert responses(dispatcher) == ["utter_balance"]
    assert values(dispatcher)["account"] == "checking"
    assert values(dispatcher)["balance"] == "$310.00"


def test_recent_payments_need_the_pin(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    tracker = make_tracker(sender, intent="recent_transactions")
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert responses(dispatcher) == ["utter_ask_pin"]


def test_recent_payments_list_the_five_newest(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = make_tracker(sender, intent="recent_transactions")
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert listing(dispatcher) == ["utter_transactions_intro"] + [LINE] * 5
    assert said(dispatcher, 0) == "Here are your most recent payments:"
    newest = values(dispatcher, 1)
    assert described(dispatcher, 1) == "Card purchase"
    assert newest["amount"] == "-$58.25"
    assert {"date", "short_date", "date_words", "amount_words"} <= newest.keys()


def test_recent_payments_filtered_by_payee_show_only_that_payee(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = make_tracker(
        sender,
        intent="recent_transactions",
        entities=(payee("City Power"),),
        text="what did I pay city power",
    )
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert listing(dispatcher) == ["utter_transactions_intro_with_payee"] + [LINE] * 2
    assert said(dispatcher, 0) == "Here are your most recent payments with City Power:"
    lines = [values(dispatcher, i) for i in (1, 2)]
    assert [described(dispatcher, i) for i in (1, 2)] == ["Payment to City Power"] * 2
    assert [line["amount"] for line in lines] == ["-$91.15", "-$84.30"]


def test_recent_payments_to_a_payee_resolve_fuzzily(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = make_tracker(sender, intent="recent_transactions", entities=(payee("my grandson"),))
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert listing(dispatcher) == ["utter_transactions_intro_with_payee", LINE]
    assert described(dispatcher, 1) == "Payment to Tom"
    assert values(dispatcher, 1)["amount"] == "-$50.00"
    assert values(dispatcher, 1)["amount_words"] == "minus fifty dollars"


def test_recent_payments_to_a_payee_never_paid_say_there_are_none(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = make_tracker(sender, intent="recent_transactions", entities=(payee("Linda"),))
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert responses(dispatcher) == ["utter_no_transactions_with_payee"]
    assert said(dispatcher) == "I can't see any payments with Linda."


def date_range(start: date, end: date) -> Dict[str, Any]:
    return {
        "entity": "date_range",
        "value": {"start": start.isoformat(), "end": end.isoformat()},
    }


def test_recent_payments_between_two_past_days_name_the_days_for_eye_and_ear(
    demo: DemoBank,
) -> None:
    start, end = bank_today() - timedelta(days=40), bank_today() - timedelta(days=20)
    tracker = make_tracker(
        demo.conversation(), intent="recent_transactions", entities=(date_range(start, end),)
    )
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert listing(dispatcher)[0] == "utter_transactions_intro_between"
    on_screen = f"{start:%b} {start.day} and {end:%b} {end.day}"
    assert said(dispatcher, 0) == f"Here are your most recent payments between {on_screen}:"
    heard = f"{start:%A, %B} {start.day} and {end:%A, %B} {end.day}"
    assert said(dispatcher, 0, "voice") == f"Here are your most recent payments between {heard}."


def test_recent_payments_up_to_today_with_a_payee_say_since(demo: DemoBank) -> None:
    start = bank_today() - timedelta(days=40)
    tracker = make_tracker(
        demo.conversation(),
        intent="recent_transactions",
        entities=(payee("City Power"), date_range(start, bank_today())),
    )
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    assert listing(dispatcher) == ["utter_transactions_intro_with_payee_since", LINE]
    assert said(dispatcher, 0, "sms") == f"Recent with City Power since {start:%b} {start.day}:"


def test_a_transfer_says_both_accounts_on_each_side(demo: DemoBank) -> None:
    history = demo.service.recent_transactions(demo.margaret, limit=50)
    transfer = {t.account_kind: t for t in history if t.kind == "transfer"}
    assert line_response(transfer["checking"]) == "utter_transaction_line_transfer_out"
    assert transaction_words(transfer["checking"]) == "Transfer from Checking to Savings"
    assert line_response(transfer["savings"]) == "utter_transaction_line_transfer_in"
    assert transaction_words(transfer["savings"]) == "Transfer from Checking to Savings"


def test_every_transaction_kind_has_words_of_its_own(demo: DemoBank) -> None:
    """A kind added to the ledger without a response of its own fails here."""
    sample = demo.service.recent_transactions(demo.margaret, limit=1)[0]
    for kind in TransactionView.KINDS:
        for minor in (-100, 100):
            item = dataclasses.replace(sample, kind=kind, amount=Money(minor))
            assert line_response(item) != "utter_transaction_line", kind
            assert transaction_words(item), kind


def test_money_dates_and_lists_follow_the_conversations_locale(demo: DemoBank) -> None:
    british = make_tracker(demo.conversation(), intent="check_balance", slots={"locale": "en_GB"})
    dispatcher, _ = run(ActionCheckBalance(), british)
    assert values(dispatcher, 0)["balance"] == "US$1,250.00"
    tracker = make_tracker(
        demo.conversation(), intent="recent_transactions", slots={"locale": "en_GB"}
    )
    dispatcher, _ = run(ActionRecentTransactions(), tracker)
    newest = demo.service.recent_transactions(demo.margaret, limit=1)[0].date
    assert values(dispatcher, 1)["date"] == f"{newest.day} {newest:%b}".replace("Sep", "Sept")
    assert values(dispatcher, 1)["short_date"] == f"{newest:%d/%m}"


def test_without_a_locale_slot_the_settings_locale_is_used(
    demo: DemoBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LOCALE", "en_GB")
    get_settings.cache_clear()
    dispatcher, _ = run(
        ActionCheckBalance(), make_tracker(demo.conversation(), intent="check_balance")
    )
    assert values(dispatcher, 0)["balance"] == "US$1,250.00"


# ---- the payment form ---------------------------------------------------------------------


def test_start_payment_clears_leftovers_and_makes_a_new_idempotency_key(demo: DemoBank) -> None:
    sender = demo.conversation()
    leftovers = {"recipient": "Tom", "amount": money_slot(100), "payment_confirmed": True}
    tracker = make_tracker(sender, intent="pay_bill", slots=leftovers)
    _, first = run(ActionStartPayment(), tracker)
    _, second = run(ActionStartPayment(), tracker)
    slots = slots_set(first)
    assert set(slots) == {*leftovers, "payment_kind", "payment_reference"}
    assert slots["recipient"] is None and slots["amount"] is None
    assert slots["payment_confirmed"] is None
    assert slots["payment_kind"] == "bill"
    assert len(slots["payment_reference"]) == 32
    assert slots_set(second)["payment_reference"] != slots["payment_reference"]

    _, transfer = run(ActionStartPayment(), make_tracker(sender, intent="transfer_money"))
    assert slots_set(transfer)["payment_kind"] == "transfer"


def test_payee_entity_resolves_fuzzily_to_the_saved_name(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender,
        requested_slot=None,
        intent="transfer_money",
        text="send 50 dollars to tom",
        entities=(payee("tom"), amount(5000)),
    )
    assert dispatcher.messages == []
    assert slots["recipient"] == "Tom"
    assert slots["amount"] == money_slot(5000)
    assert slots.get("from_account") is None  # Margaret has two accounts: ask which


def test_a_relationship_resolves_to_the_payee(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender, requested_slot="recipient", text="my daughter", entities=(payee("my daughter"),)
    )
    assert dispatcher.messages == []
    assert slots["recipient"] == "Linda"


def test_a_plain_answer_to_who_to_is_resolved_too(demo: DemoBank) -> None:
    sender = demo.conversation()
    _, slots = validate_payment(sender, requested_slot="recipient", text="my grandson")
    assert slots["recipient"] == "Tom"


def test_an_unknown_payee_lists_the_saved_ones(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender, requested_slot="recipient", text="Bob", entities=(payee("Bob"),)
    )
    assert slots["recipient"] is None
    assert responses(dispatcher) == ["utter_unknown_payee"]
    assert values(dispatcher) == {
        "name": "Bob",
        "payee_names": "City Power, Linda, Riverside Water, and Tom",
    }


def test_to_savings_becomes_an_own_account_transfer_from_checking(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender,
        requested_slot=None,
        intent="transfer_money",
        text="move 100 to savings",
        entities=(amount(10000), account("savings", role="to")),
    )
    assert dispatcher.messages == []
    assert slots["recipient"] == "account:savings"
    assert slots["from_account"] == "checking"
    assert slots["amount"] == money_slot(10000)


def test_an_account_the_customer_lacks_is_refused(demo: DemoBank) -> None:
    sender = demo.conversation()
    demo.conversations.mark_verified(sender, demo.ravi, minutes=30)
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="recipient",
        text="to savings",
        entities=(account("savings", role="to"),),
    )
    assert slots["recipient"] is None
    assert responses(dispatcher) == ["utter_no_such_account"]
    assert values(dispatcher) == {"account": "savings", "accounts": "checking"}


@pytest.mark.parametrize(
    ("requested_slot", "intent", "text", "entities"),
    [
        ("from_account", "check_balance", "how much is in my savings", (account("savings"),)),
        ("recipient", "check_balance", "what's in my savings account", (account("savings"),)),
        ("amount", "recent_transactions", "did i pay tom last week", (payee("Tom"),)),
        ("payment_confirmed", "check_balance", "what's in savings", (account("savings"),)),
        ("amount", "cancel", "cancel the payment to tom", (payee("Tom"),)),
    ],
)
def test_a_question_about_something_else_fills_nothing(
    demo: DemoBank, requested_slot: str, intent: str, text: str, entities: tuple
) -> None:
    """The rules answer it (balance, recent payments, cancel); the form asks again after."""
    slots = {"recipient": "City Power", "payment_kind": "bill"}
    if requested_slot == "payment_confirmed":
        slots.update(amount=money_slot(2500), from_account="checking")
    dispatcher, changed = validate_payment(
        demo.conversation(),
        requested_slot=requested_slot,
        intent=intent,
        text=text,
        entities=entities,
        slots=slots,
    )
    assert changed == {} and dispatcher.messages == []


def test_money_cannot_go_to_the_account_it_comes_from(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="from_account",
        text="savings",
        entities=(account("savings"),),
        slots={"recipient": "account:savings", "amount": money_slot(1000)},
    )
    assert slots["from_account"] is None
    assert responses(dispatcher) == ["utter_same_account"]


def test_from_account_is_filled_automatically_for_a_customer_with_one_account(
    demo: DemoBank,
) -> None:
    sender = demo.conversation(phone=RAVI_PHONE)
    dispatcher, slots = validate_payment(
        sender,
        requested_slot=None,
        intent="pay_bill",
        text="pay 100 to green valley feed",
        entities=(payee("green valley feed"), amount(10000)),
        slots={"payment_kind": "bill"},
    )
    assert dispatcher.messages == []
    assert slots == {
        "recipient": "Green Valley Feed",
        "amount": money_slot(10000),
        "from_account": "checking",
    }


def test_an_amount_over_the_balance_asks_for_the_amount_again(demo: DemoBank) -> None:
    sender = demo.conversation(phone=RAVI_PHONE)
    dispatcher, slots = validate_payment(
        sender,
        requested_slot=None,
        intent="pay_bill",
        text="pay 500 to green valley feed",
        entities=(payee("green valley feed"), amount(50000)),
        slots={"payment_kind": "bill"},
    )
    assert slots["amount"] is None
    assert slots["from_account"] == "checking"
    assert responses(dispatcher) == ["utter_insufficient_funds"]
    assert values(dispatcher) == {
        "from_account": "checking",
        "from_account_title": "Checking",
        "available": "$310.00",
        "available_words": "three hundred ten dollars",
    }


def test_an_amount_over_the_chosen_account_is_asked_again_when_the_account_comes_last(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    asked = {"recipient": "Tom", "amount": money_slot(200000)}
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="from_account",
        text="checking",
        entities=(account("checking"),),
        slots=asked,
    )
    assert slots["from_account"] == "checking"
    assert slots["amount"] is None
    assert responses(dispatcher) == ["utter_insufficient_funds"]
    assert values(dispatcher)["available"] == "$1,250.00"

    dispatcher, slots = validate_payment(
        sender,
        requested_slot="from_account",
        text="savings",
        entities=(account("savings"),),
        slots=asked,
    )
    assert dispatcher.messages == []
    assert slots == {"from_account": "savings"}


def test_an_amount_of_zero_is_refused(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="amount",
        text="0",
        entities=(amount(0),),
        slots={"recipient": "Tom", "from_account": "checking"},
    )
    assert slots["amount"] is None
    assert responses(dispatcher) == ["utter_amount_too_small"]


def test_the_form_resolves_nothing_without_the_pin(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    _, slots = validate_payment(
        sender, requested_slot="recipient", text="tom", entities=(payee("tom"),)
    )
    assert slots["recipient"] is None


def test_a_bill_payment_only_accepts_bill_payees(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="recipient",
        text="tom",
        entities=(payee("tom"),),
        slots={"payment_kind": "bill"},
    )
    assert slots["recipient"] is None
    assert responses(dispatcher) == ["utter_not_a_bill"]
    assert values(dispatcher) == {"name": "Tom", "payee_names": "City Power and Riverside Water"}

    dispatcher, slots = validate_payment(
        sender,
        requested_slot="recipient",
        text="the electric bill",
        entities=(payee("the electric bill"),),
        slots={"payment_kind": "bill"},
    )
    assert dispatcher.messages == []
    assert slots["recipient"] == "City Power"


def test_who_to_offers_people_for_a_transfer_and_bills_for_a_bill(demo: DemoBank) -> None:
    sender = demo.conversation()
    transfer = make_tracker(sender, slots={"payment_kind": "transfer"}, form="payment_form")
    dispatcher, _ = run(ActionAskRecipient(), transfer)
    assert responses(dispatcher) == ["utter_ask_recipient"]
    assert values(dispatcher) == {"payee_names": "Linda or Tom"}

    bill = make_tracker(sender, slots={"payment_kind": "bill"}, form="payment_form")
    dispatcher, _ = run(ActionAskRecipient(), bill)
    assert responses(dispatcher) == ["utter_ask_bill"]
    assert values(dispatcher) == {"payee_names": "City Power or Riverside Water"}


def test_who_to_never_lists_an_empty_set_of_payees(demo: DemoBank) -> None:
    """ "Who to? Your payees: ." when there were none."""
    sender = demo.conversation(phone=RAVI_PHONE)
    transfer = make_tracker(sender, slots={"payment_kind": "transfer"}, form="payment_form")
    dispatcher, _ = run(ActionAskRecipient(), transfer)
    assert responses(dispatcher) == ["utter_ask_recipient_none"]
    for name in ("utter_ask_bill_none", "utter_ask_recipient_none"):
        for variation in DOMAIN["responses"][name]:
            assert "{payee_names}" not in variation["text"]


def test_who_to_after_the_pin_expired_asks_for_the_pin_again(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    transfer = make_tracker(sender, slots={"payment_kind": "transfer"}, form="payment_form")
    dispatcher, _ = run(ActionAskRecipient(), transfer)
    assert responses(dispatcher) == ["utter_ask_pin"]


def test_the_read_back_says_exactly_what_will_happen(demo: DemoBank) -> None:
    sender = demo.conversation()
    slots = {
        "recipient": "Tom",
        "amount": money_slot(5000),
        "from_account": "checking",
        "payment_kind": "transfer",
        "payment_reference": "ref1",
    }
    tracker = make_tracker(
        sender, slots=slots, form="payment_form", requested_slot="payment_confirmed"
    )
    dispatcher, events = run(ActionAskPaymentConfirmed(), tracker)
    assert responses(dispatcher) == ["utter_confirm_payment"]
    assert values(dispatcher) == {
        "recipient": "Tom",
        "from_account": "checking",
        "amount": "$50.00",
        "amount_words": "fifty dollars",
    }
    # The gateway learns exactly what was read back, to check the answer against it.
    assert dispatcher.messages[0]["custom"] == {
        "readback": {
            "kind": "payment",
            "details": {
                "kind": "transfer",
                "recipient": "Tom",
                "from_account": "checking",
                "amount_minor": 5000,
                "currency": "USD",
                "reference": "ref1",
            },
        }
    }
    assert events == []


def test_the_read_back_names_an_own_account_plainly(demo: DemoBank) -> None:
    sender = demo.conversation()
    slots = {
        "recipient": "account:savings",
        "amount": money_slot(25050),
        "from_account": "checking",
        "payment_reference": "ref1",
    }
    dispatcher, _ = run(ActionAskPaymentConfirmed(), make_tracker(sender, slots=slots))
    assert "to your savings account from checking." in said(dispatcher)
    assert values(dispatcher)["amount_words"] == "two hundred fifty dollars and fifty cents"


def _confirmed_payment(sender: str, **slots: Any) -> Tracker:
    filled = {
        "recipient": "Tom",
        "amount": money_slot(5000),
        "from_account": "checking",
        "payment_confirmed": True,
        "payment_kind": "transfer",
        "payment_reference": "f00dfeed",
        **slots,
    }
    return make_tracker(sender, intent="affirm", text="yes", slots=filled)


def test_a_confirmed_payment_moves_the_money_exactly_once_even_when_run_twice(
    demo: DemoBank,
) -> None:
    sender = demo.conversation()
    tracker = _confirmed_payment(sender)
    demo.read_back(tracker)

    first, events = run(ActionSubmitPayment(), tracker)
    assert responses(first) == ["utter_payment_done"]
    done = values(first)
    assert done["recipient"] == "Tom"
    assert done["amount"] == "$50.00" and done["amount_words"] == "fifty dollars"
    assert done["balance"] == "$1,200.00"
    assert done["from_account"] == "checking"
    # The payment ended: its slots and the scam signals heard for it are cleared.
    assert slots_set(events) == {**{name: None for name in PAYMENT_SLOTS}, "scam_signals": None}
    assert demo.balance(demo.margaret) == 120000

    again, _ = run(ActionSubmitPayment(), tracker)  # a retried action, same reference
    assert responses(again) == ["utter_payment_done"]
    assert values(again)["reference"] == done["reference"]
    assert demo.balance(demo.margaret) == 120000


def test_a_new_payment_reference_is_a_new_payment(demo: DemoBank) -> None:
    sender = demo.conversation()
    for reference in ("first", "second"):
        tracker = _confirmed_payment(sender, payment_reference=reference)
        demo.read_back(tracker)
        run(ActionSubmitPayment(), tracker)
    assert demo.balance(demo.margaret) == 115000


def test_a_confirmed_own_account_transfer_moves_between_accounts(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = _confirmed_payment(sender, recipient="account:savings", amount=money_slot(10000))
    demo.read_back(tracker)
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    assert responses(dispatcher) == ["utter_transfer_done"]
    assert said(dispatcher).startswith("Done. I sent $100.00 to your savings account. ")
    assert demo.balance(demo.margaret, "checking") == 115000
    assert demo.balance(demo.margaret, "savings") == 850000


def test_a_confirmed_bill_payment_pays_the_bill(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = _confirmed_payment(sender, recipient="City Power", payment_kind="bill")
    demo.read_back(tracker)
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    assert responses(dispatcher) == ["utter_payment_done"]
    assert demo.balance(demo.margaret) == 120000
    latest = demo.service.recent_transactions(demo.margaret, limit=1)[0]
    assert transaction_words(latest) == "Payment to City Power"


def test_a_declined_payment_moves_nothing(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, events = run(
        ActionSubmitPayment(), _confirmed_payment(sender, payment_confirmed=False)
    )
    assert responses(dispatcher) == ["utter_payment_not_sent"]
    assert slots_set(events) == {name: None for name in PAYMENT_SLOTS}
    assert demo.balance(demo.margaret, "checking") == 125000
    assert demo.balance(demo.margaret, "savings") == 840000


def test_a_payment_after_the_verification_expired_moves_nothing(demo: DemoBank) -> None:
    sender = demo.conversation()
    demo.conversations.clear_verified(sender)
    dispatcher, _ = run(ActionSubmitPayment(), _confirmed_payment(sender))
    assert responses(dispatcher) == ["utter_payment_not_sent"]
    assert demo.balance(demo.margaret) == 125000


def test_a_payment_the_balance_no_longer_covers_is_refused_at_submit(demo: DemoBank) -> None:
    sender = demo.conversation()
    tracker = _confirmed_payment(sender, amount=money_slot(125001))
    demo.read_back(tracker)
    dispatcher, _ = run(ActionSubmitPayment(), tracker)
    assert responses(dispatcher) == ["utter_insufficient_funds"]
    assert values(dispatcher)["available"] == "$1,250.00"
    assert demo.balance(demo.margaret) == 125000


def test_cancel_clears_the_form_and_every_form_slot(demo: DemoBank) -> None:
    sender = demo.conversation()
    slots = {"recipient": "Tom", "amount": money_slot(5000), "payment_reference": "abc"}
    tracker = make_tracker(
        sender, intent="cancel", slots=slots, form="payment_form", requested_slot="from_account"
    )
    dispatcher, events = run(ActionCancelForm(), tracker)
    assert responses(dispatcher) == ["utter_cancelled"]
    assert [e["name"] for e in events if e["event"] == "active_loop"] == [None]
    cleared = slots_set(events)
    assert set(cleared) == {"requested_slot", *FORM_SLOTS}
    assert {*PAYMENT_SLOTS, *NEW_PAYEE_SLOTS} <= set(FORM_SLOTS)
    assert all(value is None for value in cleared.values())
    # The stop ends the form: its message says no form is asking (the gateway may speak).
    assert dispatcher.messages[0]["dialogue"] == {"active_loop": None}
    assert demo.balance(demo.margaret) == 125000


# ---- cards ------------------------------------------------------------------------------


def _card_statuses(demo: DemoBank) -> Dict[str, str]:
    return {card.last4: card.status for card in demo.service.list_cards(demo.margaret)}


def test_cards_need_the_pin(demo: DemoBank) -> None:
    sender = demo.conversation(verified=False)
    for action in (ActionFreezeCard(), ActionUnfreezeCard(), ActionReportLostCard()):
        dispatcher, _ = run(action, make_tracker(sender))
        assert responses(dispatcher) == ["utter_ask_pin"]
    assert _card_statuses(demo) == {"4321": "active"}


def test_freeze_then_unfreeze_the_card(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, _ = run(ActionFreezeCard(), make_tracker(sender, intent="freeze_card"))
    assert responses(dispatcher) == ["utter_card_frozen"]
    assert values(dispatcher) == {"last4": "4321", "last4_words": "four three two one"}
    assert _card_statuses(demo) == {"4321": "frozen"}

    dispatcher, _ = run(ActionFreezeCard(), make_tracker(sender, intent="freeze_card"))
    assert responses(dispatcher) == ["utter_card_already_frozen"]

    dispatcher, _ = run(ActionUnfreezeCard(), make_tracker(sender, intent="unfreeze_card"))
    assert responses(dispatcher) == ["utter_card_unfrozen"]
    assert _card_statuses(demo) == {"4321": "active"}

    dispatcher, _ = run(ActionUnfreezeCard(), make_tracker(sender, intent="unfreeze_card"))
    assert responses(dispatcher) == ["utter_card_not_frozen"]
    assert values(dispatcher)["last4"] == "4321"


def test_a_lost_card_is_stopped_and_replaced(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, _ = run(ActionReportLostCard(), make_tracker(sender, intent="report_lost_card"))
    assert responses(dispatcher) == ["utter_card_reported_lost"]
    said = values(dispatcher)
    assert said["old_last4"] == "4321" and said["old_last4_words"] == "four three two one"
    new_last4 = said["new_last4"]
    assert new_last4 != "4321" and len(new_last4) == 4 and new_last4.isdigit()
    assert _card_statuses(demo) == {"4321": "lost", new_last4: "active"}

    dispatcher, _ = run(ActionFreezeCard(), make_tracker(sender, intent="freeze_card"))
    assert values(dispatcher)["last4"] == new_last4  # later requests are about the new card
    assert _card_statuses(demo) == {"4321": "lost", new_last4: "frozen"}


# ---- keeping the conversation easy ----------------------------------------------------------


def test_the_greeting_never_names_the_customer_before_the_pin(demo: DemoBank) -> None:
    for sender in (
        demo.conversation(verified=False),  # Margaret's number, no PIN yet
        demo.conversation(phone=UNKNOWN_PHONE, verified=False),
    ):
        dispatcher, _ = run(ActionGreet(), make_tracker(sender))
        assert responses(dispatcher) == ["utter_greet"]
        assert values(dispatcher) == {}


def test_the_greeting_uses_the_first_name_once_the_pin_was_given(demo: DemoBank) -> None:
    dispatcher, _ = run(ActionGreet(), make_tracker(demo.conversation(verified=True)))
    assert values(dispatcher) == {"name": "Margaret"}
    assert said(dispatcher).startswith("Hello Margaret. ")


def test_the_greeting_uses_the_whole_name_when_no_form_of_address_is_kept(
    demo: DemoBank,
) -> None:
    with session_factory(os.environ["DATABASE_URL"])() as session, session.begin():
        session.execute(update(Customer).values(address_as=""))
    dispatcher, _ = run(ActionGreet(), make_tracker(demo.conversation(verified=True)))
    assert said(dispatcher).startswith("Hello Margaret Chen. ")


def test_help_inside_a_form_explains_how_to_stop(demo: DemoBank) -> None:
    sender = demo.conversation()
    dispatcher, _ = run(ActionHelp(), make_tracker(sender, intent="help"))
    assert responses(dispatcher) == ["utter_help"]
    dispatcher, _ = run(ActionHelp(), make_tracker(sender, intent="help", form="payment_form"))
    assert responses(dispatcher) == ["utter_help_in_form"]


HELP_BUTTONS = [{"title": "My balance", "payload": "what is my balance"}]


def _conversation_so_far(latest: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        listen(),
        user_event("hello", "greet"),
        {"event": "action", "name": "action_greet"},
        bot_event("Hello Margaret."),
        listen(),
        user_event("help", "help"),
        {"event": "action", "name": "action_help"},
        bot_event("I can tell you your balance.", buttons=HELP_BUTTONS),
        bot_event("Say repeat to hear this again."),
        listen(),
        latest,
    ]


def test_repeat_says_the_last_bot_turn_again(demo: DemoBank) -> None:
    latest = user_event("say that again", "repeat")
    tracker = make_tracker(
        demo.conversation(),
        intent="repeat",
        text="say that again",
        events=_conversation_so_far(latest),
    )
    dispatcher, events = run(ActionRepeat(), tracker)
    assert [m["text"] for m in dispatcher.messages] == [
        "I can tell you your balance.",
        "Say repeat to hear this again.",
    ]
    assert dispatcher.messages[0]["buttons"] == HELP_BUTTONS
    assert events == []


def test_repeat_with_nothing_said_yet(demo: DemoBank) -> None:
    tracker = make_tracker(demo.conversation(), intent="repeat", text="repeat")
    dispatcher, _ = run(ActionRepeat(), tracker)
    assert responses(dispatcher) == ["utter_nothing_to_repeat"]


def test_repeat_inside_a_form_leaves_it_to_the_form(demo: DemoBank) -> None:
    latest = user_event("repeat", "repeat")
    tracker = make_tracker(
        demo.conversation(),
        intent="repeat",
        form="payment_form",
        events=_conversation_so_far(latest),
    )
    dispatcher, events = run(ActionRepeat(), tracker)
    assert dispatcher.messages == [] and events == []


def test_slower_asks_for_one_step_slower_and_says_the_last_turn_again(demo: DemoBank) -> None:
    latest = user_event("slower please", "speak_slower")
    tracker = make_tracker(
        demo.conversation(), intent="speak_slower", events=_conversation_so_far(latest)
    )
    dispatcher, events = run(ActionSpeakSlower(), tracker)
    assert responses(dispatcher)[0] == "utter_slower_ok"
    # A step, not a pace: the voice channel knows how slow this call already is.
    assert dispatcher.messages[0]["custom"] == {"speech_rate": "slower"}
    assert [m["text"] for m in dispatcher.messages[1:]] == [
        "I can tell you your balance.",
        "Say repeat to hear this again.",
    ]
    assert events == []


def test_faster_asks_for_one_step_faster(demo: DemoBank) -> None:
    latest = user_event("you can go faster", "speak_faster")
    tracker = make_tracker(
        demo.conversation(), intent="speak_faster", events=_conversation_so_far(latest)
    )
    dispatcher, events = run(ActionSpeakFaster(), tracker)
    assert responses(dispatcher)[0] == "utter_faster_ok"
    assert dispatcher.messages[0]["custom"] == {"speech_rate": "faster"}
    assert len(dispatcher.messages) == 3 and events == []


def test_a_change_of_pace_with_nothing_said_yet_asks_what_to_do(demo: DemoBank) -> None:
    # A call opens with the voice channel's own greeting: the assistant has said nothing.
    tracker = make_tracker(demo.conversation(), intent="speak_slower", text="slower")
    dispatcher, _ = run(ActionSpeakSlower(), tracker)
    assert responses(dispatcher) == ["utter_slower_ok", "utter_how_can_i_help"]


def test_a_change_of_pace_inside_a_form_leaves_the_question_to_the_form(demo: DemoBank) -> None:
    tracker = make_tracker(
        demo.conversation(), intent="speak_faster", text="faster", form="payment_form"
    )
    dispatcher, _ = run(ActionSpeakFaster(), tracker)
    assert responses(dispatcher) == ["utter_faster_ok"]


def test_goodbye_inside_a_form_stops_it_and_says_goodbye_only(demo: DemoBank) -> None:
    tracker = make_tracker(
        demo.conversation(),
        intent="goodbye",
        text="thanks, bye now",
        form="payment_form",
        requested_slot="from_account",
        slots={"recipient": "City Power", "amount": money_slot(3000)},
    )
    dispatcher, events = run(ActionGoodbyeInForm(), tracker)
    assert responses(dispatcher) == ["utter_goodbye_in_form"]
    assert [e["name"] for e in events if e["event"] == "active_loop"] == [None]
    slots = slots_set(events)
    assert slots["requested_slot"] is None
    assert all(slots[name] is None for name in (*PAYMENT_SLOTS, *NEW_PAYEE_SLOTS))


def _fallback_after(intents: List[str]) -> List[Optional[str]]:
    events: List[Dict[str, Any]] = []
    for i, intent in enumerate(intents):
        events += [listen(), user_event(f"message {i}", intent)]
        events += [{"event": "action", "name": "action_fallback"}, bot_event("Sorry?")]
    events = events[:-2]  # the action runs right after the last user message
    tracker = make_tracker("anyone", intent=intents[-1], events=events)
    dispatcher, _ = run(ActionFallback(), tracker)
    return responses(dispatcher)


def test_the_fallback_escalates_rephrase_then_choices_then_a_person() -> None:
    assert _fallback_after(["nlu_fallback"]) == ["utter_default"]
    assert _fallback_after(["nlu_fallback"] * 2) == ["utter_fallback_choices"]
    assert _fallback_after(["nlu_fallback"] * 3) == ["utter_fallback_person"]
    assert _fallback_after(["nlu_fallback"] * 4) == ["utter_fallback_person"]


def test_an_understood_turn_resets_the_fallback_count() -> None:
    misses = ["nlu_fallback", "nlu_fallback"]
    assert _fallback_after([*misses, "check_balance", "nlu_fallback"]) == ["utter_default"]
    assert _fallback_after([*misses, "greet", *misses]) == ["utter_fallback_choices"]


# ---- adding a payee ---------------------------------------------------------------------------


def validate_new_payee(
    sender: str, requested_slot: str, text: str, slots: Optional[dict] = None
) -> tuple[CollectingDispatcher, Dict[str, Any]]:
    tracker = make_tracker(
        sender, text=text, slots=slots, form="add_payee_form", requested_slot=requested_slot
    )
    dispatcher, events = run(ValidateAddPayeeForm(), tracker)
    return dispatcher, slots_set(events)


def test_start_add_payee_clears_only_the_leftovers(demo: DemoBank) -> None:
    tracker = make_tracker(
        demo.conversation(),
        intent="add_payee",
        slots={"new_payee_name": "Old", "new_payee_confirmed": True},
    )
    _, events = run(ActionStartAddPayee(), tracker)
    assert slots_set(events) == {"new_payee_name": None, "new_payee_confirmed": None}


def test_the_new_payee_name_is_taken_from_the_answer(demo: DemoBank) -> None:
    sender = demo.conversation()
    _, slots = validate_new_payee(sender, "new_payee_name", "add joe bloggs")
    assert slots == {"new_payee_name": "Joe Bloggs"}
    _, slots = validate_new_payee(sender, "new_payee_name", "it's the corner shop.")
    assert slots == {"new_payee_name": "Corner Shop"}
    _, slots = validate_new_payee(sender, "new_payee_name", "Siobhan McDonald-O'Neill")
    assert slots == {"new_payee_name": "Siobhan McDonald-O'Neill"}  # as its owner writes it
    dispatcher, slots = validate_new_payee(sender, "new_payee_name", "12345")
    assert slots == {"new_payee_name": None}
    assert responses(dispatcher) == ["utter_ask_new_payee_name"]


@pytest.mark.parametrize(
    ("answer", "saved"),
    [
        ("123456", "123456"),
        ("123456789012", "123456789012"),
        ("12 34-56 78", "12345678"),
        ("one two three four five six", "123456"),
    ],
)
def test_an_account_number_of_6_to_12_digits_is_accepted(
    demo: DemoBank, answer: str, saved: str
) -> None:
    dispatcher, slots = validate_new_payee(
        demo.conversation(), "new_payee_account", answer, slots={"new_payee_name": "Joe Bloggs"}
    )
    assert dispatcher.messages == []
    assert slots == {"new_payee_account": saved}


@pytest.mark.parametrize(
    ("intent", "answer"),
    [
        ("affirm", "yes"),
        ("thank_you", "thank you"),
        ("help", "what do i say"),
        ("speak_slower", "slower"),
        ("check_balance", "what's my balance"),
        ("goodbye", "bye"),
    ],
)
def test_off_script_answers_are_no_new_payee_name_or_number(
    demo: DemoBank, intent: str, answer: str
) -> None:
    sender = demo.conversation()
    for slot, slots in (
        ("new_payee_name", {}),
        ("new_payee_account", {"new_payee_name": "Joe Bloggs"}),
    ):
        tracker = make_tracker(
            sender,
            intent=intent,
            text=answer,
            slots=slots,
            form="add_payee_form",
            requested_slot=slot,
        )
        dispatcher, events = run(ValidateAddPayeeForm(), tracker)
        # Nothing taken: the form is rejected and the rules answer, then it asks again.
        assert slots_set(events) == {} and dispatcher.messages == [], (slot, answer)


@pytest.mark.parametrize("answer", ["12345", "1234567890123", "my account", "12ab5678"])
def test_an_account_number_that_is_not_6_to_12_digits_is_asked_again(
    demo: DemoBank, answer: str
) -> None:
    dispatcher, slots = validate_new_payee(
        demo.conversation(), "new_payee_account", answer, slots={"new_payee_name": "Joe Bloggs"}
    )
    assert slots == {"new_payee_account": None}
    assert responses(dispatcher) == ["utter_bad_account_number"]


def test_the_new_payee_read_back_gives_only_the_last_four_digits(demo: DemoBank) -> None:
    slots = {"new_payee_name": "Joe Bloggs", "new_payee_account": "12345678"}
    dispatcher, _ = run(
        ActionAskNewPayeeConfirmed(), make_tracker(demo.conversation(), slots=slots)
    )
    assert responses(dispatcher) == ["utter_confirm_new_payee"]
    assert values(dispatcher) == {
        "name": "Joe Bloggs",
        "last4": "5678",
        "last4_words": "five six seven eight",
    }


def _payee_names(demo: DemoBank) -> List[str]:
    return [p.name for p in demo.service.list_payees(demo.margaret)]


def test_a_new_payee_is_saved_only_on_yes(demo: DemoBank) -> None:
    sender = demo.conversation()
    filled = {"new_payee_name": "Joe Bloggs", "new_payee_account": "12345678"}

    dispatcher, events = run(
        ActionSubmitAddPayee(), make_tracker(sender, slots={**filled, "new_payee_confirmed": False})
    )
    assert responses(dispatcher) == ["utter_payee_not_added"]
    assert slots_set(events) == {name: None for name in NEW_PAYEE_SLOTS}
    assert "Joe Bloggs" not in _payee_names(demo)

    tracker = make_tracker(sender, slots={**filled, "new_payee_confirmed": True})
    demo.read_back(tracker, NEW_PAYEE)
    dispatcher, events = run(ActionSubmitAddPayee(), tracker)
    assert responses(dispatcher) == ["utter_payee_added"]
    assert values(dispatcher) == {"name": "Joe Bloggs"}
    assert slots_set(events) == {name: None for name in NEW_PAYEE_SLOTS}
    saved = [p for p in demo.service.list_payees(demo.margaret) if p.name == "Joe Bloggs"]
    assert len(saved) == 1 and saved[0].account_last4 == "5678"


def test_a_duplicate_payee_is_not_added_twice(demo: DemoBank) -> None:
    filled = {"new_payee_name": "Tom", "new_payee_account": "12345678", "new_payee_confirmed": True}
    tracker = make_tracker(demo.conversation(), slots=filled)
    demo.read_back(tracker, NEW_PAYEE)
    dispatcher, _ = run(ActionSubmitAddPayee(), tracker)
    assert responses(dispatcher) == ["utter_add_payee_failed"]
    assert _payee_names(demo).count("Tom") == 1


def test_a_new_payee_needs_the_pin(demo: DemoBank) -> None:
    filled = {
        "new_payee_name": "Joe Bloggs",
        "new_payee_account": "12345678",
        "new_payee_confirmed": True,
    }
    sender = demo.conversation(verified=False)
    dispatcher, _ = run(ActionSubmitAddPayee(), make_tracker(sender, slots=filled))
    assert responses(dispatcher) == ["utter_payee_not_added"]
    assert "Joe Bloggs" not in _payee_names(demo)


# ---- only a plain yes to an unchanged read-back moves money -----------------------------------

READ_BACK = {
    "recipient": "Tom",
    "amount": money_slot(500),
    "from_account": "checking",
    "payment_kind": "transfer",
    "payment_reference": "ref-1",
}


def at_the_read_back(
    demo: DemoBank, text: str, intent: str, entities: tuple = (), plain_yes: bool = False
) -> tuple[CollectingDispatcher, Dict[str, Any], str]:
    """ "Send $5.00 to Tom from checking. Shall I do that?" was delivered; then ``text``."""
    sender = demo.conversation()
    demo.read_back(make_tracker(sender, slots=READ_BACK), plain_yes=plain_yes)
    dispatcher, slots = validate_payment(
        sender,
        requested_slot="payment_confirmed",
        slots=READ_BACK,
        text=text,
        intent=intent,
        entities=entities,
    )
    return dispatcher, slots, sender


@pytest.mark.parametrize(
    ("text", "entities", "changed"),
    [
        ("yes 300 dollars", (amount(30000),), {"amount": money_slot(30000)}),
        ("YES 250", (amount(25000),), {"amount": money_slot(25000)}),
        ("ok 40", (amount(4000),), {"amount": money_slot(4000)}),
        ("yes but to linda", (payee("Linda"),), {"recipient": "Linda"}),
        ("yes from savings", (account("savings", "from"),), {"from_account": "savings"}),
    ],
)
def test_a_yes_that_carries_a_change_is_a_change_and_is_read_back_again(
    demo: DemoBank, text: str, entities: tuple, changed: Dict[str, Any]
) -> None:
    _, slots, _ = at_the_read_back(demo, text, "affirm", entities)
    assert slots["payment_confirmed"] is None  # the form reads the new payment back
    for name, value in changed.items():
        assert slots[name] == value


def test_a_no_that_carries_a_change_is_read_back_again(demo: DemoBank) -> None:
    _, slots, _ = at_the_read_back(demo, "no, 40 dollars", "deny", (amount(4000),))
    assert slots["payment_confirmed"] is None
    assert slots["amount"] == money_slot(4000)


def test_a_plain_yes_the_gateway_recorded_confirms(demo: DemoBank) -> None:
    dispatcher, slots, _ = at_the_read_back(demo, "yes", "affirm", plain_yes=True)
    assert slots["payment_confirmed"] is True
    assert dispatcher.messages == []


def test_a_yes_the_gateway_did_not_record_as_plain_is_checked_again(demo: DemoBank) -> None:
    """NLU says affirm, but the bank's own record has no plain yes to this read-back."""
    dispatcher, slots, _ = at_the_read_back(demo, "yes", "affirm", plain_yes=False)
    assert slots["payment_confirmed"] is None
    assert responses(dispatcher) == ["utter_readback_again"]


def test_an_expired_read_back_asks_for_a_fresh_check_and_keeps_the_answers(demo: DemoBank) -> None:
    from datetime import timedelta

    from assistant.models import utcnow

    sender = demo.conversation()
    long_ago = utcnow() - timedelta(minutes=11)
    details = payment_details(make_tracker(sender, slots=READ_BACK))
    demo.readbacks.record(sender, demo.margaret, PAYMENT, details, now=long_ago)
    demo.readbacks.answer(sender, True, "m1")
    dispatcher, slots = validate_payment(
        sender, requested_slot="payment_confirmed", slots=READ_BACK, text="yes", intent="affirm"
    )
    assert slots["payment_confirmed"] is None
    assert responses(dispatcher) == ["utter_readback_again"]
    assert "amount" not in slots or slots["amount"] == money_slot(500)


def test_submit_without_the_gateways_record_of_a_plain_yes_moves_nothing(demo: DemoBank) -> None:
    """Slots alone (set by anyone who could reach Rasa) never move money."""
    sender = demo.conversation()
    dispatcher, _ = run(ActionSubmitPayment(), _confirmed_payment(sender))
    assert responses(dispatcher) == ["utter_payment_not_confirmed"]
    assert demo.balance(demo.margaret) == 125000


def test_submit_of_a_payment_other_than_the_one_read_back_moves_nothing(demo: DemoBank) -> None:
    sender = demo.conversation()
    demo.read_back(_confirmed_payment(sender, amount=money_slot(500)))
    dispatcher, _ = run(ActionSubmitPayment(), _confirmed_payment(sender, amount=money_slot(77700)))
    assert responses(dispatcher) == ["utter_payment_not_confirmed"]
    assert demo.balance(demo.margaret) == 125000


def test_a_confirmation_counts_once(demo: DemoBank) -> None:
    sender = demo.conversation()
    first = _confirmed_payment(sender, payment_reference="one")
    demo.read_back(first)
    run(ActionSubmitPayment(), first)
    second = _confirmed_payment(sender, payment_reference="two")
    dispatcher, _ = run(ActionSubmitPayment(), second)
    assert responses(dispatcher) == ["utter_payment_not_confirmed"]
    assert demo.balance(demo.margaret) == 120000


def test_a_new_payee_is_not_added_on_slots_alone(demo: DemoBank) -> None:
    filled = {
        "new_payee_name": "Joe Bloggs",
        "new_payee_account": "12345678",
        "new_payee_confirmed": True,
    }
    dispatcher, _ = run(ActionSubmitAddPayee(), make_tracker(demo.conversation(), slots=filled))
    assert responses(dispatcher) == ["utter_payee_not_confirmed"]
    assert "Joe Bloggs" not in _payee_names(demo)


def test_an_amount_said_when_asked_who_is_not_taken_as_a_name(demo: DemoBank) -> None:
    _, slots = validate_payment(
        demo.conversation(),
        requested_slot="recipient",
        text="no wait, 12",
        entities=(amount(1200),),
    )
    assert slots.get("recipient") is None
    assert slots["amount"] == money_slot(1200)


def test_a_saved_person_named_while_paying_a_bill_makes_it_a_transfer(demo: DemoBank) -> None:
    """ "Send 40 to Tom instead" half way through the electric bill."""
    _, slots = validate_payment(
        demo.conversation(),
        requested_slot="from_account",
        slots={"payment_kind": "bill", "recipient": "City Power", "amount": money_slot(2500)},
        intent="transfer_money",
        text="send 40 to tom instead",
        entities=(amount(4000), payee("tom")),
    )
    assert slots["recipient"] == "Tom" and slots["payment_kind"] == "transfer"
    assert slots["amount"] == money_slot(4000)


# ---- account words per language ---------------------------------------------------------


@pytest.fixture
def marker_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, str]]:
    """A second catalogue (English with a marker word, ``tests/marker_language.py``); the
    slots of a conversation in it."""
    write_marker_language(tmp_path / "catalogues")
    monkeypatch.setenv("ASSISTANT_TEXTS_DIRS", str(tmp_path / "catalogues"))
    get_settings.cache_clear()
    texts.reload()
    yield {"language": MARKER_LANGUAGE, "locale": "en_US"}
    monkeypatch.delenv("ASSISTANT_TEXTS_DIRS")
    get_settings.cache_clear()
    texts.reload()


def marked(word: str) -> str:
    return f"{MARKER} {word}"


def test_account_kinds_are_words_from_the_conversations_language(
    demo: DemoBank, marker_language: Dict[str, str]
) -> None:
    sender = demo.conversation()
    english, _ = run(ActionCheckBalance(), make_tracker(sender, intent="check_balance"))
    assert [values(english, i)["account"] for i in (0, 1)] == ["checking", "savings"]
    dispatcher, _ = run(
        ActionCheckBalance(), make_tracker(sender, intent="check_balance", slots=marker_language)
    )
    assert [values(dispatcher, i)["account"] for i in (0, 1)] == [
        marked("checking"),
        marked("savings"),
    ]
    assert values(dispatcher)["account_title"] == "Checking"  # the account's own name

    slots = {
        "recipient": "account:savings",
        "amount": money_slot(25050),
        "from_account": "checking",
        "payment_reference": "ref1",
        **marker_language,
    }
    read_back, _ = run(ActionAskPaymentConfirmed(), make_tracker(sender, slots=slots))
    assert values(read_back)["to_account"] == marked("savings")
    assert values(read_back)["from_account"] == marked("checking")
    # What the gateway checks the answer against keeps the kinds as they are.
    assert read_back.messages[0]["custom"]["readback"]["details"]["from_account"] == "checking"

    tracker = _confirmed_payment(sender, recipient="account:savings", **marker_language)
    demo.read_back(tracker)
    done, _ = run(ActionSubmitPayment(), tracker)
    assert responses(done) == ["utter_transfer_done"]
    assert values(done)["to_account"] == marked("savings")
    assert values(done)["from_account"] == marked("checking")


def test_a_missing_account_and_the_ones_there_are_worded_in_the_conversations_language(
    demo: DemoBank, marker_language: Dict[str, str]
) -> None:
    sender = demo.conversation()
    demo.conversations.mark_verified(sender, demo.ravi, minutes=30)
    dispatcher, _ = validate_payment(
        sender,
        requested_slot="recipient",
        text="to savings",
        entities=(account("savings", role="to"),),
        slots=marker_language,
    )
    assert responses(dispatcher) == ["utter_no_such_account"]
    assert values(dispatcher) == {"account": marked("savings"), "accounts": marked("checking")}


def test_every_account_kind_the_assistant_understands_has_words() -> None:
    from nlu.accounts import CHECKING, SAVINGS

    for kind in (CHECKING, SAVINGS):
        assert account_word(kind, "en") == kind
