"""Slot names the forms use, and how to clear them."""

from __future__ import annotations

from typing import List

from rasa_sdk.events import EventType, SlotSet

from family.links.permissions import PERMISSIONS

PAYMENT_SLOTS = (
    "recipient",
    "amount",
    "from_account",
    "payment_confirmed",
    "payment_kind",
    "payment_reference",
)
NEW_PAYEE_SLOTS = ("new_payee_name", "new_payee_account", "new_payee_confirmed")
# Family helpers: what each permission's yes-or-no answer is kept in, in the order offered.
PERMISSION_SLOTS = {name: f"helper_perm_{name}" for name in PERMISSIONS}
# The SMS way to choose them: one numbered list ("reply 1 3 4"); empty on other channels.
PERMISSION_NUMBERS = "helper_permission_numbers"
HELPER_INVITE_SLOTS = (
    "helper_name",
    "helper_phone",
    "helper_phone_confirmed",
    PERMISSION_NUMBERS,
    *PERMISSION_SLOTS.values(),
    "helper_invite_confirmed",
)
# Which helper (or open invitation) a request is about: "link:<id>" or "invitation:<id>".
HELPER_CHOICE = "helper_link"
HELPER_CHANGE_SLOTS = (
    HELPER_CHOICE,
    "helper_change",
    "helper_remove_confirmed",
    "helper_change_confirmed",
)
HELD_SLOTS = ("held_payment", "held_cancel_confirmed")
# A safety limit (actions/safety_limits.py): which one, its new value, and the read-back's yes.
SAFETY_LIMIT_SLOTS = ("safety_limit_name", "safety_limit_value", "safety_limit_confirmed")
# What the start of a helper or held-payment request decided: "form" (ask on) or "done".
HELPER_STEP = "helper_step"

OWN_ACCOUNT_PREFIX = "account:"


FORM_SLOTS = (
    *PAYMENT_SLOTS,
    *NEW_PAYEE_SLOTS,
    *HELPER_INVITE_SLOTS,
    *HELPER_CHANGE_SLOTS,
    *HELD_SLOTS,
    *SAFETY_LIMIT_SLOTS,
)


def reset_form_slots() -> List[EventType]:
    return [SlotSet(name, None) for name in FORM_SLOTS]
