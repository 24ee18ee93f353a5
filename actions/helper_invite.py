"""Inviting a relative to help (issue 9 item 1): who, their mobile number read back, what they
may do, then the whole invitation read back; only a plain yes to that read-back sends it.

The relative gets a text with a one-time code (``FamilyLinks.invite``, through the outbox);
the customer hears what became of it: sent, refused (their own number, a number already
linked or invited, too many helpers, not a mobile number) or not sent to a number that texted
STOP (the relative can text START). By voice the number is typed on the keypad and read back
digit by digit; nothing here logs it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import banking, family, verified_customer_id
from actions.formatting import catalogue_language, locale_of, name_as_typed
from actions.helper_forms import (
    SMS,
    HelperFormValidation,
    PermissionSteps,
    channel_of,
    granted_permissions,
    yes_or_no,
)
from actions.helper_words import ability_words
from actions.off_script import CONVERSATIONAL, latest_intent
from actions.phone_numbers import has_phone_digits, phone_values, read_phone
from actions.readback import ReadBackFormValidation, readback_payload, readbacks, use_confirmation
from actions.slots import HELPER_INVITE_SLOTS, HELPER_STEP, PERMISSION_NUMBERS
from assistant.readbacks import HELPER_INVITE
from assistant.texts import text
from family.links import views

MAX_NAME_WORDS = 5
#: What the customer hears about each refused invitation.
REFUSALS = {
    views.OWN_NUMBER: "utter_helper_invite_own_number",
    views.ALREADY_LINKED: "utter_helper_already_linked",
    views.ALREADY_INVITED: "utter_helper_already_invited",
    views.TOO_MANY: "utter_helper_too_many",
    views.BAD_NUMBER: "utter_helper_invite_bad_number",
    views.NO_NAME: "utter_helper_invite_bad_number",
}


class ActionStartAddHelper(Action):
    """A fresh invitation, unless the customer already has as many helpers as allowed."""

    def name(self) -> str:
        return "action_start_add_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_ask_pin")
            return [SlotSet(HELPER_STEP, "done")]
        if not family().has_room_for_helper(customer_id):
            dispatcher.utter_message(response="utter_helper_too_many")
            return [SlotSet(HELPER_STEP, "done")]
        events: List[EventType] = [
            SlotSet(name, None)
            for name in HELPER_INVITE_SLOTS
            if tracker.get_slot(name) is not None
        ]
        if channel_of(tracker) != SMS:
            events.append(SlotSet(PERMISSION_NUMBERS, ""))  # asked one by one instead
        return [*events, SlotSet(HELPER_STEP, "form")]


def invitation_details(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The invitation the slots describe, as read back (None while incomplete)."""
    name, phone = tracker.get_slot("helper_name"), tracker.get_slot("helper_phone")
    granted = granted_permissions(tracker)
    if not name or not phone or not tracker.get_slot("helper_phone_confirmed") or granted is None:
        return None
    return {"name": name, "phone": phone, "permissions": granted}


def strip_name_fillers(said: str, language: str) -> str:
    """ "her name is Linda" -> "Linda"; the words dropped are the language's."""
    fillers = {w.strip() for w in text("helper_name_fillers", language=language).split(",")}
    words = said.replace("\u2019", "'").split()
    start = 0
    while start < len(words) - 1 and words[start].lower().strip(",.") in fillers:
        start += 1
    return " ".join(words[start:]).strip(" .,!")


class ValidateAddHelperForm(HelperFormValidation, PermissionSteps, ReadBackFormValidation):
    confirm_slot = "helper_invite_confirmed"
    kind = HELPER_INVITE
    read_back_slots = HELPER_INVITE_SLOTS[:-1]
    own_intents = frozenset({"add_helper"})
    free_text_slots = frozenset({"helper_name"})

    def name(self) -> str:
        return "validate_add_helper_form"

    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        return invitation_details(tracker)

    async def extract_helper_invite_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return await self.extract_confirmation(tracker)

    # ---- who ----------------------------------------------------------------------------

    async def extract_helper_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "helper_name":
            return {}
        if latest_intent(tracker) in CONVERSATIONAL:
            return {}  # "yes", "thanks", "help": not a name (the rules answer them)
        said = (tracker.latest_message.get("text") or "").strip()
        name = strip_name_fillers(said, catalogue_language(tracker))
        return {"helper_name": name_as_typed(name)} if name else {}

    async def validate_helper_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {"helper_name": None}
        words = value.split()
        if len(value) > 60 or len(words) > MAX_NAME_WORDS or not re.search(r"[^\W\d_]", value):
            dispatcher.utter_message(response="utter_helper_name_again")
            return {"helper_name": None}
        return {"helper_name": value}

    # ---- their mobile number ------------------------------------------------------------

    async def extract_helper_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        said = (tracker.latest_message.get("text") or "").strip()
        if requested == "helper_phone":
            if has_phone_digits(said) or latest_intent(tracker) not in CONVERSATIONAL:
                return {"helper_phone": said} if said else {}
            return {}  # "help", "repeat", "yes": the rules answer them
        if requested in ("helper_phone_confirmed", self.confirm_slot) and has_phone_digits(said):
            return {"helper_phone": said}  # "no, it's 555 ...": a new number
        return {}

    async def validate_helper_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is None:
            return {"helper_phone": None}
        phone = read_phone(str(value), locale_of(tracker))
        if phone is None:
            dispatcher.utter_message(response="utter_helper_bad_number")
            return {"helper_phone": None, "helper_phone_confirmed": None}
        customer_id = verified_customer_id(tracker)
        if customer_id is not None and banking().get_customer(customer_id).phone == phone:
            dispatcher.utter_message(response="utter_helper_own_number")
            return {"helper_phone": None, "helper_phone_confirmed": None}
        return {"helper_phone": phone, "helper_phone_confirmed": None}  # read back next

    async def extract_helper_phone_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "helper_phone_confirmed":
            return {}
        if has_phone_digits(tracker.latest_message.get("text") or ""):
            return {}  # a new number (taken as the number above)
        answer = yes_or_no(tracker)
        return {} if answer is None else {"helper_phone_confirmed": answer}

    async def validate_helper_phone_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if value is False:
            return {"helper_phone": None, "helper_phone_confirmed": None}  # asked again
        return {"helper_phone_confirmed": value}


class ActionAskHelperPhoneConfirmed(Action):
    """The number read back: written out on a screen or in a text, digit by digit by voice."""

    def name(self) -> str:
        return "action_ask_helper_phone_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        phone = tracker.get_slot("helper_phone")
        if not phone:
            return []
        values = phone_values("phone", phone, locale_of(tracker))
        dispatcher.utter_message(response="utter_confirm_helper_phone", **values)
        return []


class ActionAskHelperInviteConfirmed(Action):
    """The whole invitation read back: who, their number, what they could do."""

    def name(self) -> str:
        return "action_ask_helper_invite_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        details = invitation_details(tracker)
        if details is None:
            return []
        locale = locale_of(tracker)
        abilities = ability_words(
            details["permissions"], channel_of(tracker), catalogue_language(tracker), locale
        )
        dispatcher.utter_message(
            response="utter_confirm_helper_invite"
            if details["permissions"]
            else "utter_confirm_helper_invite_no_access",
            json_message=readback_payload(HELPER_INVITE, details),
            abilities=abilities,
            **phone_values("phone", details["phone"], locale),
        )
        return []


class ActionSubmitAddHelper(Action):
    """Send the invitation the customer said a plain yes to, and say what became of it."""

    def name(self) -> str:
        return "action_submit_add_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in HELPER_INVITE_SLOTS]
        customer_id = verified_customer_id(tracker)
        name = tracker.get_slot("helper_name") or ""
        details = invitation_details(tracker)
        if not tracker.get_slot("helper_invite_confirmed") or customer_id is None or not details:
            dispatcher.utter_message(response="utter_helper_not_invited")
            return reset
        confirmation = use_confirmation(tracker, HELPER_INVITE, details)
        if confirmation is None:
            dispatcher.utter_message(response="utter_helper_invite_not_confirmed")
            return reset
        done = confirmation.outcome or {}
        if not done:
            result = family().invite(
                customer_id,
                name,
                details["phone"],
                details["permissions"],
                channel=channel_of(tracker),
            )
            done = {"status": result.status, "reason": result.reason}
            readbacks().record_outcome(confirmation.id, done)
        if done["status"] == "sent":
            dispatcher.utter_message(response="utter_helper_invited")
        elif done["status"] == "not_sent":
            dispatcher.utter_message(response="utter_helper_opted_out")
        else:
            dispatcher.utter_message(
                response=REFUSALS.get(done.get("reason"), "utter_helper_invite_bad_number")
            )
        return reset
