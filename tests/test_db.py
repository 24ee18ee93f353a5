"""The store: migrations match the models on every backend; SQLite is configured for safety."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from assistant.db import make_engine, migrate, session_factory
from assistant.schema import metadata


def test_migrations_create_exactly_the_models(any_bank_url: str) -> None:
    engine = make_engine(any_bank_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert set(metadata.tables) <= tables


def test_migrate_is_repeatable(any_bank_url: str) -> None:
    migrate(any_bank_url)
    migrate(any_bank_url)


def test_migrate_works_from_any_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    migrate(url)
    assert os.path.exists(tmp_path / "elsewhere.db")


def test_sqlite_has_foreign_keys_wal_and_a_busy_timeout(bank_url: str) -> None:
    with session_factory(bank_url)() as session:
        pragma = {
            name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")
        }
    assert pragma == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 30000}


def test_session_factory_is_cached_per_url(bank_url: str) -> None:
    assert session_factory(bank_url) is session_factory(bank_url)
