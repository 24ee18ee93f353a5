"""Sending money to a saved person, paying a bill, or moving money between own accounts.

One form (``payment_form``) collects who, how much and from which account, then reads the
payment back and asks yes or no. Nothing moves until the customer says yes, and the payment
carries an idempotency key made when the form started, so a retried action moves money once.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import banking, verified_customer_id
from actions.entities import entity_value
from actions.formatting import (
    account_values,
    account_word,
    account_words,
    catalogue_language,
    locale_of,
    money_values,
    names_list,
)
from actions.held_payments import say_held
from actions.helper_forms import channel_of
from actions.off_script import LeavesOtherRequestsAlone
from actions.readback import (
    ReadBackFormValidation,
    readback_payload,
    readbacks,
    use_confirmation,
)
from actions.safety_words import way_words
from actions.scam_signals import cleared, heard, say_warned
from actions.slots import OWN_ACCOUNT_PREFIX, PAYMENT_SLOTS
from actions.verification import require_verified
from assistant.banking.errors import BankingError, DailyLimitReached, InsufficientFunds
from assistant.money import Money
from assistant.readbacks import PAYMENT, payment_key

TEXT_ANSWER_INTENTS = {"inform", "transfer_money", "pay_bill"}


def payee_kind(tracker: Tracker) -> Optional[str]:
    return "bill" if tracker.get_slot("payment_kind") == "bill" else None


def own_account(recipient: str) -> Optional[str]:
    """'account:savings' -> 'savings' (a move between own accounts); a payee -> None."""
    if recipient.startswith(OWN_ACCOUNT_PREFIX):
        return recipient[len(OWN_ACCOUNT_PREFIX) :]
    return None


def recipient_values(recipient: str, language: str) -> Dict[str, str]:
    """The recipient for the responses: a payee's name, or the kind of an own account in words
    (the ``*_transfer`` responses say "your savings account")."""
    kind = own_account(recipient)
    return {"to_account": account_word(kind, language)} if kind else {"recipient": recipient}


def slot_money(tracker: Tracker) -> Optional[Money]:
    value = tracker.get_slot("amount")
    if not isinstance(value, dict):
        return None
    return Money(int(value["minor_units"]), value.get("currency", "USD"))


def say_daily_limit(
    dispatcher: CollectingDispatcher, tracker: Tracker, limit: DailyLimitReached
) -> None:
    """The customer's own daily limit for this way of paying stopped the payment."""
    way = way_words(limit.limit_name, channel_of(tracker), catalogue_language(tracker))
    if limit.limit.minor == 0:
        dispatcher.utter_message(response="utter_payment_way_blocked", way=way)
        return
    locale = locale_of(tracker)
    dispatcher.utter_message(
        response="utter_payment_over_daily_limit",
        way=way,
        **money_values("limit", limit.limit, locale),
        **money_values("left", limit.left, locale),
    )


class ActionStartPayment(Action):
    """A fresh payment: clear leftovers, note bill or transfer, make the idempotency key."""

    def name(self) -> str:
        return "action_start_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        events: List[EventType] = [
            SlotSet(name, None) for name in PAYMENT_SLOTS if tracker.get_slot(name) is not None
        ]
        events.append(SlotSet("payment_kind", "bill" if intent == "pay_bill" else "transfer"))
        events.append(SlotSet("payment_reference", uuid.uuid4().hex))
        return events


def payment_details(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The payment the slots describe, as read back (None while incomplete)."""
    amount = slot_money(tracker)
    recipient = tracker.get_slot("recipient")
    from_account = tracker.get_slot("from_account")
    reference = tracker.get_slot("payment_reference")
    if amount is None or not recipient or not from_account or not reference:
        return None
    return {
        "kind": tracker.get_slot("payment_kind") or "transfer",
        "recipient": recipient,
        "from_account": from_account,
        "amount_minor": amount.minor,
        "currency": amount.currency,
        "reference": reference,
    }


class ValidatePaymentForm(LeavesOtherRequestsAlone, ReadBackFormValidation):
    confirm_slot = "payment_confirmed"
    kind = PAYMENT
    read_back_slots = ("recipient", "amount", "from_account")

    def name(self) -> str:
        return "validate_payment_form"

    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        return payment_details(tracker)

    async def extract_payment_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return await self.extract_confirmation(tracker)

    def _customer(self, tracker: Tracker) -> Optional[int]:
        return verified_customer_id(tracker)

    async def extract_recipient(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "recipient"
        payee = entity_value(tracker, "payee")
        if payee:
            return {"recipient": payee}
        to_account = entity_value(tracker, "account", role="to")
        if to_account:
            return {"recipient": OWN_ACCOUNT_PREFIX + to_account}
        if not asked:
            return {}
        account = entity_value(tracker, "account")
        if account and tracker.get_slot("payment_kind") != "bill":
            return {"recipient": OWN_ACCOUNT_PREFIX + account}
        intent = tracker.latest_message.get("intent", {}).get("name")
        text = (tracker.latest_message.get("text") or "").strip()
        if entity_value(tracker, "amount") is not None:
            return {}  # "no wait, 12" answers how much, not who
        if intent in TEXT_ANSWER_INTENTS and text:
            return {"recipient": text}
        return {}

    async def validate_recipient(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        customer_id = self._customer(tracker)
        if customer_id is None or not value:
            return {"recipient": None}
        if value.startswith(OWN_ACCOUNT_PREFIX):
            kind = value[len(OWN_ACCOUNT_PREFIX) :]
            kinds = [a.kind for a in banking().list_accounts(customer_id)]
            if kind not in kinds:
                language = catalogue_language(tracker)
                dispatcher.utter_message(
                    response="utter_no_such_account",
                    account=account_word(kind, language),
                    accounts=account_words(kinds, language, locale_of(tracker)),
                )
                return {"recipient": None}
            if tracker.get_slot("from_account") == kind:
                dispatcher.utter_message(response="utter_same_account")
                return {"recipient": value, "from_account": None}
            return {"recipient": value}
        matches = banking().resolve_payee(customer_id, value, kind=payee_kind(tracker))
        if len(matches) == 1:
            return {"recipient": matches[0].name}
        others = [] if matches else banking().resolve_payee(customer_id, value)
        if len(others) == 1 and payee_kind(tracker) == "bill":
            intent = tracker.latest_message.get("intent", {}).get("name")
            if intent == "transfer_money":
                # "Send 40 to Tom instead" while paying a bill: now it is a transfer to Tom
                # (the read-back says so before anything moves).
                return {"recipient": others[0].name, "payment_kind": "transfer"}
            bills = banking().list_payees(customer_id, kind="bill")
            dispatcher.utter_message(
                response="utter_not_a_bill",
                name=others[0].name,
                payee_names=names_list((p.name for p in bills), "standard", locale_of(tracker)),
            )
            return {"recipient": None}
        if len(matches) > 1:
            dispatcher.utter_message(
                response="utter_which_payee",
                choices=names_list((m.name for m in matches), locale=locale_of(tracker)),
            )
            return {"recipient": None}
        known = banking().list_payees(customer_id, kind=payee_kind(tracker))
        dispatcher.utter_message(
            response="utter_unknown_payee",
            name=value,
            payee_names=names_list((p.name for p in known), "standard", locale_of(tracker)),
        )
        return {"recipient": None}

    async def extract_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        amount = entity_value(tracker, "amount")
        return {"amount": amount} if isinstance(amount, dict) else {}

    async def validate_amount(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {"amount": None}
        if not isinstance(value, dict) or int(value.get("minor_units", 0)) <= 0:
            dispatcher.utter_message(response="utter_amount_too_small")
            return {"amount": None}
        return self._check_funds(dispatcher, tracker, value, tracker.get_slot("from_account"))

    async def extract_from_account(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        named = entity_value(tracker, "account", role="from")
        if named:
            return {"from_account": named}
        if tracker.get_slot("requested_slot") == "from_account":
            any_account = entity_value(tracker, "account")
            if any_account:
                return {"from_account": any_account}
        if tracker.get_slot("from_account"):
            return {}
        customer_id = self._customer(tracker)
        if customer_id is None:
            return {}
        kinds = [a.kind for a in banking().list_accounts(customer_id)]
        recipient = tracker.get_slot("recipient") or ""
        others = [k for k in kinds if OWN_ACCOUNT_PREFIX + k != recipient]
        if len(others) == 1:
            return {"from_account": others[0]}
        return {}

    async def validate_from_account(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        customer_id = self._customer(tracker)
        if customer_id is None or value is None:
            return {"from_account": None}
        kinds = [a.kind for a in banking().list_accounts(customer_id)]
        if value not in kinds:
            language = catalogue_language(tracker)
            dispatcher.utter_message(
                response="utter_no_such_account",
                account=account_word(value, language),
                accounts=account_words(kinds, language, locale_of(tracker)),
            )
            return {"from_account": None}
        if tracker.get_slot("recipient") == OWN_ACCOUNT_PREFIX + value:
            dispatcher.utter_message(response="utter_same_account")
            return {"from_account": None}
        amount = tracker.get_slot("amount")
        if isinstance(amount, dict):
            checked = self._check_funds(dispatcher, tracker, amount, value)
            if checked.get("amount") is None:
                return {**checked, "from_account": value}
        return {"from_account": value}

    def _check_funds(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, amount: dict, kind: Optional[str]
    ) -> Dict[str, Any]:
        """Re-ask the amount when the chosen account can't cover it."""
        customer_id = self._customer(tracker)
        if customer_id is None or not kind:
            return {"amount": amount}
        account = banking().get_account(customer_id, kind)
        if account.available.minor < int(amount["minor_units"]):
            dispatcher.utter_message(
                response="utter_insufficient_funds",
                **account_values("from_account", kind, account.name, catalogue_language(tracker)),
                **money_values("available", account.available, locale_of(tracker)),
            )
            return {"amount": None}
        return {"amount": amount}


class ActionAskRecipient(Action):
    def name(self) -> str:
        return "action_ask_recipient"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        # The PIN's time ran out half way: ask for it again (the gateway replays the answer).
        customer_id = require_verified(dispatcher, tracker)
        if customer_id is None:
            return []
        kind = payee_kind(tracker)
        payees = banking().list_payees(customer_id, kind=kind)
        if kind == "bill":
            names = [p.name for p in payees]
            response = "utter_ask_bill" if names else "utter_ask_bill_none"
        else:
            names = [p.name for p in payees if p.kind != "bill"]
            response = "utter_ask_recipient" if names else "utter_ask_recipient_none"
        dispatcher.utter_message(
            response=response, payee_names=names_list(names, locale=locale_of(tracker))
        )
        return []


class ActionAskPaymentConfirmed(Action):
    """The read-back: exactly what will happen, then yes or no."""

    def name(self) -> str:
        return "action_ask_payment_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        amount = slot_money(tracker)
        details = payment_details(tracker)
        if amount is None or details is None:
            return []
        recipient = tracker.get_slot("recipient") or ""
        language = catalogue_language(tracker)
        dispatcher.utter_message(
            response="utter_confirm_transfer"
            if own_account(recipient)
            else "utter_confirm_payment",
            json_message=readback_payload(PAYMENT, details),
            from_account=account_word(tracker.get_slot("from_account"), language),
            **recipient_values(recipient, language),
            **money_values("amount", amount, locale_of(tracker)),
        )
        return []


class ActionSubmitPayment(Action):
    def name(self) -> str:
        return "action_submit_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        # The scam signals heard are kept while the customer may ask again (a warning that
        # stopped a payment is remembered); they are forgotten once a payment went or waits.
        reset = [SlotSet(name, None) for name in PAYMENT_SLOTS]
        customer_id = verified_customer_id(tracker)
        amount = slot_money(tracker)
        if not tracker.get_slot("payment_confirmed") or customer_id is None or amount is None:
            dispatcher.utter_message(response="utter_payment_not_sent")
            return reset
        # The bank's own record, not the slots, says whether this payment was read back and
        # answered with a plain yes; the confirmation is used up here, once.
        confirmation = use_confirmation(tracker, PAYMENT, payment_details(tracker))
        if confirmation is None:
            dispatcher.utter_message(response="utter_payment_not_confirmed")
            return reset
        recipient = tracker.get_slot("recipient")
        from_kind = tracker.get_slot("from_account")
        key = payment_key(tracker.sender_id, tracker.get_slot("payment_reference"))
        service = banking()
        asked = {"channel": channel_of(tracker), "signals": heard(tracker)}
        payee_id = None
        try:
            if recipient.startswith(OWN_ACCOUNT_PREFIX):
                receipt = service.transfer_between_accounts(
                    customer_id,
                    from_kind,
                    recipient[len(OWN_ACCOUNT_PREFIX) :],
                    amount,
                    key,
                    **asked,
                )
            else:
                payee = service.resolve_payee(customer_id, recipient, kind=payee_kind(tracker))[0]
                payee_id = payee.id
                receipt = service.pay_payee(customer_id, from_kind, payee.id, amount, key, **asked)
        except DailyLimitReached as limit:
            readbacks().record_outcome(confirmation.id, {"status": "not_sent"})
            say_daily_limit(dispatcher, tracker, limit)
            return reset
        except InsufficientFunds:
            readbacks().record_outcome(confirmation.id, {"status": "not_sent"})
            account = service.get_account(customer_id, from_kind)
            dispatcher.utter_message(
                response="utter_insufficient_funds",
                **account_values(
                    "from_account", from_kind, account.name, catalogue_language(tracker)
                ),
                **money_values("available", account.available, locale_of(tracker)),
            )
            return reset
        except BankingError:
            readbacks().record_outcome(confirmation.id, {"status": "not_sent"})
            dispatcher.utter_message(response="utter_payment_failed")
            return reset
        readbacks().record_outcome(
            confirmation.id,
            {"status": "held" if receipt.held else "sent", "reference": receipt.reference},
        )
        if receipt.held:
            # It waits (for a helper's yes, or a scam's cooling-off): never "sent" until it is.
            say_held(dispatcher, tracker, customer_id, receipt)
            return reset + cleared()
        locale, language = locale_of(tracker), catalogue_language(tracker)
        dispatcher.utter_message(
            response="utter_transfer_done" if own_account(recipient) else "utter_payment_done",
            reference=receipt.reference,
            **recipient_values(recipient, language),
            **account_values("from_account", from_kind, receipt.from_account.name, language),
            **money_values("amount", receipt.amount, locale),
            **money_values("balance", receipt.from_account.balance, locale),
        )
        if not receipt.replayed:
            say_warned(dispatcher, tracker, customer_id, payee_id, amount.minor)
        return reset + cleared()
