"""Changing the PIN (the gateway takes the new one) and a forgotten PIN (only a person)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import banking, claimed_customer_id
from actions.verification import VerifiedAction


class ActionChangePin(VerifiedAction):
    """Once the current PIN was given: ask for the new one.

    The response carries ``pin_change``: the gateway then reads the next two messages as the
    new PIN and its repeat, and they never reach the assistant.
    """

    def name(self) -> str:
        return "action_change_pin"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_new_pin")
        return []


class ActionForgotPin(Action):
    """A forgotten PIN is reset only by a person: say how to reach one, and record the ask."""

    def name(self) -> str:
        return "action_forgot_pin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        banking().record_audit(
            "assistant",
            "pin_reset_requested",
            claimed_customer_id(tracker),
            {"channel": tracker.get_latest_input_channel(), "conversation_id": tracker.sender_id},
        )
        dispatcher.utter_message(response="utter_forgot_pin")
        return []
