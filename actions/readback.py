"""Forms that end in a read-back: only a plain yes to an unchanged read-back counts.

The read-back message carries its details to the gateway, which records what it delivered
and, for the next message, whether it was a plain yes (:mod:`assistant.readbacks`). Here:

- an answer that changes anything the read-back said ("yes, 300", "no, to Linda") is a
  change: the form takes the new value and reads the whole thing back again;
- a yes counts only if the gateway recorded it as the plain yes to exactly this read-back;
  otherwise (it expired, it was not plain, the turn before failed) the form checks again;
- the submitting action uses the confirmation up, in the bank's own records, before it acts.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.db import session_factory
from assistant.readbacks import PAYLOAD_KEY, ReadbackStore, ReadbackView
from assistant.settings import get_settings

YES, NO = "affirm", "deny"


@lru_cache
def readbacks() -> ReadbackStore:
    return ReadbackStore(session_factory(), minutes=get_settings().readback_minutes)


def readback_payload(kind: str, details: Dict[str, Any]) -> Dict[str, Any]:
    """The custom payload that tells the gateway what this read-back says."""
    return {PAYLOAD_KEY: {"kind": kind, "details": details}}


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


class ReadBackFormValidation(FormValidationAction):
    """Validation for a form whose last slot is the answer to a read-back."""

    confirm_slot: str
    kind: str
    #: The slots the read-back reads out; a change to any of them needs a new read-back.
    read_back_slots: Tuple[str, ...]

    @abstractmethod
    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        """What the read-back says, from the slots (None while incomplete)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        asked = tracker.get_slot("requested_slot") == self.confirm_slot
        before = self._values(tracker)
        events = await super().run(dispatcher, tracker, domain)
        if not asked:
            return events
        answer = tracker.get_slot(self.confirm_slot)
        if self._values(tracker) != before:
            # "Yes, but 300" or "no, to Linda": the new value is read back again.
            return [*events, SlotSet(self.confirm_slot, None)]
        if answer is True:
            details = self.details(tracker)
            if details is None or not readbacks().is_confirmed(
                tracker.sender_id, self.kind, details
            ):
                # Not the plain yes to this very read-back (it expired, carried more words,
                # or answered an earlier one): check again rather than act on it.
                dispatcher.utter_message(response="utter_readback_again")
                return [*events, SlotSet(self.confirm_slot, None)]
        return events

    async def extract_confirmation(self, tracker: Tracker) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != self.confirm_slot:
            return {}
        intent = latest_intent(tracker)
        if intent == YES:
            return {self.confirm_slot: True}
        if intent == NO:
            return {self.confirm_slot: False}
        return {}

    def _values(self, tracker: Tracker) -> Dict[str, Any]:
        return {name: tracker.get_slot(name) for name in self.read_back_slots}


def use_confirmation(
    tracker: Tracker, kind: str, details: Optional[Dict[str, Any]]
) -> Optional[ReadbackView]:
    """The confirmation of exactly ``details``, used up now; None when there is none.

    A retried action finds the confirmation it used the first time: acting again with the same
    idempotency key replays the first result and moves nothing more.
    """
    if details is None:
        return None
    store = readbacks()
    return store.use(tracker.sender_id, kind, details) or store.used(
        tracker.sender_id, kind, details
    )
