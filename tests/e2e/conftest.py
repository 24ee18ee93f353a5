"""The real stack (action server, Rasa server with the trained model, gateway) for e2e tests."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from assistant.db import migrate
from assistant.demo import seed_demo_bank
from assistant.processes import Stack, isolated_environment
from assistant.settings import Settings, get_settings
from assistant.training import train
from tests.marker_language import write_marker_language

# Every e2e conversation comes from one client address (127.0.0.1), so the failed-PIN throttle
# per address (tested in-process in tests/test_pin_throttling.py) is set out of the way here.
SHARED_ADDRESS = {
    "ASSISTANT_PIN_SOURCE_FAILURES": "1000",
    "ASSISTANT_PIN_SOURCE_FAILURES_PER_DAY": "1000",
    # Many payments by the same demo customers within minutes: not "several payments in a
    # short time" here (tests/e2e/test_scam_e2e.py runs its own stack with the real rule).
    "ASSISTANT_SCAM_RAPID_COUNT": "1000",
}


def _start(home, overrides: dict) -> Iterator[Stack]:  # noqa: ANN001
    env = isolated_environment(home, **{**SHARED_ADDRESS, **overrides})
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings = Settings()
        migrate(settings.bank_database_url)
        seed_demo_bank_for(settings)
        model = train(settings)
        with Stack(settings, model) as stack:
            # The stack's processes have their environment; the tests' own settings don't
            # take the relaxed throttle.
            for key in SHARED_ADDRESS:
                patch.delenv(key, raising=False)
            get_settings.cache_clear()
            yield stack


def seed_demo_bank_for(settings: Settings) -> None:
    from assistant.db import session_factory

    seed_demo_bank(session_factory(settings.bank_database_url))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The embedded default: SQLite bank and tracker store, in-memory lock store.

    A second language (English with a marker word, ``tests/marker_language.py``) is available
    too; only a customer whose locale asks for it hears it (``test_language_e2e.py``)."""
    catalogues = tmp_path_factory.mktemp("catalogues")
    write_marker_language(catalogues)
    yield from _start(tmp_path_factory.mktemp("stack"), {"ASSISTANT_TEXTS_DIRS": str(catalogues)})


@pytest.fixture(scope="session")
def production_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """PostgreSQL for the bank and Rasa's tracker store, Redis for Rasa's lock store."""
    pg, redis = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not pg or not redis:
        pytest.skip("TEST_POSTGRES_URL and TEST_REDIS_URL are not set (no PostgreSQL/Redis here)")
    schema = f"e2e_{uuid.uuid4().hex[:10]}"
    engine = create_engine(pg)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    bank_url = f"{pg}?options=-csearch_path%3D{schema}"
    try:
        yield from _start(
            tmp_path_factory.mktemp("prod"),
            {"DATABASE_URL": bank_url, "TRACKER_STORE_URL": pg, "LOCK_STORE_URL": redis},
        )
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.settings.gateway_url, timeout=60) as http:
        yield http
