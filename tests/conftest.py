"""Shared fixtures for the bank store: migrated SQLite per test, PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from assistant import identity
from assistant.banking import LedgerBankingService
from assistant.db import dispose, make_engine, migrate, session_factory
from assistant.demo import seed_demo_bank
from assistant.models import Account, Posting
from assistant.schema import metadata

PG_ENV = "TEST_POSTGRES_URL"
REDIS_ENV = "TEST_REDIS_URL"


# ---- PostgreSQL helpers ----------------------------------------------------------------


def pg_url_with_schema(base_url: str, schema: str) -> str:
    """``base_url`` with ``options=-csearch_path=<schema>``.

    psycopg2 URL query parameters become ``connect_args``, so this is the same as
    ``connect_args={"options": "-csearch_path=<schema>"}`` but survives being passed around
    as a plain URL (session_factory, migrate, settings).
    """
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def pg_truncate_all(url: str) -> None:
    """Empty every bank table (keeping the schema and Alembic's version)."""
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def redis_url() -> str:
    """The Redis the production configuration is tested on; skipped, with the reason, on a
    machine without one (CI sets it where Redis answers)."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set (e.g. redis://127.0.0.1:6379/0)")
    return url


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh, uniquely named, migrated schema for this test session; dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    schema = f"test_bank_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = pg_url_with_schema(base, schema)
    try:
        migrate(url)
        yield url
    finally:
        dispose(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """The session's PostgreSQL schema, emptied before the test."""
    pg_truncate_all(pg_schema_url)
    return pg_schema_url


# ---- bank fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _fast_argon2() -> Iterator[None]:
    """Real argon2id with cheap parameters: production cost (~0.1 s a hash) slows tests only."""
    saved = identity._hasher
    identity._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    identity._hasher = saved


@pytest.fixture
def bank_url(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite bank in a fresh temp file."""
    url = f"sqlite:///{tmp_path}/bank.db"
    migrate(url)
    yield url
    dispose(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_bank_url(request: pytest.FixtureRequest) -> str:
    """Runs the test on SQLite, and again on PostgreSQL (skipped when it is not configured)."""
    return request.getfixturevalue("bank_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def bank_sessions(bank_url: str) -> sessionmaker:
    return session_factory(bank_url)


@pytest.fixture
def bank(bank_sessions: sessionmaker) -> LedgerBankingService:
    """An empty (migrated) bank."""
    return LedgerBankingService(bank_sessions)


@pytest.fixture
def demo_sessions(any_bank_url: str) -> sessionmaker:
    """The seeded demo bank (DESIGN.md section 4), on SQLite and PostgreSQL."""
    sessions = session_factory(any_bank_url)
    assert seed_demo_bank(sessions) is True
    return sessions


@pytest.fixture
def demo_bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    return LedgerBankingService(demo_sessions)


@pytest.fixture
def margaret_id(demo_bank: LedgerBankingService) -> int:
    return demo_bank.find_customer_by_phone("+15550100001").id


@pytest.fixture
def ravi_id(demo_bank: LedgerBankingService) -> int:
    return demo_bank.find_customer_by_phone("+15550100002").id


def check_ledger_invariants(sessions: sessionmaker) -> None:
    """Every transaction sums to zero, every balance equals its postings, none below limit."""
    with sessions() as session:
        unbalanced = session.execute(
            select(Posting.transaction_id)
            .group_by(Posting.transaction_id)
            .having(func.sum(Posting.amount_minor) != 0)
        ).all()
        assert unbalanced == [], f"unbalanced transactions: {unbalanced}"
        sums = dict(
            session.execute(
                select(Posting.account_id, func.sum(Posting.amount_minor)).group_by(
                    Posting.account_id
                )
            ).all()
        )
        for account in session.execute(select(Account)).scalars():
            assert account.balance_minor == int(sums.get(account.id, 0)), account.number
            if account.kind != "internal":
                assert account.balance_minor >= -account.overdraft_limit_minor, account.number


@pytest.fixture
def ledger_invariants() -> Callable[[sessionmaker], None]:
    """``ledger_invariants(sessions)`` asserts the double-entry invariants."""
    return check_ledger_invariants


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo bank, migrated and seeded once per test module; tests copy it (fast)."""
    from tests.fakes import seeded_bank_template

    return seeded_bank_template(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def settings(demo_template: Path, tmp_path: Path) -> Iterator[Any]:
    """Settings for a gateway on a copy of the demo bank (modules may override it)."""
    from assistant.settings import Settings
    from tests.fakes import copy_of_bank

    url = copy_of_bank(demo_template, tmp_path)
    yield Settings(database_url=url, home=tmp_path / "home", rasa_token="test-token")
    dispose(url)


@pytest.fixture
def web(demo_template: Path, tmp_path: Path) -> Iterator:
    """The web pages on a copy of the demo bank, with a fake Rasa."""
    from tests.web_support import make_web_app

    app = make_web_app(demo_template, tmp_path)
    yield app
    app.close()


@pytest.fixture
def margaret(web: Any) -> Any:
    """A browser (tests.web_support.Browser) signed in as Margaret."""
    browser = web.browser()
    assert browser.sign_in().status_code == 303
    return browser
