"""No PIN in any spelling leaves the gateway: not to Rasa's tracker, the bank's tables or a log.

"2 4 6 8", "two four six eight", "24 68" and "one three five seven" inside a sentence used to
reach Rasa and be stored (and one SMS reply echoed it). Runs on the embedded default and on
the production configuration (PostgreSQL bank and tracker store, Redis lock store).
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import date, datetime, time, timezone
from typing import Iterator, List

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.schema import metadata
from tests.e2e.chat import Chat
from tests.e2e.test_voice_e2e import Call
from voice.security import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.e2e

MARGARET, RAVI = "+15550100001", "+15550100002"
SPELLINGS = [
    # Not inside a longer token (a hash or an id may hold the digits by chance).
    re.compile(r"(?<![0-9A-Za-z])2\W{0,2}4\W{0,2}6\W{0,2}8(?![0-9A-Za-z])"),
    re.compile(r"(?<![0-9A-Za-z])1\W{0,2}3\W{0,2}5\W{0,2}7(?![0-9A-Za-z])"),
    re.compile(r"two\W+four\W+six\W+eight", re.I),
    re.compile(r"twenty\W+four\W+sixty\W+eight", re.I),
    re.compile(r"one\W+three\W+five\W+seven", re.I),
]


@pytest.fixture(
    scope="module",
    params=["stack", pytest.param("production_stack", marks=pytest.mark.postgres)],
)
def any_stack(request: pytest.FixtureRequest):  # noqa: ANN201
    return request.getfixturevalue(request.param)


def leaks(blob: str) -> List[str]:
    return [m.group() for pattern in SPELLINGS for m in pattern.finditer(blob)]


def sms(stack, http: httpx.Client, body: str) -> str:  # noqa: ANN001
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "From": RAVI,
        "To": stack.settings.twilio_number,
        "Body": body,
    }
    url = stack.settings.twilio_base_url + "/twilio/sms"
    signature = sign(url, params, stack.settings.twilio_token())
    answer = http.post("/twilio/sms", data=params, headers={SIGNATURE_HEADER: signature})
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.fixture(scope="module")
def talked(any_stack) -> Iterator:  # noqa: ANN001
    """Margaret by chat and Ravi by SMS say their PINs every way the gateway accepts one."""
    settings = any_stack.settings
    with httpx.Client(base_url=settings.gateway_url, timeout=60) as http:
        chat = Chat(http, MARGARET)
        chat.say("my pin is two four six eight what is my balance")  # before: masked, sealed
        assert "checking account has" in chat.text("2 4 6 8")  # the PIN itself, spaced
        for said in (
            "24 68",
            "twenty four sixty eight please",
            "send money to two four six eight",
            "my pin is 2468 and what did I pay Tom",
        ):
            chat.say(said)  # after: the customer's PIN typed unasked is not passed on
        assert "Send $50.00 to Tom" in chat.text("send 50 dollars to Tom from checking")
        chat.say("no")

        sms(any_stack, http, "BAL")
        sms(any_stack, http, "1357")
        sms(any_stack, http, "send money")
        echoed = sms(any_stack, http, "my pin is one three five seven")
        assert not leaks(echoed), echoed
        sms(any_stack, http, "cancel")

        call = Call(http, any_stack, MARGARET)
        call.start()
        call.answer("my pin is twenty four sixty eight, what is my balance")
        call.answer(digits="2468")
        call.answer("to for six ate is my pin")
        call.answer("send money to two four six eight")
        call.answer("agent")  # the agent's summary keeps what was asked, masked
    texting = ConversationStore(session_factory(settings.bank_database_url)).latest(
        "sms", RAVI, settings.sms_session_minutes
    )
    yield any_stack, [chat.id, texting.id]


def test_no_spelling_of_a_pin_reaches_the_tracker_store(talked) -> None:  # noqa: ANN001
    stack, senders = talked
    settings = stack.settings
    query = "SELECT sender_id, data FROM events"
    if settings.tracker_store_url:
        engine = create_engine(settings.tracker_store_url)
        with engine.connect() as connection:
            rows = list(connection.execute(text(query)))
        engine.dispose()
    else:
        tracker = sqlite3.connect(settings.home / "tracker.db")
        rows = tracker.execute(query).fetchall()
        tracker.close()
    rows = [data for sender, data in rows if sender in senders]
    assert len(rows) > 20, "the tracker store should hold both conversations"
    assert any("****" in row for row in rows), "the masked request should be there"
    assert [leak for row in rows for leak in leaks(row)] == []


def test_no_spelling_of_a_pin_is_in_any_bank_table(talked) -> None:  # noqa: ANN001
    stack, _ = talked
    sessions = session_factory(stack.settings.bank_database_url)
    found = []
    with sessions() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)):
                found += [f"{table.name}: {leak}" for leak in leaks(_stored_words(row))]
    assert found == []


def _stored_words(row) -> str:  # noqa: ANN001
    """A row's values as text, times left out: the repr of a time written at 04:06:08 on the
    2nd ("2026, 12, 2, 4, 6, 8") would read as a spelling of 2468."""
    return " | ".join(repr(value) for value in row if not isinstance(value, (date, time)))


def test_a_row_written_at_a_pin_shaped_moment_is_not_a_leak() -> None:
    moment = datetime(2026, 12, 2, 4, 6, 8, tzinfo=timezone.utc)
    assert leaks(repr((1, moment))) and not leaks(_stored_words((1, moment, "said ****")))
    assert leaks(_stored_words((1, moment, "said 2 4 6 8")))


def test_no_spelling_of_a_pin_is_in_any_log(talked) -> None:  # noqa: ANN001
    stack, _ = talked
    for log in (stack.settings.home / "logs").glob("*.log"):
        assert leaks(log.read_text(errors="replace")) == [], log.name
