"""Freeze, unfreeze, and report a lost or stolen card."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import banking
from actions.formatting import digits_in_words, locale_of
from actions.verification import VerifiedAction
from assistant.banking.errors import BankingError, CardNotFound


def card_values(prefix: str, last4: str, locale: Optional[str] = None) -> Dict[str, str]:
    return {prefix: last4, f"{prefix}_words": digits_in_words(last4, locale)}


def active_card(customer_id: int) -> Any:
    """The card a request is about: the one that is not lost (customers here hold one)."""
    cards = [c for c in banking().list_cards(customer_id) if c.status != "lost"]
    return cards[0] if cards else None


class ActionFreezeCard(VerifiedAction):
    def name(self) -> str:
        return "action_freeze_card"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        card = active_card(customer_id)
        if card is None:
            dispatcher.utter_message(response="utter_no_card")
        elif card.status == "frozen":
            dispatcher.utter_message(
                response="utter_card_already_frozen",
                **card_values("last4", card.last4, locale_of(tracker)),
            )
        else:
            card = banking().freeze_card(customer_id, card.last4)
            dispatcher.utter_message(
                response="utter_card_frozen", **card_values("last4", card.last4, locale_of(tracker))
            )
        return []


class ActionUnfreezeCard(VerifiedAction):
    def name(self) -> str:
        return "action_unfreeze_card"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        card = active_card(customer_id)
        if card is None:
            dispatcher.utter_message(response="utter_no_card")
        elif card.status != "frozen":
            dispatcher.utter_message(
                response="utter_card_not_frozen",
                **card_values("last4", card.last4, locale_of(tracker)),
            )
        else:
            try:
                card = banking().unfreeze_card(customer_id, card.last4)
            except BankingError:
                dispatcher.utter_message(response="utter_card_lost_cannot_unfreeze")
                return []
            dispatcher.utter_message(
                response="utter_card_unfrozen",
                **card_values("last4", card.last4, locale_of(tracker)),
            )
        return []


class ActionReportLostCard(VerifiedAction):
    """Stops the card at once (it can't be used again) and orders a replacement."""

    def name(self) -> str:
        return "action_report_lost_card"

    def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> List[EventType]:
        card = active_card(customer_id)
        if card is None:
            dispatcher.utter_message(response="utter_no_card")
            return []
        try:
            replacement = banking().report_lost_card(customer_id, card.last4)
        except CardNotFound:
            dispatcher.utter_message(response="utter_no_card")
            return []
        dispatcher.utter_message(
            response="utter_card_reported_lost",
            **card_values("old_last4", card.last4, locale_of(tracker)),
            **card_values("new_last4", replacement.last4, locale_of(tracker)),
        )
        return []
