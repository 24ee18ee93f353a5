"""Removing a helper and changing what a helper may do (issue 9 item 3), from every channel.

Which helper: named in the message, the only one, or asked. Removing one asks yes or no
(an open invitation is cancelled instead). "Stop Linda seeing my balance" takes effect at once
when the permission and the way are clear (``actions.helper_words``); otherwise every
permission is asked one by one (by SMS one numbered list). Anything that gives a helper more
is read back first, and only a plain yes to that read-back does it; less is done at once.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import family, verified_customer_id
from actions.formatting import catalogue_language, locale_of
from actions.helper_choice import (
    INVITATION,
    Candidate,
    candidates,
    choice_values,
    chosen,
    pick,
    resolve,
)
from actions.helper_forms import (
    SMS,
    HelperFormValidation,
    PermissionSteps,
    channel_of,
    granted_permissions,
    permission_values,
    yes_or_no,
)
from actions.helper_words import ability_words, hear_change
from actions.off_script import CONVERSATIONAL, latest_intent
from actions.readback import ReadBackFormValidation, readback_payload, readbacks, use_confirmation
from actions.slots import (
    HELPER_CHANGE_SLOTS,
    HELPER_CHOICE,
    HELPER_INVITE_SLOTS,
    HELPER_STEP,
    PERMISSION_NUMBERS,
    PERMISSION_SLOTS,
)
from assistant.readbacks import HELPER_GRANT
from assistant.texts import text

CHANGE = "helper_change"
FORM, DONE = "form", "done"


def _said(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def _fresh(tracker: Tracker) -> List[EventType]:
    """Clear what an earlier helper request left behind."""
    names = (*HELPER_INVITE_SLOTS, *HELPER_CHANGE_SLOTS)
    return [SlotSet(name, None) for name in names if tracker.get_slot(name) is not None]


def _no_helpers(dispatcher: CollectingDispatcher) -> List[EventType]:
    dispatcher.utter_message(response="utter_no_helpers")
    return [SlotSet(HELPER_STEP, DONE)]


# ---- removing a helper ---------------------------------------------------------------------


class ActionStartRemoveHelper(Action):
    def name(self) -> str:
        return "action_start_remove_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        pool = candidates(customer_id, with_invitations=True) if customer_id else []
        if not pool:
            return _no_helpers(dispatcher)
        events = _fresh(tracker)
        picked = pick(customer_id, _said(tracker), pool)
        if picked is not None:
            events += [SlotSet(k, v) for k, v in choice_values(picked).items()]
        return [*events, SlotSet(HELPER_STEP, FORM)]


class ChoosesAHelper(HelperFormValidation):
    """The "which helper" step of a form (abstract)."""

    with_invitations = False

    def _pool(self, tracker: Tracker) -> List[Candidate]:
        customer_id = verified_customer_id(tracker)
        return candidates(customer_id, self.with_invitations) if customer_id else []

    async def extract_helper_link(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != HELPER_CHOICE:
            return {}
        if latest_intent(tracker) in CONVERSATIONAL or not _said(tracker):
            return {}  # "yes", "help", "repeat": the rules answer them
        return {HELPER_CHOICE: _said(tracker)}

    async def validate_helper_link(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        customer_id = verified_customer_id(tracker)
        if value is None or customer_id is None:
            return {HELPER_CHOICE: None}
        pool = self._pool(tracker)
        found = next((c for c in pool if c.key == value), None)
        if found is None:
            found = resolve(dispatcher, customer_id, str(value), pool, locale_of(tracker))
        if found is None:
            return {HELPER_CHOICE: None}
        return self.chosen_values(tracker, found)

    def chosen_values(self, tracker: Tracker, found: Candidate) -> Dict[str, Any]:
        return choice_values(found)


class ValidateRemoveHelperForm(ChoosesAHelper):
    own_intents = frozenset({"remove_helper"})
    with_invitations = True

    def name(self) -> str:
        return "validate_remove_helper_form"

    async def extract_helper_remove_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "helper_remove_confirmed":
            return {}
        answer = yes_or_no(tracker)
        return {} if answer is None else {"helper_remove_confirmed": answer}


class ActionAskHelperRemoveConfirmed(Action):
    def name(self) -> str:
        return "action_ask_helper_remove_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        key = tracker.get_slot(HELPER_CHOICE) or ""
        if key.startswith(INVITATION):
            dispatcher.utter_message(response="utter_confirm_cancel_invitation")
        else:
            dispatcher.utter_message(response="utter_confirm_remove_helper")
        return []


class ActionSubmitRemoveHelper(Action):
    def name(self) -> str:
        return "action_submit_remove_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in HELPER_CHANGE_SLOTS]
        customer_id = verified_customer_id(tracker)
        pool = candidates(customer_id, with_invitations=True) if customer_id else []
        found = chosen(tracker, pool)
        if not tracker.get_slot("helper_remove_confirmed") or found is None:
            dispatcher.utter_message(response="utter_helper_kept")
            return reset
        channel = channel_of(tracker)
        if found.kind == INVITATION:
            family().cancel_invitation(customer_id, found.id, channel)
            dispatcher.utter_message(response="utter_invitation_cancelled")
        else:
            family().remove_helper(customer_id, found.id, channel)
            dispatcher.utter_message(response="utter_helper_removed")
        return reset


# ---- changing what a helper may do ---------------------------------------------------------


def _current(found: Candidate) -> List[str]:
    return list(found.helper.permissions) if found.helper else []


def _with_change(current: List[str], change: Dict[str, Any]) -> List[str]:
    """``current`` with one permission granted or withdrawn."""
    permission, granted = change["permission"], bool(change["granted"])
    kept = [p for p in current if p != permission]
    return [*kept, permission] if granted else kept


class ActionStartChangeHelper(Action):
    """Which helper and what change the message says; a clear withdrawal is done at once."""

    def name(self) -> str:
        return "action_start_change_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        pool = candidates(customer_id) if customer_id else []
        if not pool:
            return _no_helpers(dispatcher)
        said = _said(tracker)
        clear = hear_change(said, catalogue_language(tracker)).clear
        picked = pick(customer_id, said, pool)
        if picked is not None and clear is not None and not clear[1]:
            permission = clear[0]
            family().set_permission(
                customer_id, picked.id, permission, False, channel=channel_of(tracker)
            )
            dispatcher.utter_message(
                response="utter_helper_permission_withdrawn",
                helper_name=picked.name,
                ability=text(
                    f"helper_can_{permission}", channel_of(tracker), catalogue_language(tracker)
                ),
            )
            return [*_fresh(tracker), SlotSet(HELPER_STEP, DONE)]
        events = _fresh(tracker)
        change = {"permission": clear[0], "granted": clear[1]} if clear else None
        if picked is not None and change and (change["permission"] in _current(picked)):
            # Already allowed: nothing to change, nothing to ask.
            dispatcher.utter_message(
                response="utter_helper_permissions_unchanged", helper_name=picked.name
            )
            return [*events, SlotSet(HELPER_STEP, DONE)]
        if change:
            events.append(SlotSet(CHANGE, change))
        if change or channel_of(tracker) != SMS:
            events.append(SlotSet(PERMISSION_NUMBERS, ""))  # no numbered list to ask
        if picked is not None:
            values = choice_values(picked)
            if change:
                values.update(permission_values(_with_change(_current(picked), change)))
                values[PERMISSION_NUMBERS] = ""
            events += [SlotSet(k, v) for k, v in values.items()]
        return [*events, SlotSet(HELPER_STEP, FORM)]


def change_details(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The change the slots describe, as read back (None while incomplete)."""
    granted = granted_permissions(tracker)
    key = tracker.get_slot(HELPER_CHOICE)
    if granted is None or not key:
        return None
    return {"helper": key, "name": tracker.get_slot("helper_name"), "permissions": granted}


class ValidateHelperPermissionsForm(ChoosesAHelper, PermissionSteps, ReadBackFormValidation):
    confirm_slot = "helper_change_confirmed"
    kind = HELPER_GRANT
    read_back_slots = (HELPER_CHOICE, PERMISSION_NUMBERS, *PERMISSION_SLOTS.values())
    own_intents = frozenset({"change_helper_permissions"})

    def name(self) -> str:
        return "validate_helper_permissions_form"

    def details(self, tracker: Tracker) -> Optional[Dict[str, Any]]:
        return change_details(tracker)

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if self._gives_more(tracker) is False:
            slots = [s for s in slots if s != self.confirm_slot]  # less is done at once
        return slots

    def _gives_more(self, tracker: Tracker) -> Optional[bool]:
        """Whether the answers give the helper more than now (None while unanswered)."""
        granted = granted_permissions(tracker)
        found = chosen(tracker, self._pool(tracker))
        if granted is None or found is None:
            return None
        return bool(set(granted) - set(_current(found)))

    def chosen_values(self, tracker: Tracker, found: Candidate) -> Dict[str, Any]:
        values = choice_values(found)
        change = tracker.get_slot(CHANGE)
        if isinstance(change, dict):
            values.update(permission_values(_with_change(_current(found), change)))
            values[PERMISSION_NUMBERS] = ""
        return values

    async def extract_helper_change_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        return await self.extract_confirmation(tracker)


class ActionAskHelperChangeConfirmed(Action):
    """More for a helper, read back: "Linda Chen will be able to ... Shall I do that?"."""

    def name(self) -> str:
        return "action_ask_helper_change_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        details = change_details(tracker)
        if details is None:
            return []
        abilities = ability_words(
            details["permissions"],
            channel_of(tracker),
            catalogue_language(tracker),
            locale_of(tracker),
        )
        dispatcher.utter_message(
            response="utter_confirm_helper_permissions",
            json_message=readback_payload(HELPER_GRANT, details),
            abilities=abilities,
        )
        return []


class ActionSubmitChangeHelper(Action):
    """Less at once; more only after a plain yes to its read-back."""

    def name(self) -> str:
        return "action_submit_change_helper"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        reset = [SlotSet(name, None) for name in (*HELPER_CHANGE_SLOTS, *HELPER_INVITE_SLOTS)]
        customer_id = verified_customer_id(tracker)
        found = chosen(tracker, candidates(customer_id)) if customer_id else None
        details = change_details(tracker)
        if found is None or details is None:
            dispatcher.utter_message(response="utter_helper_permissions_unchanged")
            return reset
        wanted, current = set(details["permissions"]), set(_current(found))
        if wanted - current:
            if not tracker.get_slot("helper_change_confirmed"):
                dispatcher.utter_message(response="utter_helper_permissions_unchanged")
                return reset
            confirmation = use_confirmation(tracker, HELPER_GRANT, details)
            if confirmation is None:
                dispatcher.utter_message(response="utter_helper_permissions_not_confirmed")
                return reset
            readbacks().record_outcome(confirmation.id, {"status": "changed"})
        elif wanted == current:
            dispatcher.utter_message(response="utter_helper_permissions_unchanged")
            return reset
        channel = channel_of(tracker)
        for permission in PERMISSION_SLOTS:
            if (permission in wanted) != (permission in current):
                family().set_permission(
                    customer_id, found.id, permission, permission in wanted, channel=channel
                )
        if not wanted:
            dispatcher.utter_message(response="utter_helper_permissions_none")
            return reset
        abilities = ability_words(wanted, channel, catalogue_language(tracker), locale_of(tracker))
        dispatcher.utter_message(response="utter_helper_permissions_changed", abilities=abilities)
        return reset
