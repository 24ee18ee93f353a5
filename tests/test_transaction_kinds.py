"""The list of transaction kinds is defined once (``assistant/banking/ledger.py``), each kind
documented and worded in every catalogue that shows transactions."""

from __future__ import annotations

from assistant.banking import TRANSACTION_KINDS, TransactionKind, TransactionView
from assistant.webkit.bank_words import TRANSACTION_WORDS


def test_the_view_exposes_the_ledgers_kinds() -> None:
    assert TransactionView.KINDS == TRANSACTION_KINDS == tuple(k.value for k in TransactionKind)
    assert len(set(TRANSACTION_KINDS)) == len(TRANSACTION_KINDS)


def test_every_kind_says_what_it_is() -> None:
    for kind in TransactionKind:
        assert kind.__doc__ and kind.__doc__ != TransactionKind.__doc__, kind


def test_every_kind_has_words_on_the_web_pages() -> None:
    for kind in TRANSACTION_KINDS:
        wanted = {f"{kind}_out", f"{kind}_in"} if kind == TransactionKind.TRANSFER else {kind}
        assert wanted <= set(TRANSACTION_WORDS), kind
