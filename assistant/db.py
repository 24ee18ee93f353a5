"""Engine, sessions and migrations for the bank store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import declarative_base, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC on every backend; always read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


_factories: dict[str, sessionmaker] = {}
_readers: dict[sessionmaker, sessionmaker] = {}
_lock = threading.Lock()


SQLITE_BEGIN_OPTION = "sqlite_begin"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas plus the documented pysqlite recipe so every transaction is BEGIN IMMEDIATE.

    pysqlite's own transaction handling is switched off (isolation_level=None) and SQLAlchemy
    emits BEGIN IMMEDIATE itself: writers queue on the database lock (busy_timeout) instead of
    failing mid-transaction, which serialises money movement on SQLite.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, 30 s busy timeout, serialised writes."""
    if is_sqlite(url):
        connect_args = dict(kwargs.pop("connect_args", None) or {})
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, future=True, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, future=True, **kwargs)


def session_factory(url: str | None = None) -> sessionmaker:
    """The (cached) session factory for ``url``, default the configured bank database."""
    if url is None:
        from assistant.settings import get_settings

        url = get_settings().bank_database_url
    with _lock:
        factory = _factories.get(url)
        if factory is None:
            factory = sessionmaker(bind=make_engine(url), future=True, expire_on_commit=False)
            _factories[url] = factory
        return factory


def read_only(factory: sessionmaker) -> sessionmaker:
    """Sessions on ``factory``'s engine for queries that never write.

    On SQLite they begin DEFERRED instead of IMMEDIATE: in WAL mode such readers neither wait
    for nor block writers, so lookups on every turn don't queue behind payments. Elsewhere they
    are ordinary sessions.
    """
    with _lock:
        reader = _readers.get(factory)
        if reader is None:
            engine = factory.kw["bind"].execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
            reader = sessionmaker(bind=engine, future=True, expire_on_commit=False)
            _readers[factory] = reader
        return reader


def dispose(url: str) -> None:
    """Close the cached engine for ``url`` (tests, shutdown)."""
    with _lock:
        factory = _factories.pop(url, None)
        if factory is not None:
            _readers.pop(factory, None)
    if factory is not None:
        factory.kw["bind"].dispose()


def alembic_config(url: str) -> Config:
    """An Alembic config built in code, so migrations run from any cwd or an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: URLs may contain '%' (configparser syntax).
    config.attributes["url"] = url
    return config


def migrate(url: str | None = None) -> None:
    """Upgrade the database at ``url`` (default: configured bank DB) to the newest schema."""
    from alembic import command

    if url is None:
        from assistant.settings import get_settings

        url = get_settings().bank_database_url
    command.upgrade(alembic_config(url), "head")
