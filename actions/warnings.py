""" "Any scam warnings?": the warnings fraud-operations staff published that are in force now.

Before the PIN only the warnings for everyone are read (one for a group would tell a caller
who is in it); once verified, the customer's own too, and each one read counts as heard (no
conversation opens with it again, and their text or call of it not sent yet is cancelled).
Each is read in its medium's words: the call's script by phone, the text message by text, the
title and opener on screens. By text only the newest is read, to keep to one text. With none
in force, the standing advice.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import broadcasts, verified_customer_id

#: How many warnings one answer reads (newest first), by the conversation's channel.
MOST_READ = {"sms": 1}
MOST_READ_ELSEWHERE = 3


class ActionLatestWarnings(Action):
    def name(self) -> str:
        return "action_latest_warnings"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        customer_id = verified_customer_id(tracker)
        service = broadcasts()
        channel = tracker.get_latest_input_channel() or ""
        found = service.current(customer_id)[: MOST_READ.get(channel, MOST_READ_ELSEWHERE)]
        if not found:
            dispatcher.utter_message(response="utter_no_current_warnings")
            return []
        if channel != "sms":  # a text message's warning says who it is from itself
            intro = "utter_current_warning" if len(found) == 1 else "utter_current_warnings"
            dispatcher.utter_message(response=intro)
        for warning in found:
            dispatcher.utter_message(
                response="utter_scam_warning",
                title=warning.title,
                warning=warning.opener_text,
                sms_warning=warning.sms_text,
                voice_warning=warning.voice_text,
            )
            if customer_id is not None:
                service.mark_heard(warning.id, customer_id, "asked")
        return []
