"""Double-entry posting: balanced legs, balances kept in step in the same DB transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.banking.errors import InsufficientFunds, InvalidAmount
from assistant.models import Account, LedgerTransaction, Posting, utcnow
from assistant.money import Money


class TransactionKind(str, Enum):
    """What a ledger transaction was. Stored as its value with the counterparty; the words a
    customer sees or hears for each kind live in the catalogues (the Rasa responses
    ``utter_transaction_line_<kind>``, the web's texts), made when the transaction is shown."""

    def __new__(cls, value: str, doc: str) -> TransactionKind:
        member = str.__new__(cls, value)
        member._value_ = value
        member.__doc__ = doc
        return member

    OPENING_BALANCE = "opening_balance", "The balance an account started with in this ledger."
    DEPOSIT = "deposit", "Money paid in from outside (a salary, a co-op); counterparty: the payer."
    PENSION = "pension", "A pension or benefit paid in; counterparty: the paying service."
    INTEREST = "interest", "Interest the bank paid on the account; counterparty: the bank."
    CARD_PURCHASE = "card_purchase", "A purchase with the customer's card; counterparty: the shop."
    PAYMENT = "payment", "Money sent to one of the customer's saved people (the payee)."
    BILL_PAYMENT = "bill_payment", "A bill paid to one of the customer's saved companies."
    TRANSFER = (
        "transfer",
        (
            "Money moved between two of the customer's own accounts; on each side the counterparty "
            "is the other account's name, and the amount's sign says which way it went."
        ),
    )


TRANSACTION_KINDS = tuple(kind.value for kind in TransactionKind)

# The bank's own accounts, one per purpose and currency.
PAYMENTS_CLEARING = "payments"  # money leaving to payees
INCOMING_FUNDS = "incoming"  # money arriving from outside (pensions, salaries)
_PURPOSES = {PAYMENTS_CLEARING: ("1", "Payments clearing"), INCOMING_FUNDS: ("2", "Incoming funds")}


def _internal_number(purpose: str, currency: str) -> str:
    digit = _PURPOSES[purpose][0]
    return "990" + digit + "".join(f"{ord(c) - 55:02d}" for c in currency)


def internal_account(session: Session, purpose: str, currency: str) -> Account:
    """The bank's internal account for ``purpose`` in ``currency``, created on first use."""
    number = _internal_number(purpose, currency)
    query = select(Account).where(Account.number == number)
    account = session.execute(query).scalar_one_or_none()
    if account is not None:
        return account
    try:
        with session.begin_nested():
            account = Account(
                customer_id=None,
                kind="internal",
                number=number,
                name=f"{_PURPOSES[purpose][1]} ({currency})",
                currency=currency,
                balance_minor=0,
                overdraft_limit_minor=0,
            )
            session.add(account)
    except IntegrityError:  # created concurrently by another transaction
        account = session.execute(query).scalar_one()
    return account


def lock_accounts(session: Session, ids: Iterable[int]) -> dict[int, Account]:
    """Load accounts with row locks (PostgreSQL FOR UPDATE) in id order, avoiding deadlocks.

    On SQLite the whole transaction already holds the write lock (BEGIN IMMEDIATE).
    """
    query = (
        select(Account)
        .where(Account.id.in_(sorted(set(ids))))
        .order_by(Account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in session.execute(query).scalars()}


def available_minor(account: Account) -> int:
    """What a customer account can pay now: balance plus overdraft limit, less held money."""
    return account.balance_minor + account.overdraft_limit_minor - (account.held_minor or 0)


def new_reference() -> str:
    return secrets.token_hex(5).upper()


def post(
    session: Session,
    *,
    legs: Sequence[tuple[Account, Money]],
    kind: TransactionKind,
    counterparty: str,
    customer_id: int | None = None,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
    payee_id: int | None = None,
    created_at: datetime | None = None,
    reference: str | None = None,
) -> LedgerTransaction:
    """Record one balanced transaction and update every touched balance.

    Customer accounts must already be locked (``lock_accounts``); a debit beyond the money
    available (balance plus overdraft limit, less the money reserved for held payments) raises
    ``InsufficientFunds``. Internal accounts are updated with an atomic ``balance = balance +
    x`` so they need no lock and never serialise customers. ``reference``: a released held
    payment keeps the reference the customer was given when it was held.
    """
    if len(legs) < 2 or sum(m.minor for _, m in legs) != 0:
        raise InvalidAmount("postings must balance to zero")
    for account, money in legs:
        if money.currency != account.currency:
            raise InvalidAmount(f"{money.currency} posting on a {account.currency} account")
    for account, money in legs:
        if account.kind == "internal" or money.minor >= 0:
            continue
        available = available_minor(account)
        if -money.minor > available:
            raise InsufficientFunds(f"account {account.id} has {available} available")
    txn = LedgerTransaction(
        reference=reference or new_reference(),
        customer_id=customer_id,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        kind=TransactionKind(kind).value,
        counterparty=counterparty,
        payee_id=payee_id,
        created_at=created_at or utcnow(),
    )
    session.add(txn)
    session.flush()
    for account, money in legs:
        session.add(
            Posting(
                transaction_id=txn.id,
                account_id=account.id,
                amount_minor=money.minor,
                currency=money.currency,
            )
        )
        if account.kind == "internal":
            session.execute(
                update(Account)
                .where(Account.id == account.id)
                .values(balance_minor=Account.balance_minor + money.minor)
                .execution_options(synchronize_session=False)
            )
        else:
            account.balance_minor += money.minor
    session.flush()
    return txn
