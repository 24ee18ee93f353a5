"""Slot names the forms use, and how to clear them."""

from __future__ import annotations

from typing import List

from rasa_sdk.events import EventType, SlotSet

PAYMENT_SLOTS = (
    "recipient",
    "amount",
    "from_account",
    "payment_confirmed",
    "payment_kind",
    "payment_reference",
)
NEW_PAYEE_SLOTS = ("new_payee_name", "new_payee_account", "new_payee_confirmed")

OWN_ACCOUNT_PREFIX = "account:"


def reset_form_slots() -> List[EventType]:
    return [SlotSet(name, None) for name in (*PAYMENT_SLOTS, *NEW_PAYEE_SLOTS)]
