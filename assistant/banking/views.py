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
    available: Money  # balance plus overdraft limit, less the held money
    held: Money  # reserved for held payments: still in the balance, not available


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
    """Result of a money movement. ``replayed`` is True when an idempotent retry returned it.

    ``held``: the payment waits instead of moving (DESIGN.md section 8); ``reference`` is then
    the held payment's (kept by the ledger transaction when it is released), its money is
    reserved, ``hold_conditions`` names what it waits for ("cosign", ...) and
    ``hold_deadline`` is the earliest of their deadlines.
    """

    reference: str
    amount: Money
    from_account: AccountView
    to_description: str
    created_at: datetime
    replayed: bool = False
    held: bool = False
    hold_deadline: datetime | None = None
    hold_conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class HoldConditionView:
    """One reason a held payment waits. ``status``: pending, met, failed or expired."""

    kind: str  # cosign | cooling_off | agent_check
    status: str
    deadline: datetime
    decided_at: datetime | None
    decided_by: str | None  # "helper:3", "customer:1", "system"
    note: str | None


@dataclass(frozen=True)
class HeldPaymentView:
    """A held payment. ``status``: held, then exactly one of released, declined, expired or
    cancelled, decided at ``decided_at`` by ``outcome_by``. ``pending`` names the conditions
    still waiting, ``deadline`` is the earliest of their deadlines."""

    id: int
    reference: str
    customer_id: int
    op: str  # pay_payee | transfer
    amount: Money
    counterparty: str  # the payee's name, or the target account's
    payee_id: int | None
    from_account_kind: str
    channel: str
    status: str
    pending: tuple[str, ...]
    deadline: datetime | None
    created_at: datetime
    decided_at: datetime | None
    outcome_by: str | None
    note: str | None
    transaction_reference: str | None  # the ledger transaction, once released
    conditions: tuple[HoldConditionView, ...]


@dataclass(frozen=True)
class HoldOutcome:
    """What one decision on a held payment did. ``result``:

    - "released", "declined", "expired", "cancelled": this call ended the hold so;
    - "already": it had ended before (``hold.status`` says how, ``hold.outcome_by`` who);
    - "waiting": this call was recorded, and other conditions still hold the payment.
    """

    result: str
    hold: HeldPaymentView

    ENDINGS: ClassVar[tuple[str, ...]] = ("released", "declined", "expired", "cancelled")

    @property
    def decided_now(self) -> bool:
        """This call gave the hold its one outcome."""
        return self.result in self.ENDINGS
