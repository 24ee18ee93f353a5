"""The customer's safety limits in a conversation (issue 10 item 5), on every channel, after
the PIN: "set a limit of 500 a day by phone", "no payments by text", "always ask my helper above
300", "remove my phone limit", "make new payees wait", and "what are my limits".

One form (``safety_limit_form``): which limit, what it should be (asked only when the request
did not say), then the change read back with when it starts, and only a plain yes to that
read-back changes it (:mod:`actions.readback`). A tightening starts at once; a loosening starts
after the delay, and the customer is told when (``assistant.banking.safety``). An answer to the
read-back that changes a value ("no, 400") is read back again.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import family, safety, verified_customer_id
from actions.entities import entity_value
from actions.formatting import catalogue_language, locale_of
from actions.helper_forms import HelperFormValidation, channel_of
from actions.readback import ReadBackFormValidation, readback_payload, readbacks, use_confirmation
from actions.safety_words import (
    OFF,
    change_words,
    fits,
    hear,
    limits_words,
    service_value,
    value_for,
    waiting_words,
    way_words,
)
from actions.slots import HELPER_STEP, SAFETY_LIMIT_SLOTS
from actions.verification import VerifiedAction
from assistant.banking.limits import COSIGN_ABOVE, DAILY, NEW_PAYEE_COOLING_OFF
from assistant.banking.safety import KEPT, LimitChange
from assistant.readbacks import SAFETY_LIMIT
from assistant.settings import get_settings
from assistant.texts import when_words
from family.links.permissions import APPROVE_PAYMENTS

NAME, VALUE, CONFIRMED = SAFETY_LIMIT_SLOTS
FORM, DONE = "form", "done"
#: Never an answer to this form's questions, whatever words they hold ("stop" is a cancel).
NOT_ANSWERS = frozenset(
    {"cancel", "goodbye", "help", "repeat", "speak_slower", "speak_faster", "thank_you"}
)


def _said(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def _intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _amount_minor(tracker: Tracker) -> Optional[int]:
    amount = entity_value(tracker, "amount")
    if isinstance(amount, dict) and "minor_units" in amount:
        return int(amount["minor_units"])
    return None


def _has_approver(customer_id: int) -> bool:
    return any(
        h.status == "active" and APPROVE_PAYMENTS in h.permissions
        for h in family().list_helpers(customer_id)
    )


def _needs_a_helper(customer_id: int, name: Optional[str], value: Optional[str]) -> bool:
    """An amount to ask the helper above, and nobody who may approve: it could do nothing."""
    return (
        name == COSIGN_ABOVE
        and value is not None
        and value != OFF
        and not _has_approver(customer_id)
    )


def limit_details(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The change the slots describe, as read back (None while incomplete)."""
    name, value = tracker.get_slot(NAME), tracker.get_slot(VALUE)
    if not fits(name, value):
        return None
    return {"name": name, "value": service_value(name, value)}


def _preview(tracker: Tracker) -> Optional[LimitChange]:
    customer_id, details = verified_customer_id(tracker), limit_details(tracker)
    if customer_id is None or details is None:
        return None
    return safety().preview(customer_id, details["name"], details["value"])


def _words(tracker: Tracker, name: str, value: Any) -> str:
    return change_words(
        name, value, channel_of(tracker), catalogue_language(tracker), locale_of(tracker)
    )


def _when_values(tracker: Tracker, moment: Any) -> Dict[str, str]:
    settings, language, locale = get_settings(), catalogue_language(tracker), locale_of(tracker)
    return {
        "when": when_words(moment, settings, "default", language, locale),
        "when_words": when_words(moment, settings, "voice", language, locale),
    }


def _hours() -> str:
    hours = get_settings().safety_loosen_hours
    return str(int(hours)) if float(hours).is_integer() else str(hours)


class ActionStartSafetyLimit(Action):
    """What the request said: which limit and what it should be; then the form asks the rest,
    unless there is nothing to do (it already is so, or an amount for a helper nobody is)."""

    def name(self) -> str:
        return "action_start_safety_limit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet(slot, None) for slot in SAFETY_LIMIT_SLOTS]
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            return [*events, SlotSet(HELPER_STEP, DONE)]
        heard = hear(_said(tracker), catalogue_language(tracker))
        value = None
        if heard.name is not None:
            events.append(SlotSet(NAME, heard.name))
            value = value_for(heard.name, heard.wish, _amount_minor(tracker))
            if value is not None:
                events.append(SlotSet(VALUE, value))
        if _needs_a_helper(customer_id, heard.name, value):
            dispatcher.utter_message(response="utter_limit_cosign_no_helper")
            return [*events, SlotSet(HELPER_STEP, DONE)]
        if heard.name is not None and value is not None:
            change = safety().preview(customer_id, heard.name, service_value(heard.name, value))
            if change.outcome == KEPT and not change.cancelled:
                dispatcher.utter_message(
                    response="utter_limit_kept", change=_words(tracker, heard.name, change.value)
                )
                return [*events, SlotSet(HELPER_STEP, DONE)]
        return [*events, SlotSet(HELPER_STEP, FORM)]


class ValidateSafetyLimitForm(HelperFormValidation, ReadBackFormValidation):
    confirm_slot = CONFIRMED
    kind = SAFETY_LIMIT
    read_back_slots = (NAME, VALUE)
    # Its own request, and "the phone one" heard as a request for a person or a call: the
    # words are read for a limit (none found: the rules answer as usual).
    own_intents = frozenset({"set_safety_limit", "talk_to_human", "call_helper"})

    def name(self) -> str:
        return "validate_safety_limit_form"

    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        return limit_details(tracker)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        preview = _preview(tracker)
        if preview is not None and preview.outcome == KEPT and not preview.cancelled:
            return [s for s in domain_slots if s != CONFIRMED]  # nothing to change: say so
        return domain_slots

    def _heard(self, tracker: Tracker) -> Any:
        if _intent(tracker) in NOT_ANSWERS:
            return None
        return hear(_said(tracker), catalogue_language(tracker))

    async def extract_safety_limit_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        asked = tracker.get_slot("requested_slot")
        if asked not in (NAME, CONFIRMED):
            return {}
        heard = self._heard(tracker)
        if heard is None or heard.name is None or heard.name == tracker.get_slot(NAME):
            return {}
        return {NAME: heard.name}  # at the read-back: "no, by text" changes which limit

    async def validate_safety_limit_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {NAME: None}
        values: Dict[str, Any] = {NAME: value}
        current = tracker.get_slot(VALUE)
        heard = self._heard(tracker)
        said = value_for(value, heard.wish if heard else None, _amount_minor(tracker))
        if value == NEW_PAYEE_COOLING_OFF or (said is not None and said != current):
            values[VALUE] = said
        elif not fits(value, current):
            values[VALUE] = None
        return values

    async def extract_safety_limit_value(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        asked, name = tracker.get_slot("requested_slot"), tracker.get_slot(NAME)
        if asked not in (VALUE, CONFIRMED) or name is None:
            return {}
        heard = self._heard(tracker)
        if heard is None:
            return {}
        if heard.name is not None and heard.name != name:
            return {}  # a different limit: its value comes with the name
        wish, minor = heard.wish, _amount_minor(tracker)
        if asked == CONFIRMED and wish is None and minor is None:
            return {}  # a plain yes or no answers the read-back
        said = value_for(name, wish, minor)
        if said is None or said == tracker.get_slot(VALUE):
            return {}
        return {VALUE: said}

    async def validate_safety_limit_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        name = tracker.get_slot(NAME)
        if value is None or not fits(name, value):
            return {VALUE: None}
        customer_id = verified_customer_id(tracker)
        if customer_id is not None and _needs_a_helper(customer_id, name, value):
            dispatcher.utter_message(response="utter_limit_cosign_no_helper")
            return {VALUE: None}
        return {VALUE: value}

    async def extract_safety_limit_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return await self.extract_confirmation(tracker)


class ActionAskSafetyLimitValue(Action):
    """How much a day that way, or above what amount the helper is asked."""

    def name(self) -> str:
        return "action_ask_safety_limit_value"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        name = tracker.get_slot(NAME)
        if name == COSIGN_ABOVE:
            dispatcher.utter_message(response="utter_ask_safety_limit_cosign")
        elif name in DAILY:
            way = way_words(name, channel_of(tracker), catalogue_language(tracker))
            dispatcher.utter_message(response="utter_ask_safety_limit_value", way=way)
        return []


class ActionAskSafetyLimitConfirmed(Action):
    """The read-back: the limit as it will be, and when that starts; then yes or no."""

    def name(self) -> str:
        return "action_ask_safety_limit_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        details, change = limit_details(tracker), _preview(tracker)
        if details is None or change is None:
            return []
        words = _words(tracker, details["name"], details["value"])
        payload = readback_payload(SAFETY_LIMIT, details)
        if change.at_once:
            dispatcher.utter_message(
                response="utter_confirm_limit_now", json_message=payload, change=words
            )
        else:
            dispatcher.utter_message(
                response="utter_confirm_limit_later",
                json_message=payload,
                change=words,
                hours=_hours(),
            )
        return []


class ActionSubmitSafetyLimit(Action):
    """Change the limit after a plain yes to its read-back; say when it starts."""

    def name(self) -> str:
        return "action_submit_safety_limit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in SAFETY_LIMIT_SLOTS]
        customer_id, details = verified_customer_id(tracker), limit_details(tracker)
        if customer_id is None or details is None:
            dispatcher.utter_message(response="utter_limit_not_changed")
            return reset
        name, value = details["name"], details["value"]
        change = safety().preview(customer_id, name, value)
        if change.outcome == KEPT and not change.cancelled:
            dispatcher.utter_message(
                response="utter_limit_kept", change=_words(tracker, name, value)
            )
            return reset
        if not tracker.get_slot(CONFIRMED):
            dispatcher.utter_message(response="utter_limit_not_changed")
            return reset
        confirmation = use_confirmation(tracker, SAFETY_LIMIT, details)
        if confirmation is None:
            dispatcher.utter_message(response="utter_limit_not_confirmed")
            return reset
        done = safety().change(
            customer_id, name, value, f"customer:{customer_id}", channel_of(tracker)
        )
        readbacks().record_outcome(confirmation.id, {"status": "changed"})
        words = _words(tracker, name, value)
        if not done.at_once:
            dispatcher.utter_message(
                response="utter_limit_changed_later",
                change=words,
                **_when_values(tracker, done.effective_at),
            )
        elif done.outcome == KEPT:
            dispatcher.utter_message(response="utter_limit_kept_cancelled", change=words)
        else:
            dispatcher.utter_message(response="utter_limit_changed_now", change=words)
        return reset


class ActionSafetyLimits(VerifiedAction):
    """ "What are my limits": each limit as it is now, and the changes still waiting."""

    def name(self) -> str:
        return "action_safety_limits"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        view = safety().limits(customer_id)
        channel, language, locale = (
            channel_of(tracker),
            catalogue_language(tracker),
            locale_of(tracker),
        )
        dispatcher.utter_message(
            response="utter_safety_limits", limits=limits_words(view, channel, language, locale)
        )
        waiting = waiting_words(view, channel, language, locale)
        if waiting:
            dispatcher.utter_message(response="utter_safety_limits_waiting", changes=waiting)
        return []
