"""The ledger: balanced postings, balances in step, limits, history, cards, payees, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.banking import (
    AccountView,
    BankingService,
    CardLost,
    CardNotFound,
    CustomerNotFound,
    InsufficientFunds,
    InvalidAmount,
    InvalidPayee,
    LedgerBankingService,
    SameAccount,
    UnknownAccount,
    UnknownPayee,
)
from assistant.clock import bank_today, local_date
from assistant.models import Account, AuditEvent, LedgerTransaction, Posting
from assistant.money import Money


@pytest.fixture(autouse=True)
def _invariants_hold_after_every_scenario(
    request: pytest.FixtureRequest, ledger_invariants
) -> Iterator[None]:
    sessions = None
    if "demo_sessions" in request.fixturenames:
        sessions = request.getfixturevalue("demo_sessions")
    yield
    if sessions is not None:
        ledger_invariants(sessions)


def _balances(bank: LedgerBankingService, customer_id: int) -> dict[str, int]:
    return {a.kind: a.balance.minor for a in bank.list_accounts(customer_id)}


def test_ledger_service_satisfies_the_banking_service_protocol(demo_bank) -> None:
    assert isinstance(demo_bank, BankingService)


def test_transfer_moves_money_between_own_accounts_with_balanced_postings(
    demo_bank, demo_sessions, margaret_id
) -> None:
    receipt = demo_bank.transfer_between_accounts(
        margaret_id, "checking", "savings", Money(25000), "k-transfer"
    )
    assert receipt.amount == Money(25000)
    assert receipt.replayed is False
    assert receipt.from_account.kind == "checking"
    assert receipt.from_account.balance == Money(100000)
    assert receipt.to_description == "Savings"
    assert _balances(demo_bank, margaret_id) == {"checking": 100000, "savings": 865000}
    with demo_sessions() as session:
        txn = session.execute(
            select(LedgerTransaction).where(LedgerTransaction.reference == receipt.reference)
        ).scalar_one()
        amounts = sorted(
            session.execute(
                select(Posting.amount_minor).where(Posting.transaction_id == txn.id)
            ).scalars()
        )
    assert amounts == [-25000, 25000]


def test_paying_a_payee_sends_money_to_the_internal_clearing_account(
    demo_bank, demo_sessions, margaret_id
) -> None:
    tom = demo_bank.resolve_payee(margaret_id, "tom")[0]
    with demo_sessions() as session:
        before = session.execute(
            select(Account.balance_minor).where(
                Account.kind == "internal", Account.name.like("Payments clearing%")
            )
        ).scalar_one()
    receipt = demo_bank.pay_payee(margaret_id, "checking", tom.id, Money(5000), "k-tom")
    assert receipt.to_description == "Tom"
    assert receipt.from_account.balance == Money(120000)
    with demo_sessions() as session:
        after = session.execute(
            select(Account.balance_minor).where(
                Account.kind == "internal", Account.name.like("Payments clearing%")
            )
        ).scalar_one()
    assert after - before == 5000


def test_insufficient_funds_moves_nothing(demo_bank, demo_sessions, ravi_id) -> None:
    with pytest.raises(InsufficientFunds):
        demo_bank.pay_payee(
            ravi_id, "checking", demo_bank.list_payees(ravi_id)[0].id, Money(31001), "k-too-much"
        )
    assert _balances(demo_bank, ravi_id) == {"checking": 31000}
    with demo_sessions() as session:
        assert (
            session.execute(
                select(LedgerTransaction).where(LedgerTransaction.idempotency_key == "k-too-much")
            ).first()
            is None
        )


def test_the_whole_balance_can_be_spent_but_not_a_cent_more(demo_bank, ravi_id) -> None:
    payee = demo_bank.list_payees(ravi_id)[0]
    demo_bank.pay_payee(ravi_id, "checking", payee.id, Money(31000), "k-all")
    assert demo_bank.get_account(ravi_id, "checking").balance == Money(0)
    with pytest.raises(InsufficientFunds):
        demo_bank.pay_payee(ravi_id, "checking", payee.id, Money(1), "k-one-more")


def test_overdraft_limit_counts_as_available(demo_bank, demo_sessions, ravi_id) -> None:
    with demo_sessions() as session, session.begin():
        account = session.execute(
            select(Account).where(Account.customer_id == ravi_id)
        ).scalar_one()
        account.overdraft_limit_minor = 5000
    assert demo_bank.get_account(ravi_id, "checking").available == Money(36000)
    payee = demo_bank.list_payees(ravi_id)[0]
    demo_bank.pay_payee(ravi_id, "checking", payee.id, Money(35000), "k-overdraft")
    assert demo_bank.get_account(ravi_id, "checking").balance == Money(-4000)
    with pytest.raises(InsufficientFunds):
        demo_bank.pay_payee(ravi_id, "checking", payee.id, Money(1001), "k-over-limit")


@pytest.mark.parametrize("amount", [Money(0), Money(-100), Money(100, "EUR")])
def test_zero_negative_or_foreign_currency_amounts_are_invalid(
    demo_bank, margaret_id, amount
) -> None:
    with pytest.raises(InvalidAmount):
        demo_bank.transfer_between_accounts(margaret_id, "checking", "savings", amount, "k")
    tom = demo_bank.resolve_payee(margaret_id, "tom")[0]
    with pytest.raises(InvalidAmount):
        demo_bank.pay_payee(margaret_id, "checking", tom.id, amount, "k2")
    assert _balances(demo_bank, margaret_id) == {"checking": 125000, "savings": 840000}


def test_unknown_accounts_payees_and_customers_are_typed_errors(
    demo_bank, margaret_id, ravi_id
) -> None:
    with pytest.raises(UnknownAccount):
        demo_bank.transfer_between_accounts(ravi_id, "checking", "savings", Money(100), "k")
    with pytest.raises(SameAccount):
        demo_bank.transfer_between_accounts(margaret_id, "checking", "Checking", Money(1), "k")
    ravis_payee = demo_bank.list_payees(ravi_id)[0]
    with pytest.raises(UnknownPayee):  # another customer's payee
        demo_bank.pay_payee(margaret_id, "checking", ravis_payee.id, Money(100), "k")
    with pytest.raises(CustomerNotFound):
        demo_bank.list_accounts(999)
    with pytest.raises(UnknownAccount):
        demo_bank.get_account(margaret_id, "brokerage")
    assert demo_bank.get_account(margaret_id, "Saving").kind == "savings"


def test_error_codes_are_stable() -> None:
    assert InsufficientFunds.code == "insufficient_funds"
    assert UnknownPayee("x").code == "unknown_payee"


def test_account_views_show_only_the_last_four_digits(demo_bank, margaret_id) -> None:
    views = demo_bank.list_accounts(margaret_id)
    assert [v.kind for v in views] == ["checking", "savings"]
    for view in views:
        assert isinstance(view, AccountView)
        assert len(view.last4) == 4
        assert not hasattr(view, "number")


def test_recent_transactions_newest_first_signed_from_the_customers_side(
    demo_bank, margaret_id
) -> None:
    demo_bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(1000), "k1")
    items = demo_bank.recent_transactions(margaret_id, limit=5)
    assert len(items) == 5
    assert [i.created_at for i in items] == sorted((i.created_at for i in items), reverse=True)
    newest = {i.account_kind: i for i in items[:2]}
    assert newest["checking"].amount == Money(-1000)
    assert newest["checking"].counterparty == "Savings"
    assert newest["savings"].amount == Money(1000)
    assert newest["savings"].counterparty == "Checking"
    assert items[2].date == local_date(items[2].created_at)  # the bank's calendar day


def test_recent_transactions_filter_by_account_payee_and_dates(demo_bank, margaret_id) -> None:
    savings = demo_bank.recent_transactions(margaret_id, account_kind="savings", limit=50)
    assert savings and {t.account_kind for t in savings} == {"savings"}
    to_tom = demo_bank.recent_transactions(margaret_id, payee="my grandson", limit=50)
    assert [t.counterparty for t in to_tom] == ["Tom"]
    power = demo_bank.recent_transactions(margaret_id, payee="the electric bill", limit=50)
    assert len(power) == 2 and {t.counterparty for t in power} == {"City Power"}
    pension = demo_bank.recent_transactions(margaret_id, payee="pension", limit=50)
    assert len(pension) == 2 and all(t.amount.is_positive for t in pension)
    today = bank_today()
    last_week = demo_bank.recent_transactions(
        margaret_id, since=today - timedelta(days=7), limit=50
    )
    assert [t.counterparty for t in last_week] == ["Fresh Market"]
    older = demo_bank.recent_transactions(margaret_id, until=today - timedelta(days=50), limit=50)
    assert all(t.date <= today - timedelta(days=50) for t in older)
    assert len(older) == 4  # two opening balances, a pension, City Power
    assert demo_bank.recent_transactions(margaret_id, payee="nobody we know") == []


def test_add_payee_validates_and_is_audited(demo_bank, demo_sessions, ravi_id) -> None:
    payee = demo_bank.add_payee(ravi_id, " Asha  Kumar ", "4400-1234-99", relationship="sister")
    assert payee.name == "Asha Kumar"
    assert payee.account_last4 == "3499"
    assert payee.kind == "person"
    assert demo_bank.resolve_payee(ravi_id, "my sister") == [payee]
    with pytest.raises(InvalidPayee):
        demo_bank.add_payee(ravi_id, "asha kumar", "12345678")
    with pytest.raises(InvalidPayee):
        demo_bank.add_payee(ravi_id, "", "12345678")
    with pytest.raises(InvalidPayee):
        demo_bank.add_payee(ravi_id, "Shop", "12AB")
    with demo_sessions() as session:
        actions = (
            session.execute(select(AuditEvent.action).where(AuditEvent.customer_id == ravi_id))
            .scalars()
            .all()
        )
    assert "payee_added" in actions


def test_freeze_and_unfreeze_card(demo_bank, margaret_id) -> None:
    assert demo_bank.freeze_card(margaret_id).status == "frozen"
    assert demo_bank.freeze_card(margaret_id, "4321").status == "frozen"  # idempotent
    assert demo_bank.unfreeze_card(margaret_id, "4321").status == "active"
    with pytest.raises(CardNotFound):
        demo_bank.freeze_card(margaret_id, "0000")


def test_lost_card_is_replaced_and_can_never_be_unfrozen(
    demo_bank, demo_sessions, margaret_id
) -> None:
    replacement = demo_bank.report_lost_card(margaret_id)
    assert replacement.status == "active"
    assert replacement.last4 != "4321"
    assert demo_bank.report_lost_card(margaret_id, "4321") == replacement  # repeated report
    cards = {c.last4: c.status for c in demo_bank.list_cards(margaret_id)}
    assert cards == {"4321": "lost", replacement.last4: "active"}
    with pytest.raises(CardLost):
        demo_bank.unfreeze_card(margaret_id, "4321")
    assert demo_bank.freeze_card(margaret_id).last4 == replacement.last4
    with demo_sessions() as session:
        actions = (
            session.execute(select(AuditEvent.action).where(AuditEvent.customer_id == margaret_id))
            .scalars()
            .all()
        )
    assert actions.count("card_reported_lost") == 1


def test_record_audit_drops_secrets(demo_bank, demo_sessions, margaret_id) -> None:
    demo_bank.record_audit(
        "agent:agent1",
        "viewed_balance",
        margaret_id,
        {"reason": "call", "pin": "2468", "password": "x"},
    )
    with demo_sessions() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "viewed_balance")
        ).scalar_one()
    assert event.detail == {"reason": "call"}
    assert event.actor == "agent:agent1"


def test_money_movements_are_audited(demo_bank, demo_sessions, margaret_id) -> None:
    receipt = demo_bank.transfer_between_accounts(
        margaret_id, "savings", "checking", Money(100), "k-audit"
    )
    with demo_sessions() as session:
        details = (
            session.execute(select(AuditEvent.detail).where(AuditEvent.action == "transfer"))
            .scalars()
            .all()
        )
    assert [d["reference"] for d in details] == [receipt.reference]


def test_the_banking_service_every_process_builds_uses_the_configured_database(
    bank_url, monkeypatch
) -> None:
    from assistant.bank import banking_service
    from assistant.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", bank_url)
    get_settings.cache_clear()
    try:
        service = banking_service()
        assert isinstance(service, BankingService)
        assert service.find_customer_by_phone("+15550100001") is None
    finally:
        get_settings.cache_clear()
