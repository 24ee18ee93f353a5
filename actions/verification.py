"""Account details and money movement need the PIN in this conversation.

The gateway checks the PIN; the action only learns "verified as customer N" from the
conversation record. When it is missing, the action asks for it (the response carries a
``pin_request`` marker the gateway acts on) and the gateway replays the request afterwards.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import verified_customer_id


def require_verified(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[int]:
    """The verified customer's id, or None after asking for the PIN.

    A number we do not know is asked for the PIN too (the gateway fails every attempt exactly
    like a wrong PIN): no answer before the PIN tells whether a number banks here.
    """
    customer_id = verified_customer_id(tracker)
    if customer_id is not None:
        return customer_id
    dispatcher.utter_message(response="utter_ask_pin")
    return None


class ActionCheckVerified(Action):
    """Sets ``verified`` so the rules can start a money form or wait for the PIN."""

    def name(self) -> str:
        return "action_check_verified"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return [SlotSet("verified", require_verified(dispatcher, tracker) is not None)]


class VerifiedAction(Action, ABC):
    """An action about the customer's own money or card: it runs once the PIN was given."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = require_verified(dispatcher, tracker)
        if customer_id is None:
            return []
        return self.act(dispatcher, tracker, customer_id)

    @abstractmethod
    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        """Do the work for the verified ``customer_id``."""
