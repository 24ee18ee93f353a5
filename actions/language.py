"""The conversation's language and locale, from the gateway's metadata on every message."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

#: Slots filled from the metadata of the same name (the gateway's ``TurnHandler._metadata``).
LANGUAGE_SLOTS = ("language", "locale")


class ActionConversationLanguage(Action):
    """Sets ``language`` and ``locale`` from the latest message's metadata when they change.

    Named in both slots' custom mapping, so Rasa's ``action_extract_slots`` runs it after every
    user message, on every channel. A message without them (``rasa shell``) keeps the slots.
    """

    def name(self) -> str:
        return "action_conversation_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        message = tracker.get_last_event_for("user") or {}
        metadata = message.get("metadata") or {}
        return [
            SlotSet(slot, metadata[slot])
            for slot in LANGUAGE_SLOTS
            if isinstance(metadata.get(slot), str)
            and metadata[slot]
            and metadata[slot] != tracker.get_slot(slot)
        ]
