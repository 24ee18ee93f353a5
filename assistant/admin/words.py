"""The console's words for what the services return (roles, channels, why a payment waits, how
it ended, scam signals and the scams named), as English source texts marked for the catalogue
with ``N_``; the pages translate them when they show them. A code the console has no words for
yet is shown as it is stored, so nothing recorded is ever hidden from review."""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List

from assistant.webkit.i18n import N_

Say = Callable[..., str]

ROLES = {
    "agent": N_("call-centre agent"),
    "fraud": N_("fraud operations"),
    "admin": N_("administrator"),
}

CHANNELS = {
    "voice": N_("Phone call"),
    "sms": N_("Text message"),
    "web": N_("Website"),
    "chat": N_("Chat"),
    "portal": N_("Helper website"),
}

# Why a held payment waits (assistant.banking.holds condition kinds).
CONDITIONS = {
    "cosign": N_("A helper's approval"),
    "cooling_off": N_("A pause to protect the customer from a scam"),
    "agent_check": N_("A check by the bank's staff"),
}

# A held payment's status (assistant.banking.held_payments).
HOLD_STATUSES = {
    "held": N_("Waiting"),
    "released": N_("Released: the money has gone"),
    "declined": N_("Declined: no money moved"),
    "expired": N_("Expired: no money moved"),
    "cancelled": N_("Cancelled by the customer: no money moved"),
}

# What a staff member's release did (assistant.banking.views.HoldOutcome.result).
RELEASE_RESULTS = {
    "released": N_("You released the payment. The money has gone to %(payee)s."),
    "expired": N_(
        "Nobody answered in time, so this payment had already expired. No money moved and "
        "nothing changed."
    ),
    "already": N_("This payment had already ended before your release, so nothing changed."),
    "waiting": N_("Your release is recorded, but the payment still waits."),
}

# Scam signals (fraud.scams: WORD_SIGNALS heard in the customer's words, PAYMENT_SIGNALS seen
# in the payment).
SIGNALS = {
    "told_by_caller": N_("Someone on the phone told them to move money"),
    "safe_account": N_("A \u201csafe account\u201d"),
    "gift_cards": N_("Gift cards or vouchers"),
    "crypto": N_("Cryptocurrency"),
    "relative_in_trouble": N_("A grandchild or relative in trouble, needing bail or fees"),
    "impersonation": N_("A caller claiming to be the police, the bank or the tax office"),
    "remote_access": N_("A remote-access app"),
    "secrecy": N_("Told to keep it secret"),
    "urgency": N_("Pressure to hurry"),
    "new_payee": N_("The first payment to this payee"),
    "recent_payee": N_("A payee added in the last 24 hours"),
    "unusual_amount": N_("An amount far above their usual"),
    "rapid_payments": N_("Several payments in a short time"),
    "customer_choice": N_("The customer asked for a pause on every new payee"),
}

# The scam a warning named (fraud.scams.SCAMS).
SCAMS = {
    "safe_account": N_("Safe account scam"),
    "relative_in_trouble": N_("Relative in trouble scam"),
    "gift_cards": N_("Gift card scam"),
    "crypto": N_("Cryptocurrency scam"),
    "remote_access": N_("Remote-access scam"),
    "impersonation": N_("Police, bank or tax office impersonation"),
    "told_by_caller": N_("A caller telling them to move money"),
    "secrecy": N_("Someone telling them to keep it secret"),
    "urgency": N_("Someone rushing them"),
    "unusual_payment": N_("Unusual payment"),
    "new_payee_pause": N_("The customer's own pause on new payees"),
}

ACTIONS = {
    "warned": N_("Warned the customer"),
    "held": N_("Warned the customer and held the payment"),
}

OUTCOMES = {
    "pending": N_("The payment is still waiting"),
    "released": N_("The payment was released"),
    "declined": N_("The payment was declined"),
    "expired": N_("The payment expired"),
    "cancelled": N_("The customer cancelled the payment"),
}


def word(say: Say, words: Dict[str, str], code: str) -> str:
    """The words for ``code`` in this request's language, else the code as stored."""
    return say(words[code]) if code in words else code


def words_for(say: Say, words: Dict[str, str], codes: Iterable[str]) -> List[str]:
    return [word(say, words, code) for code in codes]


REVIEW_SAVED = N_("Your review note is saved.")

# ---- warnings (fraud.broadcasts) --------------------------------------------------------------

STATES = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "cancelled": N_("Cancelled"),
}

URGENCIES = {
    "normal": N_("Normal"),
    "high": N_("High"),
    "urgent": N_("Urgent"),
}

AGE_BANDS = {
    "under_60": N_("Under 60"),
    "60_to_74": N_("60 to 74"),
    "75_and_over": N_("75 and over"),
}

PREFERRED_CHANNELS = {
    "voice": N_("Phone calls"),
    "sms": N_("Text messages"),
    "web": N_("The website"),
}

HAS_HELPER = {
    "any": N_("With or without a helper"),
    "yes": N_("Only customers with a family helper"),
    "no": N_("Only customers without a family helper"),
}

MEDIA = {
    "voice_text": N_("Automated call script"),
    "sms_text": N_("Text message"),
    "banner_text": N_("Web banner"),
    "opener_text": N_("Conversation opener"),
    "opener_sms": N_("Conversation opener, by text"),
}

# How far a warning got (fraud.broadcasts.views.BroadcastStatus), each customer in one count.
COUNTS = {
    "queued": N_("Waiting to send"),
    "deferred": N_("Held back for quiet hours"),
    "sent": N_("Sent, no report yet"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
    "opted_out": N_("Opted out"),
    "cancelled": N_("Not sent: cancelled or heard first"),
    "web": N_("Web and conversations only"),
    "heard": N_("Heard it in a conversation"),
}

PROGRESS = {
    "draft": N_("Not published yet."),
    "going": N_("Sending: the numbers update as it goes."),
    "done": N_("Finished: nothing more will be sent."),
    "cancelled_going": N_("Cancelled: stopping what had not been sent."),
    "cancelled": N_("Cancelled: nothing more will be sent."),
}

SAVED = N_("The warning is saved as a draft. Check it below before you publish it.")
PUBLISHED = N_("The warning is published. Its delivery is below.")
CANCELLED = N_("The warning is cancelled. Nothing more will be sent.")
ALREADY_PUBLISHED = N_(
    "This warning was already published by %(by)s on %(when)s. Nothing has changed."
)
ALREADY_CANCELLED = N_("This warning was already cancelled. Nothing has changed.")
CANCELLED_NOT_PUBLISHED = N_("This warning was cancelled, so it cannot be published.")
NOT_A_DRAFT = N_("This warning is no longer a draft, so it cannot be changed.")
