"""The demo bank of DESIGN.md section 4: customers, accounts with history, payees, cards, helper,
staff. All numbers are fictional. History goes through real balanced postings, and the opening
balance is worked out so the final balances are exactly the documented figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.ledger import (
    INCOMING_FUNDS,
    PAYMENTS_CLEARING,
    TransactionKind,
    internal_account,
    post,
)
from assistant.clock import bank_today, bank_zone
from assistant.identity import hash_password, hash_pin
from assistant.models import (
    Account,
    Card,
    Customer,
    Payee,
    StaffUser,
)
from assistant.money import Money
from family.links.models import Helper, HelperLink
from family.links.permissions import (
    APPROVE_PAYMENTS,
    JOIN_CALLS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    normalise,
)

MARGARET_PHONE = "+15550100001"
RAVI_PHONE = "+15550100002"
LINDA_PHONE = "+15550100003"


@dataclass(frozen=True)
class Entry:
    """One past movement on a customer's account, ``days_ago``; positive ``minor`` = money in.

    ``source``: "incoming" (pension, salary), "clearing" (card purchase), "payee:<name>",
    or "account:<kind>" (transfer between the customer's own accounts). No words are stored:
    kind and counterparty are shown in the customer's language.
    """

    days_ago: int
    account: str
    minor: int
    source: str
    kind: TransactionKind
    counterparty: str


MARGARET_HISTORY = [
    Entry(56, "checking", 142000, "incoming", TransactionKind.PENSION, "State Pension Service"),
    Entry(50, "checking", -8430, "payee:City Power", TransactionKind.BILL_PAYMENT, "City Power"),
    Entry(
        44,
        "checking",
        -4175,
        "payee:Riverside Water",
        TransactionKind.BILL_PAYMENT,
        "Riverside Water",
    ),
    Entry(38, "checking", -6240, "clearing", TransactionKind.CARD_PURCHASE, "Fresh Market"),
    Entry(31, "checking", -5000, "payee:Tom", TransactionKind.PAYMENT, "Tom"),
    Entry(30, "savings", 685, "incoming", TransactionKind.INTEREST, "Kindly Bank"),
    Entry(26, "checking", 142000, "incoming", TransactionKind.PENSION, "State Pension Service"),
    Entry(21, "checking", -9115, "payee:City Power", TransactionKind.BILL_PAYMENT, "City Power"),
    Entry(18, "checking", -150000, "account:savings", TransactionKind.TRANSFER, "Savings"),
    Entry(
        12,
        "checking",
        -3980,
        "payee:Riverside Water",
        TransactionKind.BILL_PAYMENT,
        "Riverside Water",
    ),
    Entry(6, "checking", -5825, "clearing", TransactionKind.CARD_PURCHASE, "Fresh Market"),
]

RAVI_HISTORY = [
    Entry(55, "checking", 64000, "incoming", TransactionKind.DEPOSIT, "Valley Grain Co-op"),
    Entry(
        52,
        "checking",
        -28550,
        "payee:Green Valley Feed",
        TransactionKind.BILL_PAYMENT,
        "Green Valley Feed",
    ),
    Entry(35, "checking", -1500, "clearing", TransactionKind.CARD_PURCHASE, "Mobile top-up"),
    Entry(
        22,
        "checking",
        -31275,
        "payee:Green Valley Feed",
        TransactionKind.BILL_PAYMENT,
        "Green Valley Feed",
    ),
    Entry(15, "checking", -9620, "clearing", TransactionKind.CARD_PURCHASE, "Farm Supply Store"),
    Entry(10, "checking", 18000, "incoming", TransactionKind.DEPOSIT, "Hillside Milk Co-op"),
    Entry(5, "checking", -1500, "clearing", TransactionKind.CARD_PURCHASE, "Mobile top-up"),
]


def _at(days_ago: int) -> datetime:
    """10 in the morning, bank time, ``days_ago`` bank-local days ago (as aware UTC)."""
    day = bank_today() - timedelta(days=days_ago)
    return datetime.combine(day, time(10, 0), tzinfo=bank_zone()).astimezone(timezone.utc)


def _customer(
    session: Session,
    *,
    name: str,
    address_as: str,
    phone: str,
    pin: str,
    channel: str,
    speech: str = "normal",
    text_size: str = "normal",
    vulnerable: bool = False,
) -> Customer:
    customer = Customer(
        name=name,
        address_as=address_as,
        phone=phone,
        pin_hash=hash_pin(pin),
        pin_failed_count=0,
        preferred_channel=channel,
        speech_rate=speech,
        text_size=text_size,
        locale="en_US",
        vulnerable=vulnerable,
    )
    session.add(customer)
    session.flush()
    return customer


def _account(session: Session, customer: Customer, kind: str, name: str, number: str) -> Account:
    account = Account(
        customer_id=customer.id,
        kind=kind,
        name=name,
        number=number,
        currency="USD",
        balance_minor=0,
        overdraft_limit_minor=0,
    )
    session.add(account)
    session.flush()
    return account


def _payee(
    session: Session,
    customer: Customer,
    name: str,
    kind: str,
    relationship: str,
    number: str,
    days_ago: int = 200,
) -> Payee:
    payee = Payee(
        customer_id=customer.id,
        name=name,
        kind=kind,
        relationship=relationship,
        account_number=number,
        created_at=_at(days_ago),
    )
    session.add(payee)
    session.flush()
    return payee


def _history(
    session: Session,
    customer: Customer,
    accounts: dict[str, Account],
    payees: dict[str, Payee],
    entries: list[Entry],
    targets: dict[str, int],
) -> None:
    """Post an opening balance 60 days ago, then ``entries``, ending exactly at ``targets``."""
    incoming = internal_account(session, INCOMING_FUNDS, "USD")
    clearing = internal_account(session, PAYMENTS_CLEARING, "USD")
    for kind, target in targets.items():
        net = sum(e.minor for e in entries if e.account == kind)
        net += sum(-e.minor for e in entries if e.source == f"account:{kind}")
        opening = Money(target - net)
        post(
            session,
            legs=[(incoming, -opening), (accounts[kind], opening)],
            kind=TransactionKind.OPENING_BALANCE,
            counterparty="Kindly Bank",
            customer_id=customer.id,
            created_at=_at(60),
        )
    for e in sorted(entries, key=lambda e: -e.days_ago):
        amount = Money(e.minor)
        payee_id = None
        if e.source == "incoming":
            other = incoming
        elif e.source == "clearing":
            other = clearing
        elif e.source.startswith("payee:"):
            other, payee_id = clearing, payees[e.source.split(":", 1)[1]].id
        else:
            other = accounts[e.source.split(":", 1)[1]]
        post(
            session,
            legs=[(accounts[e.account], amount), (other, -amount)],
            kind=e.kind,
            counterparty=e.counterparty,
            customer_id=customer.id,
            payee_id=payee_id,
            created_at=_at(e.days_ago),
        )
    for kind, target in targets.items():
        if accounts[kind].balance_minor != target:
            raise AssertionError(f"demo {kind} ended at {accounts[kind].balance_minor}")


def _seed_margaret(session: Session) -> None:
    margaret = _customer(
        session,
        name="Margaret Chen",
        address_as="Margaret",
        phone=MARGARET_PHONE,
        pin="2468",
        channel="voice",
        speech="slow",
        text_size="large",
        vulnerable=True,
    )
    accounts = {
        "checking": _account(session, margaret, "checking", "Checking", "1100100017"),
        "savings": _account(session, margaret, "savings", "Savings", "1100100025"),
    }
    payees = {
        p.name: p
        for p in (
            _payee(session, margaret, "Linda", "person", "daughter", "2200300011"),
            _payee(session, margaret, "Tom", "person", "grandson", "2200300029"),
            _payee(session, margaret, "City Power", "bill", "electric bill", "7300400013"),
            _payee(session, margaret, "Riverside Water", "bill", "water bill", "7300500018"),
        )
    }
    _history(
        session,
        margaret,
        accounts,
        payees,
        MARGARET_HISTORY,
        {"checking": 125000, "savings": 840000},
    )
    session.add(
        Card(
            customer_id=margaret.id,
            account_id=accounts["checking"].id,
            last4="4321",
            status="active",
        )
    )
    linda = Helper(name="Linda Chen", phone=LINDA_PHONE)
    session.add(linda)
    session.flush()
    session.add(
        HelperLink(
            customer_id=margaret.id,
            helper_id=linda.id,
            status="active",
            confirmed_at=_at(30),
            review_due_at=_at(30) + timedelta(days=182),
            permissions=normalise({VIEW_BALANCE, RECEIVE_ALERTS, APPROVE_PAYMENTS, JOIN_CALLS}),
        )
    )
    # Margaret's co-sign amount: a payment above $200 waits for Linda's approval.
    margaret.cosign_above_minor = 20000
    margaret.birth_date = date(1948, 3, 15)
    margaret.region = "Riverside"
    margaret.time_zone = "America/New_York"


def _seed_ravi(session: Session) -> None:
    ravi = _customer(
        session, name="Ravi Kumar", address_as="Ravi", phone=RAVI_PHONE, pin="1357", channel="sms"
    )
    accounts = {"checking": _account(session, ravi, "checking", "Checking", "1100200014")}
    payees = {
        "Green Valley Feed": _payee(
            session, ravi, "Green Valley Feed", "bill", "feed supplier", "7300600012"
        )
    }
    _history(session, ravi, accounts, payees, RAVI_HISTORY, {"checking": 31000})
    ravi.birth_date = date(1974, 8, 2)
    ravi.region = "Hill Valley"
    ravi.time_zone = "America/Chicago"
    session.add(
        Card(customer_id=ravi.id, account_id=accounts["checking"].id, last4="8765", status="active")
    )


def seed_demo_bank(session_factory: sessionmaker | None = None) -> bool:
    """Seed the demo bank; False (and no change) if it is already there.

    Without a session factory, the configured database is migrated and used.
    """
    if session_factory is None:
        from assistant.db import migrate
        from assistant.db import session_factory as default_factory

        migrate()
        session_factory = default_factory()
    try:
        with session_factory() as session, session.begin():
            seeded = session.execute(
                select(Customer.id).where(Customer.phone == MARGARET_PHONE)
            ).first()
            if seeded:
                return False
            _seed_margaret(session)
            _seed_ravi(session)
            session.add_all(
                [
                    StaffUser(
                        username="agent1", password_hash=hash_password("agent1-demo"), role="agent"
                    ),
                    StaffUser(
                        username="fraudops",
                        password_hash=hash_password("fraudops-demo"),
                        role="fraud",
                    ),
                ]
            )
    except IntegrityError:  # another process seeded it at the same moment
        return False
    return True
