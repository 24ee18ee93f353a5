"""The scams the bank names, and which one a set of signals points to (no database).

Signals come from the customer's words (the NLU's ``scam_signal`` names, :data:`WORD_SIGNALS`)
and from the payment (:data:`PAYMENT_SIGNALS`, computed from the ledger by
:class:`fraud.scam_rule.ScamRule`). The warning names one scam, the most telling one heard:
a "safe account" says more than "hurry". A payment that only looks unusual is named
``unusual_payment``. Each scam's plain words live in the catalogues as ``scam_warning_<scam>``.
"""

from __future__ import annotations

from collections.abc import Iterable

# Heard in the words (nlu.scam_signals.SIGNALS).
TOLD_BY_CALLER = "told_by_caller"
SAFE_ACCOUNT = "safe_account"
GIFT_CARDS = "gift_cards"
CRYPTO = "crypto"
RELATIVE_IN_TROUBLE = "relative_in_trouble"
IMPERSONATION = "impersonation"
REMOTE_ACCESS = "remote_access"
SECRECY = "secrecy"
URGENCY = "urgency"
WORD_SIGNALS: tuple[str, ...] = (
    TOLD_BY_CALLER,
    SAFE_ACCOUNT,
    GIFT_CARDS,
    CRYPTO,
    RELATIVE_IN_TROUBLE,
    IMPERSONATION,
    REMOTE_ACCESS,
    SECRECY,
    URGENCY,
)

# Seen in the payment.
NEW_PAYEE = "new_payee"  # the first payment to this payee
RECENT_PAYEE = "recent_payee"  # ... and the payee was added in the last day
UNUSUAL_AMOUNT = "unusual_amount"  # far above the customer's usual
RAPID_PAYMENTS = "rapid_payments"  # several payments in a short time
CUSTOMER_CHOICE = "customer_choice"  # the customer asked for a pause on every new payee
PAYMENT_SIGNALS: tuple[str, ...] = (
    NEW_PAYEE,
    RECENT_PAYEE,
    UNUSUAL_AMOUNT,
    RAPID_PAYMENTS,
    CUSTOMER_CHOICE,
)

UNUSUAL_PAYMENT = "unusual_payment"
NEW_PAYEE_PAUSE = "new_payee_pause"

#: The scam a signal points to, most telling first: the first one heard names the scam.
SCAM_ORDER: tuple[str, ...] = (
    SAFE_ACCOUNT,
    RELATIVE_IN_TROUBLE,
    GIFT_CARDS,
    CRYPTO,
    REMOTE_ACCESS,
    IMPERSONATION,
    TOLD_BY_CALLER,
    SECRECY,
    URGENCY,
)
#: Every scam a warning can name (each has its ``scam_warning_<scam>`` text).
SCAMS: tuple[str, ...] = (*SCAM_ORDER, UNUSUAL_PAYMENT, NEW_PAYEE_PAUSE)


def word_signals(names: Iterable[str]) -> list[str]:
    """The known word signals in ``names``, each once, in :data:`WORD_SIGNALS` order (an
    unknown name from a channel is dropped)."""
    wanted = set(names or ())
    return [name for name in WORD_SIGNALS if name in wanted]


def name_scam(signals: Iterable[str]) -> str:
    """The scam the signals point to: the most telling word signal, else an unusual payment
    (or the customer's own pause on new payees when that is all there is); "" for none."""
    heard = set(signals)
    for scam in SCAM_ORDER:
        if scam in heard:
            return scam
    if CUSTOMER_CHOICE in heard and not heard & {UNUSUAL_AMOUNT, RAPID_PAYMENTS}:
        return NEW_PAYEE_PAUSE
    return UNUSUAL_PAYMENT if heard else ""


def warning_key(scam: str) -> str:
    """The catalogue key of the warning that names ``scam``."""
    return f"scam_warning_{scam if scam in SCAMS else UNUSUAL_PAYMENT}"
