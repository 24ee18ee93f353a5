"""Answers that are not answers: what a form must leave alone so the rules can answer them.

Half way through a form, "how much is in my savings" asks for the balance; it does not say
where the money should come from, and "did I pay Tom last week" does not change who is paid.
A message whose intent asks for something else is not read for the form's slots at all: the
form then takes nothing, Rasa lets the rules answer it (data/rules.yml, "Inside a form"), and
the form asks its question again. A plain yes or no, thanks, help, repeat or a change of pace
are left to each form's own extraction (a yes can carry an answer: "yes, from savings").
"""

from __future__ import annotations

from abc import abstractmethod
from typing import List, Optional

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

#: Intents that ask for something else (or end the conversation): never a slot's answer.
ASKS_FOR_SOMETHING_ELSE = frozenset(
    {
        "goodbye",
        "cancel",
        "check_balance",
        "recent_transactions",
        "ask_amount_due",
        "talk_to_human",
        "report_fraud",
        "latest_warnings",
        "freeze_card",
        "unfreeze_card",
        "report_lost_card",
        "add_helper",
        "remove_helper",
        "list_helpers",
        "who_looked",
        "held_payments",
        "cancel_held_payment",
        "change_helper_permissions",
        "call_helper",
        "change_pin",
        "forgot_pin",
        "set_safety_limit",
        "safety_limits",
    }
)
#: Intents of the conversation itself; with the above, never a name or number typed in full.
CONVERSATIONAL = frozenset(
    {
        "greet",
        "affirm",
        "deny",
        "thank_you",
        "help",
        "repeat",
        "speak_slower",
        "speak_faster",
        "out_of_scope",
    }
)


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def asks_for_something_else(tracker: Tracker) -> bool:
    return latest_intent(tracker) in ASKS_FOR_SOMETHING_ELSE


def is_free_text_answer(tracker: Tracker) -> bool:
    """Whether the latest message may be taken word for word (a new payee's name)."""
    intent = latest_intent(tracker)
    return intent not in ASKS_FOR_SOMETHING_ELSE and intent not in CONVERSATIONAL


class LeavesOtherRequestsAlone(FormValidationAction):
    """Put first among a form validation's bases: requests for something else fill nothing."""

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>`` (abstract, so the action server does not register this mixin)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if tracker.get_slot("requested_slot") and asks_for_something_else(tracker):
            return []
        return await super().run(dispatcher, tracker, domain)
