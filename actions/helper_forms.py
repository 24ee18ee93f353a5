"""What the family-helper and held-payment forms share.

- Their own requests are answers, not requests for something else: "remove Linda" answers
  "Which helper?", "the one to Tom" answers "Which payment?". Other requests are left to the
  rules, as in every form (:mod:`actions.off_script`).
- The permissions step: one yes-or-no question per permission, in plain words (voice, the web
  page's "Ask me", terminal chat), or by SMS one numbered list ("reply 1 3 4"), because texts
  cost money. The form's ``required_slots`` follow the channel; the slots of the other way are
  filled too (the list with "" on other channels, each permission from the list by SMS), so
  the form asks the same next question whichever side asks it.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.helper_words import from_numbers, numbers_of
from actions.off_script import ASKS_FOR_SOMETHING_ELSE, latest_intent
from actions.slots import PERMISSION_NUMBERS, PERMISSION_SLOTS

SMS = "sms"
YES, NO = "affirm", "deny"
#: Requests about helpers: a name said at "What is their name?" may sound like one.
HELPER_INTENTS = frozenset(
    {
        "add_helper",
        "remove_helper",
        "list_helpers",
        "who_looked",
        "change_helper_permissions",
        "call_helper",
    }
)


def channel_of(tracker: Tracker) -> str:
    """The medium of the latest message: voice, sms, web or chat."""
    return tracker.get_latest_input_channel() or ""


def yes_or_no(tracker: Tracker) -> Optional[bool]:
    """True for a yes, False for a no, None for anything else."""
    return {YES: True, NO: False}.get(latest_intent(tracker) or "")


def granted_permissions(tracker: Tracker) -> Optional[List[str]]:
    """The permissions the form's answers grant (in the order offered); None while any
    permission is unanswered."""
    values = {name: tracker.get_slot(slot) for name, slot in PERMISSION_SLOTS.items()}
    if any(value is None for value in values.values()):
        return None
    return [name for name, value in values.items() if value is True]


def permission_values(granted: List[str]) -> Dict[str, Any]:
    """Every permission slot, and the list's, set to ``granted``."""
    chosen = set(granted)
    values: Dict[str, Any] = {slot: name in chosen for name, slot in PERMISSION_SLOTS.items()}
    values[PERMISSION_NUMBERS] = numbers_of(granted)
    return values


class HelperFormValidation(FormValidationAction):
    """Put first among a helper form validation's bases."""

    #: Requests that answer this form's questions ("cancel the one to Tom" at "Which one?").
    own_intents: frozenset = frozenset()
    #: Steps any words may answer (a name), even words that sound like a helper request.
    free_text_slots: frozenset = frozenset()

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>`` (abstract, so the action server does not register this base)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        intent = latest_intent(tracker)
        if requested and intent in ASKS_FOR_SOMETHING_ELSE and intent not in self.own_intents:
            if not (requested in self.free_text_slots and intent in HELPER_INTENTS):
                return []  # a request for something else: the rules answer it
        return await super().run(dispatcher, tracker, domain)


class PermissionSteps(FormValidationAction):
    """The permissions step of a form: one question each, or by SMS one numbered list."""

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``."""

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        if channel_of(tracker) == SMS:
            skipped = set(PERMISSION_SLOTS.values())
        else:
            skipped = {PERMISSION_NUMBERS}
        return [slot for slot in domain_slots if slot not in skipped]

    def _answer(self, tracker: Tracker, slot: str) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            return {}
        answer = yes_or_no(tracker)
        return {} if answer is None else {slot: answer}

    async def extract_helper_perm_view_balance(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self._answer(tracker, "helper_perm_view_balance")

    async def extract_helper_perm_view_payments(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self._answer(tracker, "helper_perm_view_payments")

    async def extract_helper_perm_receive_alerts(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self._answer(tracker, "helper_perm_receive_alerts")

    async def extract_helper_perm_approve_payments(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self._answer(tracker, "helper_perm_approve_payments")

    async def extract_helper_perm_join_calls(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return self._answer(tracker, "helper_perm_join_calls")

    async def extract_helper_permission_numbers(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != PERMISSION_NUMBERS:
            return {}
        if latest_intent(tracker) in (YES, NO):
            return {}  # "yes" is no list (the rules answer it)
        text = (tracker.latest_message.get("text") or "").strip()
        return {PERMISSION_NUMBERS: text} if text else {}

    async def validate_helper_permission_numbers(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None or value == "":
            return {PERMISSION_NUMBERS: value}  # "": chosen one by one (not by SMS)
        granted = from_numbers(str(value))
        if granted is None:
            dispatcher.utter_message(response="utter_helper_numbers_again")
            return {PERMISSION_NUMBERS: None}
        return permission_values(granted)
