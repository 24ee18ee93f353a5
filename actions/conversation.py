"""Actions that keep the conversation easy: greeting, help, repeat, pace, fallback, cancel."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import banking, verified_customer_id
from actions.slots import reset_form_slots

BOT_MESSAGE_KEYS = ("text", "buttons", "custom")


def last_bot_turn(tracker: Tracker) -> List[Dict[str, Any]]:
    """The bot messages between the previous two user messages (what to say again)."""
    users_seen = 0
    turn: List[Dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif event.get("event") == "bot" and users_seen == 1:
            turn.append(event)
    return list(reversed(turn))


def say_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    turn = last_bot_turn(tracker)
    for event in turn:
        data = event.get("data") or {}
        dispatcher.utter_message(
            text=event.get("text"),
            buttons=data.get("buttons") or [],
            json_message=data.get("custom"),
        )
    return bool(turn)


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many user turns in a row (ending now) were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return max(count, 1)


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        # Named only once the PIN was given here: a phone number identifies nobody for sure
        # (caller ID can be spoofed), and a name would tell that the number banks here.
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_greet")
        else:
            customer = banking().get_customer(customer_id)
            dispatcher.utter_message(response="utter_greet_by_name", name=customer.form_of_address)
        return []


class ActionHelp(Action):
    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        in_form = bool(tracker.active_loop_name)
        dispatcher.utter_message(response="utter_help_in_form" if in_form else "utter_help")
        return []


class ActionRepeat(Action):
    """Say the last turn again. Inside a form the form asks its question again itself."""

    def name(self) -> str:
        return "action_repeat"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if tracker.active_loop_name:
            return []
        if not say_again(dispatcher, tracker):
            dispatcher.utter_message(response="utter_nothing_to_repeat")
        return []


class ActionSpeakSlower(Action):
    """One step slower. The voice channel keeps each call's pace and applies the step (down to
    its slowest rate, saying so itself); the custom payload says which way to go."""

    step = "slower"
    response = "utter_slower_ok"

    def name(self) -> str:
        return "action_speak_slower"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response=self.response, json_message={"speech_rate": self.step})
        # Inside a form the form asks its question again itself.
        if not tracker.active_loop_name and not say_again(dispatcher, tracker):
            # Nothing said yet (a call opens with the voice channel's own greeting).
            dispatcher.utter_message(response="utter_how_can_i_help")
        return []


class ActionSpeakFaster(ActionSpeakSlower):
    """One step faster again, up to the normal pace."""

    step = "faster"
    response = "utter_faster_ok"

    def name(self) -> str:
        return "action_speak_faster"


class ActionFallback(Action):
    """Ask to rephrase; after two misses offer choices; after three offer a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        misses = consecutive_fallbacks(tracker)
        if misses >= 3:
            dispatcher.utter_message(response="utter_fallback_person")
        elif misses == 2:
            dispatcher.utter_message(response="utter_fallback_choices")
        else:
            dispatcher.utter_message(response="utter_default")
        return []


class ActionCancelForm(Action):
    """Stop whatever was being filled in; nothing moves."""

    response = "utter_cancelled"

    def name(self) -> str:
        return "action_cancel_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        # The form ends with this message: no form is asking any more (assistant.rasa_nlg).
        dispatcher.utter_message(response=self.response, dialogue={"active_loop": None})
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_form_slots()]


class ActionGoodbyeInForm(ActionCancelForm):
    """Goodbye half way through: stop the form and say goodbye, with no question after it
    (on the phone the goodbye ends the call)."""

    response = "utter_goodbye_in_form"

    def name(self) -> str:
        return "action_goodbye_in_form"
