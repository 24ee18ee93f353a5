"""Plain, immutable views returned by the banking services. No ORM object ever leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from assistant.clock import local_date
from assistant.money import Money


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    phone: str
    preferred_channel: str  # voice | sms | web
    speech_rate: str  # normal | slow
    text_size: str  # normal | large
    locale: str
    vulnerable: bool


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
    """One movement on one of the customer's accounts; ``amount`` negative = money out."""

    reference: str
    created_at: datetime
    description: str
    counterparty: str
    amount: Money
    account_kind: str

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
