"""INSERT ... ON CONFLICT for the two databases the bank runs on (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session) -> Any:
    """The ``insert`` construct of ``session``'s database, which has ``on_conflict_do_...``."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert
    if name == "postgresql":
        return postgresql.insert
    raise NotImplementedError(f"INSERT ... ON CONFLICT needs SQLite or PostgreSQL, not {name}")
