"""Two actions for the action server's tests: one that answers, one that fails."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionTestEcho(Action):
    def name(self) -> str:
        return "action_test_echo"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(text="echo")
        return [SlotSet("echoed", tracker.latest_message.get("text"))]


class ActionTestFails(Action):
    def name(self) -> str:
        return "action_test_fails"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        raise RuntimeError(f"failed on {tracker.latest_message.get('text')}")
