"""Adding a new person or company to pay, with a read-back before it is saved."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.cards import card_values
from actions.context import banking, verified_customer_id
from actions.formatting import locale_of, name_as_typed
from actions.off_script import LeavesOtherRequestsAlone, is_free_text_answer
from actions.readback import (
    ReadBackFormValidation,
    readback_payload,
    readbacks,
    use_confirmation,
)
from actions.slots import NEW_PAYEE_SLOTS
from assistant.banking.errors import BankingError
from assistant.readbacks import NEW_PAYEE
from nlu.normalize import spoken_digits

ACCOUNT_NUMBER = re.compile(r"^\d{6,12}$")
NAME_PREFIX = re.compile(r"^(?:(?:add|new|payee|person|called|named|it'?s|is|the|name)\s+)+", re.I)


class ActionStartAddPayee(Action):
    def name(self) -> str:
        return "action_start_add_payee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return [
            SlotSet(name, None) for name in NEW_PAYEE_SLOTS if tracker.get_slot(name) is not None
        ]


def new_payee_details(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The payee the slots describe, as read back (None while incomplete)."""
    name, account = tracker.get_slot("new_payee_name"), tracker.get_slot("new_payee_account")
    if not name or not account:
        return None
    return {"name": name, "account": account}


class ValidateAddPayeeForm(LeavesOtherRequestsAlone, ReadBackFormValidation):
    confirm_slot = "new_payee_confirmed"
    kind = NEW_PAYEE
    read_back_slots = ("new_payee_name", "new_payee_account")

    def name(self) -> str:
        return "validate_add_payee_form"

    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        return new_payee_details(tracker)

    async def extract_new_payee_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return await self.extract_confirmation(tracker)

    async def extract_new_payee_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "new_payee_name":
            return {}
        if not is_free_text_answer(tracker):
            return {}  # "yes", "thanks", "help": not a name (the rules answer them)
        text = NAME_PREFIX.sub("", (tracker.latest_message.get("text") or "").strip())
        return {"new_payee_name": name_as_typed(text.strip(" ."))} if text else {}

    async def validate_new_payee_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if not value or len(value) > 60 or not re.search(r"[A-Za-z]", value):
            dispatcher.utter_message(response="utter_ask_new_payee_name")
            return {"new_payee_name": None}
        return {"new_payee_name": value}

    async def extract_new_payee_account(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "new_payee_account":
            return {}
        text = tracker.latest_message.get("text") or ""
        digits = spoken_digits(text) or re.sub(r"[\s-]", "", text)
        if not re.search(r"\d", digits) and not is_free_text_answer(tracker):
            return {}  # "help", "yes", "slower": the rules answer it
        return {"new_payee_account": digits}

    async def validate_new_payee_account(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {"new_payee_account": None}
        if not ACCOUNT_NUMBER.match(value):
            dispatcher.utter_message(response="utter_bad_account_number")
            return {"new_payee_account": None}
        return {"new_payee_account": value}


class ActionAskNewPayeeConfirmed(Action):
    def name(self) -> str:
        return "action_ask_new_payee_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        details = new_payee_details(tracker)
        if details is None:
            return []
        dispatcher.utter_message(
            response="utter_confirm_new_payee",
            json_message=readback_payload(NEW_PAYEE, details),
            name=tracker.get_slot("new_payee_name"),
            **card_values(
                "last4", (tracker.get_slot("new_payee_account") or "")[-4:], locale_of(tracker)
            ),
        )
        return []


class ActionSubmitAddPayee(Action):
    def name(self) -> str:
        return "action_submit_add_payee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in NEW_PAYEE_SLOTS]
        customer_id = verified_customer_id(tracker)
        name = tracker.get_slot("new_payee_name")
        if not tracker.get_slot("new_payee_confirmed") or customer_id is None:
            dispatcher.utter_message(response="utter_payee_not_added")
            return reset
        confirmation = use_confirmation(tracker, NEW_PAYEE, new_payee_details(tracker))
        if confirmation is None:
            dispatcher.utter_message(response="utter_payee_not_confirmed")
            return reset
        if (confirmation.outcome or {}).get("status") == "added":
            dispatcher.utter_message(response="utter_payee_added", name=name)  # a retry
            return reset
        try:
            banking().add_payee(customer_id, name, tracker.get_slot("new_payee_account"))
        except BankingError:
            readbacks().record_outcome(confirmation.id, {"status": "not_added"})
            dispatcher.utter_message(response="utter_add_payee_failed")
            return reset
        readbacks().record_outcome(confirmation.id, {"status": "added"})
        dispatcher.utter_message(response="utter_payee_added", name=name)
        return reset
