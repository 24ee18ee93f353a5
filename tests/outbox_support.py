"""What the outbox and worker tests share: settings on a loopback fake Twilio, queueing a
message the way a service does, and reading it back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, List

from sqlalchemy.orm import sessionmaker

from assistant.messaging import outbox
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import OutboxMessage
from assistant.settings import Settings

SID = "AC" + "7" * 32
TOKEN = "outbox-test-token"  # noqa: S105 - a test value
BANK_NUMBER = "+15550100000"
RAVI = "+15550100002"
PUBLIC = "https://bank.example"
CODE_TEXT = "Kindly Bank: your code is 482913. We will never ask you for your PIN."


def outbox_settings(home: Path, bank_url: str, fake: FakeTwilio, **overrides: Any) -> Settings:
    return Settings(
        home=home,
        database_url=bank_url,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_number=BANK_NUMBER,
        twilio_transport="loopback",
        twilio_api_base=fake.base_url,
        public_base_url=PUBLIC,
        **overrides,
    )


def queue_message(
    sessions: sessionmaker,
    key: str = "invitation:1",
    to: str = RAVI,
    body: str = CODE_TEXT,
    **fields: Any,
) -> int:
    """Add a message to the outbox in its own committed transaction, as a service would."""
    with sessions() as session, session.begin():
        return outbox.add(session, dedupe_key=key, to_phone=to, body=body, **fields)


def message(sessions: sessionmaker, message_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get(OutboxMessage, message_id)


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def at_once(*calls: Callable[[], Any]) -> List[Any]:
    """Run the calls in threads released at the same moment; their results, in order."""
    start = threading.Barrier(len(calls))
    results: List[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
