"""Migration 0007 keeps a bank's existing rows working: words are made when shown."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from assistant.banking import LedgerBankingService
from assistant.db import alembic_config, dispose, make_engine, migrate, session_factory

ROWS_BEFORE_0007 = [
    "INSERT INTO customers (id, name, phone, pin_failed_count, preferred_channel, speech_rate,"
    " text_size, locale, vulnerable, created_at, high_contrast, read_aloud, pin_lockouts)"
    " VALUES (1, 'Margaret Chen', '+15550100001', 0, 'voice', 'slow', 'large', 'en_US', true,"
    " '2026-11-01 10:00:00', false, false, 0)",
    "INSERT INTO accounts (id, customer_id, kind, name, number, currency, balance_minor,"
    " overdraft_limit_minor) VALUES (1, 1, 'checking', 'Checking', '1100100017', 'USD', 0, 0),"
    " (2, NULL, 'internal', 'Incoming funds (USD)', '9902303028', 'USD', 0, 0)",
    "INSERT INTO ledger_transactions (id, reference, customer_id, kind, description,"
    " counterparty, created_at) VALUES"
    " (1, 'AAAA1', 1, 'deposit', 'Pension payment', 'State Pension Service',"
    " '2026-11-02 10:00:00'),"
    " (2, 'AAAA2', 1, 'deposit', 'Grain co-op payment', 'Valley Grain Co-op',"
    " '2026-11-03 10:00:00')",
    "INSERT INTO postings (transaction_id, account_id, amount_minor, currency) VALUES"
    " (1, 1, 142000, 'USD'), (1, 2, -142000, 'USD'), (2, 1, 500, 'USD'), (2, 2, -500, 'USD')",
]


def test_existing_rows_keep_their_greeting_and_their_meaning(any_bank_url: str) -> None:
    if any_bank_url.startswith("postgresql"):
        command.downgrade(alembic_config(any_bank_url), "0006")
    else:
        any_bank_url = any_bank_url.replace("bank.db", "before-0007.db")
        command.upgrade(alembic_config(any_bank_url), "0006")
    engine = make_engine(any_bank_url)
    try:
        with engine.begin() as conn:
            for statement in ROWS_BEFORE_0007:
                conn.execute(text(statement))
        migrate(any_bank_url)
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("ledger_transactions")}
    finally:
        engine.dispose()
    assert "description" not in columns
    bank = LedgerBankingService(session_factory(any_bank_url))
    assert bank.get_customer(1).form_of_address == "Margaret"
    history = bank.recent_transactions(1, limit=10)
    assert [(t.kind, t.counterparty) for t in history] == [
        ("deposit", "Valley Grain Co-op"),
        ("pension", "State Pension Service"),
    ]
    dispose(any_bank_url)
