"""Payments that wait (DESIGN.md section 8, issue 9 item 5): told plainly when one is held,
"which payments are waiting", and cancelling one (which one, then yes or no).

A payment above the customer's co-sign amount waits for a helper who may approve it; its money
is reserved, and it goes when they say yes, or is cancelled when nobody answers in time.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import banking, cooling_off, family, interventions, verified_customer_id
from actions.entities import entity_value
from actions.formatting import catalogue_language, locale_of, money_values, names_list
from actions.helper_forms import HelperFormValidation, channel_of, yes_or_no
from actions.off_script import CONVERSATIONAL, latest_intent
from actions.slots import HELD_SLOTS, HELPER_STEP
from actions.verification import VerifiedAction
from assistant.banking.errors import BankingError
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.banking.views import HeldPaymentView, Receipt
from assistant.settings import get_settings
from assistant.texts import when_words
from family.links.permissions import APPROVE_PAYMENTS

HELD = "held_payment"
ACTIVE = "active"


def deadline_values(moment: Any, tracker: Tracker) -> Dict[str, str]:
    """``{deadline}`` ("tomorrow at 3:15 PM") and ``{deadline_words}`` for the ear."""
    if moment is None:
        return {"deadline": "", "deadline_words": ""}
    settings, language, locale = get_settings(), catalogue_language(tracker), locale_of(tracker)
    return {
        "deadline": when_words(moment, settings, "default", language, locale, deadline=True),
        "deadline_words": when_words(moment, settings, "voice", language, locale, deadline=True),
    }


def hold_values(hold: HeldPaymentView, tracker: Tracker) -> Dict[str, str]:
    """A held payment for the responses: how much, to whom, until when."""
    return {
        "recipient": hold.counterparty,
        **money_values("amount", hold.amount, locale_of(tracker)),
        **deadline_values(hold.deadline, tracker),
    }


def say_held(
    dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int, receipt: Receipt
) -> None:
    """The payment waits: for whom, until when, and that it can be cancelled. Never "sent".
    Its approvers are texted now (the worker's sweep would, within a minute). Paused as a
    possible scam: the warning that names the scam first, then a person now, and the helpers
    who receive alerts are texted."""
    family().announce_holds(customer_id=customer_id)
    deadline = deadline_values(receipt.hold_deadline, tracker)
    from actions.scam_signals import warning_words

    intervention = interventions().for_hold(customer_id, receipt.reference)
    if COOLING_OFF in receipt.hold_conditions:
        cooling_off().alert_helpers(customer_id=customer_id)
        scam = intervention.scam if intervention is not None else ""
        dispatcher.utter_message(
            response="utter_scam_held",
            warning=warning_words(scam or "unusual_payment", tracker),
            recipient=receipt.to_description,
            **money_values("amount", receipt.amount, locale_of(tracker)),
            **deadline,
        )
        return
    if intervention is not None:  # waits for a helper, and looked like a scam too
        warning = warning_words(intervention.scam, tracker)
        dispatcher.utter_message(response="utter_scam_warned", warning=warning)
    approvers = [
        h
        for h in family().list_helpers(customer_id)
        if h.status == ACTIVE and APPROVE_PAYMENTS in h.permissions
    ]
    if COSIGN not in receipt.hold_conditions or not approvers:
        dispatcher.utter_message(response="utter_payment_held_check", **deadline)
    elif len(approvers) == 1:
        dispatcher.utter_message(
            response="utter_payment_held", helper=approvers[0].name, **deadline
        )
    else:
        dispatcher.utter_message(response="utter_payment_held_helpers", **deadline)


class ActionHeldPayments(VerifiedAction):
    """ "Which payments are waiting"."""

    def name(self) -> str:
        return "action_held_payments"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        holds = banking().list_holds(customer_id)
        if not holds:
            dispatcher.utter_message(response="utter_no_held_payments")
            return []
        dispatcher.utter_message(response="utter_held_payments_intro")
        for hold in holds:
            dispatcher.utter_message(
                response="utter_held_payment_line", **hold_values(hold, tracker)
            )
        return []


# ---- cancelling one -----------------------------------------------------------------------


def _matching(tracker: Tracker, holds: List[HeldPaymentView]) -> List[HeldPaymentView]:
    """The held payments the latest message names by payee or amount (all, if it names none)."""
    payee = entity_value(tracker, "payee")
    amount = entity_value(tracker, "amount")
    found = holds
    if payee:
        found = [h for h in found if h.counterparty.lower() == str(payee).lower()]
    if isinstance(amount, dict):
        found = [h for h in found if h.amount.minor == int(amount.get("minor_units", -1))]
    return found


class ActionStartCancelHeld(Action):
    def name(self) -> str:
        return "action_start_cancel_held"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        holds = banking().list_holds(customer_id) if customer_id else []
        if not holds:
            dispatcher.utter_message(response="utter_no_held_payments")
            return [SlotSet(HELPER_STEP, "done")]
        events: List[EventType] = [SlotSet(name, None) for name in HELD_SLOTS]
        named = _matching(tracker, holds)
        if len(named) == 1:
            events.append(SlotSet(HELD, str(named[0].id)))
        return [*events, SlotSet(HELPER_STEP, "form")]


def chosen_hold(tracker: Tracker, customer_id: Optional[int]) -> Optional[HeldPaymentView]:
    if customer_id is None:
        return None
    wanted = tracker.get_slot(HELD)
    return next((h for h in banking().list_holds(customer_id) if str(h.id) == wanted), None)


class ValidateCancelHeldForm(HelperFormValidation):
    own_intents = frozenset({"cancel_held_payment", "held_payments"})

    def name(self) -> str:
        return "validate_cancel_held_form"

    async def extract_held_payment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != HELD or latest_intent(tracker) in CONVERSATIONAL:
            return {}
        customer_id = verified_customer_id(tracker)
        holds = banking().list_holds(customer_id) if customer_id else []
        named = _matching(tracker, holds)
        if len(named) == 1:
            return {HELD: str(named[0].id)}
        return {HELD: ""}  # not one of them: said so, and asked again

    async def validate_held_payment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {HELD: None}
        if chosen_hold(tracker, verified_customer_id(tracker)) is None:
            dispatcher.utter_message(response="utter_held_payment_not_found")
            return {HELD: None}
        return {HELD: value}

    async def extract_held_cancel_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "held_cancel_confirmed":
            return {}
        answer = yes_or_no(tracker)
        return {} if answer is None else {"held_cancel_confirmed": answer}


class ActionAskHeldPayment(Action):
    """ "Which waiting payment: $300.00 to Tom or $250.00 to Linda?", a button for each."""

    def name(self) -> str:
        return "action_ask_held_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        holds = banking().list_holds(customer_id) if customer_id else []
        locale = locale_of(tracker)
        amounts = [money_values("amount", h.amount, locale) for h in holds]
        key = "amount_words" if channel_of(tracker) == "voice" else "amount"
        # "$300.00 Tom": what the button says, and what it sends (the payee and the amount).
        named = [f"{m[key]} {h.counterparty}" for m, h in zip(amounts, holds)]
        shown = [f"{m['amount']} {h.counterparty}" for m, h in zip(amounts, holds)]
        dispatcher.utter_message(
            response="utter_ask_held_payment",
            choices=names_list(named, "or", locale),
            buttons=[{"title": title, "payload": title} for title in shown],
        )
        return []


class ActionAskHeldCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_held_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        hold = chosen_hold(tracker, verified_customer_id(tracker))
        if hold is None:
            return []
        dispatcher.utter_message(response="utter_confirm_cancel_held", **hold_values(hold, tracker))
        return []


class ActionSubmitCancelHeld(Action):
    def name(self) -> str:
        return "action_submit_cancel_held"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in HELD_SLOTS]
        customer_id = verified_customer_id(tracker)
        hold = chosen_hold(tracker, customer_id)
        if hold is None:
            dispatcher.utter_message(response="utter_held_payment_already")
            return reset
        values = hold_values(hold, tracker)
        if not tracker.get_slot("held_cancel_confirmed"):
            dispatcher.utter_message(response="utter_held_payment_kept", **values)
            return reset
        try:
            outcome = banking().cancel_hold(customer_id, hold.id, actor=f"customer:{customer_id}")
        except BankingError:
            outcome = None
        if outcome is None or not outcome.decided_now:
            dispatcher.utter_message(response="utter_held_payment_already")
            return reset
        dispatcher.utter_message(response="utter_held_payment_cancelled", **values)
        return reset
