"""The production configuration: PostgreSQL bank and tracker store, Redis lock store."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.e2e.chat import Chat

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


def test_a_transfer_on_postgres_and_redis_with_no_pin_in_the_tracker(production_stack) -> None:  # noqa: ANN001
    settings = production_stack.settings
    with httpx.Client(base_url=settings.gateway_url, timeout=60) as http:
        chat = Chat(http, "+15550100001")
        chat.say("what is my balance")
        assert "$1,250.00" in chat.text("2468")
        assert "Send $10.00 to Tom from checking" in chat.text(
            "send 10 dollars to tom from checking"
        )
        assert "$1,240.00" in chat.text("yes")
    engine = create_engine(settings.tracker_store_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :id"), {"id": chat.id}
        ).fetchall()
    engine.dispose()
    assert rows
    pin = re.compile(r"(?<![0-9A-Za-z.])2468(?![0-9A-Za-z.])")
    assert not [r for r in rows if pin.search(r[0])]
