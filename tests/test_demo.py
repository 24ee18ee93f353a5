"""The demo bank matches DESIGN.md section 4 exactly and seeding twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from assistant.demo import seed_demo_bank
from assistant.identity import IdentityService
from assistant.models import (
    Account,
    AuditEvent,
    Card,
    Customer,
    LedgerTransaction,
    Payee,
    Posting,
    StaffUser,
    utcnow,
)
from assistant.money import Money
from family.links.models import Helper, HelperLink
from tests.fakes import transaction_words

TABLES = (
    Customer,
    Account,
    Card,
    Payee,
    LedgerTransaction,
    Posting,
    Helper,
    HelperLink,
    StaffUser,
    AuditEvent,
)


def _counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return {
            t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in TABLES
        }


def test_margaret_has_exactly_the_documented_accounts_and_payees(demo_bank, margaret_id) -> None:
    margaret = demo_bank.get_customer(margaret_id)
    assert (margaret.name, margaret.phone) == ("Margaret Chen", "+15550100001")
    assert (margaret.preferred_channel, margaret.speech_rate, margaret.text_size) == (
        "voice",
        "slow",
        "large",
    )
    assert margaret.vulnerable is True
    balances = {a.kind: a.balance for a in demo_bank.list_accounts(margaret_id)}
    assert balances == {"checking": Money(125000), "savings": Money(840000)}
    payees = {(p.name, p.relationship, p.kind) for p in demo_bank.list_payees(margaret_id)}
    assert payees == {
        ("Linda", "daughter", "person"),
        ("Tom", "grandson", "person"),
        ("City Power", "electric bill", "bill"),
        ("Riverside Water", "water bill", "bill"),
    }
    assert [(c.last4, c.status) for c in demo_bank.list_cards(margaret_id)] == [("4321", "active")]


def test_ravi_has_exactly_the_documented_account_and_payee(demo_bank, ravi_id) -> None:
    ravi = demo_bank.get_customer(ravi_id)
    assert (ravi.name, ravi.preferred_channel) == ("Ravi Kumar", "sms")
    assert [(a.kind, a.balance) for a in demo_bank.list_accounts(ravi_id)] == [
        ("checking", Money(31000))
    ]
    assert [p.name for p in demo_bank.list_payees(ravi_id)] == ["Green Valley Feed"]
    assert len(demo_bank.list_cards(ravi_id)) == 1


def test_demo_pins_and_staff_passwords_work(demo_sessions, margaret_id, ravi_id) -> None:
    identity = IdentityService(demo_sessions)
    assert identity.verify_pin(margaret_id, "2468", "voice").ok
    assert identity.verify_pin(ravi_id, "1357", "sms").ok
    assert identity.verify_staff("agent1", "agent1-demo").role == "agent"
    assert identity.verify_staff("fraudops", "fraudops-demo").role == "fraud"


def test_linda_is_margarets_confirmed_helper_with_the_documented_permissions_and_cosign(
    demo_sessions, margaret_id
) -> None:
    with demo_sessions() as session:
        helper, link = session.execute(
            select(Helper, HelperLink).join(HelperLink, HelperLink.helper_id == Helper.id)
        ).one()
    assert (helper.name, helper.phone) == ("Linda Chen", "+15550100003")
    assert link.customer_id == margaret_id and link.status == "active"
    assert link.permissions == {
        "view_balance": True,
        "view_payments": False,
        "receive_alerts": True,
        "approve_payments": True,
        "join_calls": True,
    }
    assert link.confirmed_at is not None and link.review_due_at > link.confirmed_at
    with demo_sessions() as session:
        assert session.get(Customer, margaret_id).cosign_above_minor == 20000


def test_history_is_believable_and_made_of_balanced_postings(
    demo_bank, demo_sessions, margaret_id, ravi_id, ledger_invariants
) -> None:
    ledger_invariants(demo_sessions)
    oldest = utcnow() - timedelta(days=61)
    for customer_id in (margaret_id, ravi_id):
        history = demo_bank.recent_transactions(customer_id, limit=100)
        movements = [t for t in history if transaction_words(t) != "Balance brought forward"]
        assert 6 <= len({t.reference for t in movements}) <= 12
        assert all(oldest < t.created_at < utcnow() for t in history)
    history = demo_bank.recent_transactions(margaret_id, limit=50)
    descriptions = {transaction_words(t) for t in history}
    assert {"Pension payment", "Payment to City Power", "Payment to Tom"} <= descriptions


def test_seeding_twice_changes_nothing(demo_sessions) -> None:
    before = _counts(demo_sessions)
    assert seed_demo_bank(demo_sessions) is False
    assert _counts(demo_sessions) == before


def test_account_numbers_are_fictional_ten_digits(demo_sessions) -> None:
    with demo_sessions() as session:
        numbers = session.execute(select(Account.number)).scalars().all()
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
