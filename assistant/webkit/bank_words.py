"""Words every page set shows about the bank's own things: account titles and what each kind
of money movement was. One list, so the customer pages and the helper portal say the same."""

from __future__ import annotations

from typing import Callable

from assistant.banking.views import TransactionView
from assistant.webkit.i18n import N_

ACCOUNT_TITLES = {"checking": N_("Checking"), "savings": N_("Savings")}

# What each kind of movement was (assistant/banking/ledger.py TransactionKind): %(counterparty)s
# is the payee, payer or shop; for a transfer the other account, %(account)s this one.
TRANSACTION_WORDS = {
    "opening_balance": N_("Balance brought forward"),
    "deposit": N_("Payment from %(counterparty)s"),
    "pension": N_("Pension payment"),
    "interest": N_("Interest"),
    "card_purchase": N_("Card purchase"),
    "payment": N_("Payment to %(counterparty)s"),
    "bill_payment": N_("Payment to %(counterparty)s"),
    "transfer_out": N_("Transfer from %(account)s to %(counterparty)s"),
    "transfer_in": N_("Transfer from %(counterparty)s to %(account)s"),
}


def transaction_words(say: Callable[..., str], item: TransactionView) -> str:
    """What a movement was, by its kind ("Payment to Tom"); a kind without words: who with.
    ``say`` is the page's gettext (``page._``)."""
    direction = ("_out" if item.amount.is_negative else "_in") if item.kind == "transfer" else ""
    message = TRANSACTION_WORDS.get(item.kind + direction)
    if message is None:
        return item.counterparty
    return say(message, counterparty=item.counterparty, account=item.account_name)
