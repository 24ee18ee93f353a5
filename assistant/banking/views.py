"""Plain, immutable views returned by the banking services. No ORM object ever leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from assistant.banking.ledger import TRANSACTION_KINDS
from assistant.clock import local_date
from assistant.money import Money


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    address_as: str  # how they like to be greeted ("Margaret"); may be empty
    phone: str
    preferred_channel: str  # voice | sms | web
    speech_rate: str  # normal | slow
    text_size: str  # normal | large
    locale: str
    vulnerable: bool

    @property
    def form_of_address(self) -> str:
        """The name to greet them by: ``address_as``, else the whole name (never a guess)."""
        return self.address_as.strip() or self.name


@dataclass(frozen=True)
class AccountView:
    """A customer account. Only the last four digits of its number, never the full number."""

    kind: str  # checking | savings
    name: str
    last4: str
    balance: Money
    available: Money  # balance plus overdraft limit


@dataclass(frozen=True)
class TransactionView:
    """One movement on one of the customer's accounts; ``amount`` negative = money out.

    ``kind`` is one of ``TRANSACTION_KINDS`` (``assistant.banking.ledger.TransactionKind``);
    channels turn kind and counterparty into words from their catalogues. For a transfer the
    counterparty is the other account's name, ``account_name`` this one's.
    """

    reference: str
    created_at: datetime
    kind: str
    counterparty: str
    amount: Money
    account_kind: str
    account_name: str

    KINDS: ClassVar[tuple[str, ...]] = TRANSACTION_KINDS  # every value ``kind`` can take

    @property
    def date(self) -> date:
        """The bank-local calendar day of ``created_at`` (aware UTC)."""
        return local_date(self.created_at)


@dataclass(frozen=True)
class PayeeView:
    id: int
    name: str
    kind: str  # person | bill
    relationship: str  # "daughter", "electric bill", ...
    account_last4: str


@dataclass(frozen=True)
class CardView:
    last4: str
    status: str  # active | frozen | lost
    account_kind: str


@dataclass(frozen=True)
class Receipt:
    """Result of a money movement. ``replayed`` is True when an idempotent retry returned it."""

    reference: str
    amount: Money
    from_account: AccountView
    to_description: str
    created_at: datetime
    replayed: bool = False
