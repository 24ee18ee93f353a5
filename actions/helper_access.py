"""Who may see the account, who looked, and bringing a helper into the call (issue 9 items 3,
6 and 7)."""

from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import family
from actions.formatting import catalogue_language, locale_of, names_list
from actions.helper_choice import candidates, named_in
from actions.helper_forms import SMS, channel_of
from actions.helper_words import ability_words
from actions.verification import VerifiedAction
from assistant.messaging.sms_text import segment_info, to_gsm7
from assistant.settings import get_settings
from assistant.texts import text
from family.links.activity import describe
from family.links.permissions import JOIN_CALLS

VOICE = "voice"
#: The latest views told by voice (the rest are on the website); on a screen a few more.
WHO_LOOKED_SPOKEN, WHO_LOOKED_SHOWN, WHO_LOOKED_TEXTED = 3, 5, 10
ACTIVE = "active"


class ActionListHelpers(VerifiedAction):
    """ "Who can see my account": each helper and what they may do, then open invitations."""

    def name(self) -> str:
        return "action_list_helpers"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        service = family()
        helpers = service.list_helpers(customer_id)
        invitations = service.list_invitations(customer_id)
        if not helpers and not invitations:
            dispatcher.utter_message(response="utter_no_helpers")
            return []
        channel, language, locale = (
            channel_of(tracker),
            catalogue_language(tracker),
            locale_of(tracker),
        )
        for helper in helpers:
            if helper.status != ACTIVE:
                dispatcher.utter_message(response="utter_helper_line_waiting", helper=helper.name)
            elif helper.permissions:
                dispatcher.utter_message(
                    response="utter_helper_line",
                    helper=helper.name,
                    abilities=ability_words(helper.permissions, channel, language, locale),
                )
            else:
                dispatcher.utter_message(response="utter_helper_line_nothing", helper=helper.name)
        for invitation in invitations:
            dispatcher.utter_message(
                response="utter_helper_line_invited", helper=invitation.helper_name
            )
        return []


class ActionWhoLooked(VerifiedAction):
    """ "Who looked at my account": the latest helper views in plain words, at most three by
    voice, as many as fit one text message by SMS, and where to see the rest."""

    def name(self) -> str:
        return "action_who_looked"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        channel, language = channel_of(tracker), catalogue_language(tracker)
        limit = {VOICE: WHO_LOOKED_SPOKEN, SMS: WHO_LOOKED_TEXTED}.get(channel, WHO_LOOKED_SHOWN)
        entries = family().who_looked(customer_id, limit=limit + 1)
        if not entries:
            words = text("family_nobody_looked", channel, language)
            dispatcher.utter_message(response="utter_who_looked", entries=words)
            return []
        settings, locale = get_settings(), locale_of(tracker)
        lines = [describe(e, settings, channel, language, locale) for e in entries[:limit]]
        more = text("family_looked_more", channel, language)
        if channel == SMS:
            # One text message: the newest that fit, then where the rest are.
            while len(lines) > 1 and not _one_segment(" ".join([*lines, more])):
                lines.pop()
        shown = " ".join(lines)
        if len(entries) > len(lines):
            shown = f"{shown} {more}"
        dispatcher.utter_message(response="utter_who_looked", entries=shown)
        return []


def _one_segment(words: str) -> bool:
    return segment_info(to_gsm7(words)).segments == 1


class ActionCallHelper(VerifiedAction):
    """ "Get Linda on the line": on a call, the helper who may join is rung into it (the voice
    channel does the rest); elsewhere, how to ask for them on a call."""

    def name(self) -> str:
        return "action_call_helper"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        pool = [
            c
            for c in candidates(customer_id)
            if c.helper and c.helper.status == ACTIVE and JOIN_CALLS in c.helper.permissions
        ]
        if not pool:
            dispatcher.utter_message(response="utter_no_helper_for_calls")
            return []
        named = named_in(customer_id, tracker.latest_message.get("text") or "", pool)
        if len(named) != 1 and len(pool) > 1:
            choices = named or pool
            language = catalogue_language(tracker)
            dispatcher.utter_message(
                response="utter_which_helper_to_call",
                choices=names_list((c.name for c in choices), "or", locale_of(tracker)),
                buttons=[
                    {
                        "title": c.name,
                        "payload": text("call_helper_request", language=language, helper=c.name),
                    }
                    for c in choices
                ],
            )
            return []
        helper = named[0] if named else pool[0]
        if channel_of(tracker) != VOICE:
            dispatcher.utter_message(response="utter_call_helper_by_phone", helper=helper.name)
            return []
        dispatcher.utter_message(
            response="utter_calling_helper",
            helper=helper.name,
            json_message={"conference": {"link_id": helper.id}},
        )
        return []
