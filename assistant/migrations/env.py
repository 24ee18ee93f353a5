"""Alembic environment for the bank store; the URL comes from ``assistant.db.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from assistant.db import is_sqlite, make_engine
from assistant.schema import metadata

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    context.configure(
        url=url, target_metadata=metadata, literal_binds=True, render_as_batch=is_sqlite(url)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    sqlite = is_sqlite(url)
    try:
        with engine.connect() as connection:
            if sqlite:
                _foreign_keys(connection, on=False)
            context.configure(
                connection=connection, target_metadata=metadata, render_as_batch=sqlite
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _foreign_keys(connection, on=True)
    finally:
        engine.dispose()


def _foreign_keys(connection: Connection, on: bool) -> None:
    """SQLite's way to change a table other tables point at (its "generalized ALTER TABLE"
    procedure, which a batch migration follows): foreign keys off outside the transaction,
    then every reference checked once the new tables have their names."""
    raw = connection.connection.driver_connection
    if on:
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left broken references: {broken[:5]}")
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
