"""Migration 0009 keeps a bank's helper links working: the old demo permission "approve
transfers above $X" becomes "approve payments", and $X the customer's co-sign amount."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text

from assistant.bank import banking_service
from assistant.db import alembic_config, dispose, make_engine, migrate, session_factory
from assistant.models import Customer
from assistant.money import Money
from family.links.models import HelperLink

ROWS_BEFORE_0009 = [
    "INSERT INTO customers (id, name, phone, pin_failed_count, preferred_channel, speech_rate,"
    " text_size, locale, vulnerable, created_at, high_contrast, read_aloud, pin_lockouts)"
    " VALUES (1, 'Margaret Chen', '+15550100001', 0, 'voice', 'slow', 'large', 'en_US', true,"
    " '2026-11-01 10:00:00', false, false, 0),"
    " (2, 'Ravi Kumar', '+15550100002', 0, 'sms', 'normal', 'normal', 'en_US', false,"
    " '2026-11-01 10:00:00', false, false, 0)",
    "INSERT INTO payees (id, customer_id, name, kind, relationship, account_number, created_at)"
    " VALUES (1, 1, 'Tom', 'person', 'grandson', '2200300029', '2026-11-01 10:00:00')",
    "INSERT INTO helpers (id, name, phone, created_at) VALUES"
    " (1, 'Linda Chen', '+15550100003', '2026-11-01 10:00:00'),"
    " (2, 'Sam Kumar', '+15550100004', '2026-11-01 10:00:00')",
    "INSERT INTO helper_links (id, customer_id, helper_id, permissions, status, created_at)"
    ' VALUES (1, 1, 1, \'{"view_balance": true, "receive_alerts": true,'
    " \"approve_transfers_above_minor\": 20000}', 'active', '2026-11-01 10:00:00'),"
    " (2, 2, 2, '{\"receive_alerts\": true, \"shout\": true}', 'active',"
    " '2026-11-01 10:00:00')",
]


def test_old_demo_link_permissions_become_approve_payments_and_a_cosign_amount(
    any_bank_url: str, ledger_invariants
) -> None:
    if any_bank_url.startswith("postgresql"):
        command.downgrade(alembic_config(any_bank_url), "0008")
    else:
        any_bank_url = any_bank_url.replace("bank.db", "before-0009.db")
        command.upgrade(alembic_config(any_bank_url), "0008")
    engine = make_engine(any_bank_url)
    try:
        with engine.begin() as conn:
            for statement in ROWS_BEFORE_0009:
                conn.execute(text(statement))
            # Some money to pay with, through a real balanced posting. Rows the bank adds to
            # later get their ids from the database (PostgreSQL's sequences).
            conn.execute(
                text(
                    "INSERT INTO accounts (customer_id, kind, name, number, currency,"
                    " balance_minor, overdraft_limit_minor) VALUES"
                    " (1, 'checking', 'Checking', '1100100017', 'USD', 50000, 0),"
                    " (NULL, 'internal', 'Incoming funds (USD)', '9902303028', 'USD', -50000, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO ledger_transactions (reference, customer_id, kind, counterparty,"
                    " created_at) VALUES"
                    " ('AAAA1', 1, 'pension', 'State Pension Service', '2026-11-02 10:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO postings (transaction_id, account_id, amount_minor, currency)"
                    " SELECT t.id, a.id, CASE a.kind WHEN 'internal' THEN -50000 ELSE 50000 END,"
                    " 'USD' FROM ledger_transactions t, accounts a"
                )
            )
        migrate(any_bank_url)
    finally:
        engine.dispose()
    sessions = session_factory(any_bank_url)
    with sessions() as session:
        permissions = dict(session.execute(select(HelperLink.id, HelperLink.permissions)).all())
        cosign = dict(session.execute(select(Customer.id, Customer.cosign_above_minor)).all())
    assert permissions == {
        1: {
            "view_balance": True,
            "view_payments": False,
            "receive_alerts": True,
            "approve_payments": True,
            "join_calls": False,
        },
        2: {
            "view_balance": False,
            "view_payments": False,
            "receive_alerts": True,
            "approve_payments": False,
            "join_calls": False,
        },
    }
    assert cosign == {1: 20000, 2: None}
    bank = banking_service(sessions)
    assert bank.pay_payee(1, "checking", 1, Money(20000), "at-the-amount").held is False
    receipt = bank.pay_payee(1, "checking", 1, Money(20001), "above-it")
    assert receipt.held is True
    assert receipt.from_account.available == Money(50000 - 20000 - 20001)
    ledger_invariants(sessions)
    dispose(any_bank_url)
