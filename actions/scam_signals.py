"""Scam signals heard in the conversation, and the warnings that name the scam (issue 10).

The NLU adds a ``scam_signal`` entity per signal a message carries (``nlu.scam_signals``); the
global slot validation (:class:`ValidateSlotMappings`, run after every message) adds them to the
``scam_signals`` slot, so "send 2000 to Tom" then "my grandson needs bail" counts as one
request. A payment passes the slot to the bank (which decides whether it waits) and clears it
when it ends. The warnings' words are the catalogue's ``scam_warning_<scam>``
(``assistant/texts/en/scams.yml``), said inside the ``utter_scam_*`` responses.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.context import interventions
from actions.formatting import catalogue_language
from actions.helper_forms import channel_of
from assistant.texts import text
from fraud.scams import name_scam, warning_key, word_signals

SLOT = "scam_signals"
ENTITY = "scam_signal"
#: How the catalogue's texts are worded per medium (the web and chat read the default).
_MEDIA = {"sms": "sms", "voice": "voice"}


def heard_now(tracker: Tracker) -> List[str]:
    """The scam signals of the latest message."""
    entities = tracker.latest_message.get("entities") or []
    return word_signals(e.get("value") for e in entities if e.get("entity") == ENTITY)


def heard(tracker: Tracker) -> List[str]:
    """Every scam signal heard since the last payment ended, this message's included."""
    return word_signals([*(tracker.get_slot(SLOT) or []), *heard_now(tracker)])


def warning_words(scam: str, tracker: Tracker) -> str:
    """The plain words that name ``scam``, for this conversation's medium and language."""
    medium = _MEDIA.get(channel_of(tracker), "default")
    return text(warning_key(scam), medium, catalogue_language(tracker))


class ValidateSlotMappings(ValidationAction):
    """After every message: its scam signals join the ones heard before."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        return [SLOT]

    async def extract_scam_signals(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if not heard_now(tracker):
            return {}
        return {SLOT: heard(tracker)}


class ActionReportFraud(Action):
    """ "A man from the police said my money is not safe": the warning that names that scam,
    then not to send anything and a person now; without a signal, the fraud team's number."""

    def name(self) -> str:
        return "action_report_fraud"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        scam = name_scam(heard_now(tracker))
        if not scam:
            dispatcher.utter_message(response="utter_report_fraud")
            return []
        dispatcher.utter_message(response="utter_scam_story", warning=warning_words(scam, tracker))
        return []


def say_warned(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    customer_id: int,
    payee_id: Optional[int],
    amount_minor: int,
) -> None:
    """After a payment that went but was warned about (words with a signal under the floor,
    an unusual amount): the warning that names the scam, and a person now."""
    if payee_id is None:
        return
    warned = interventions().latest(customer_id, timedelta(minutes=5))
    if warned is None or warned.payee_id != payee_id or warned.amount_minor != amount_minor:
        return
    if warned.held_payment_id is not None or warned.action != "warned":
        return
    dispatcher.utter_message(
        response="utter_scam_warned", warning=warning_words(warned.scam, tracker)
    )


def cleared() -> List[EventType]:
    """The payment ended: the signals heard for it are forgotten."""
    return [SlotSet(SLOT, None)]
