"""Changing the PIN through the running stack, by chat and by the phone's keypad."""

from __future__ import annotations

import re
import sqlite3

import pytest

from assistant.db import session_factory
from assistant.identity import IdentityService
from tests.e2e.chat import Chat
from tests.e2e.test_voice_e2e import Call, gather, said

pytestmark = pytest.mark.e2e

MARGARET, OLD, NEW = "+15550100001", "2468", "5820"


@pytest.fixture
def identity(stack) -> IdentityService:  # noqa: ANN001
    identity = IdentityService(session_factory(stack.settings.bank_database_url))
    yield identity
    identity.set_pin(1, OLD)  # Margaret: other tests use the demo PIN


def test_a_customer_changes_the_pin_by_chat_and_the_new_one_works(
    stack,
    gateway,
    identity,  # noqa: ANN001
) -> None:
    chat = Chat(gateway, MARGARET)
    assert chat.say("I'd like to change my PIN")["awaiting_pin"]  # the current PIN first
    assert "new PIN" in chat.text(OLD)
    assert "again" in chat.text(NEW)
    assert "changed" in chat.text(NEW)
    fresh = Chat(gateway, MARGARET)
    fresh.say("what is my balance")
    assert "$" in fresh.text(NEW)
    pin = re.compile(r"(?<![0-9])5\W?8\W?2\W?0(?![0-9])")
    tracker = sqlite3.connect(stack.settings.home / "tracker.db")
    rows = tracker.execute("SELECT data FROM events").fetchall()
    tracker.close()
    assert not [row for row in rows if pin.search(row[0])]


def test_a_forgotten_pin_is_only_reset_by_a_person(gateway) -> None:  # noqa: ANN001
    chat = Chat(gateway, MARGARET)
    answer = chat.text("I forgot my PIN")
    assert "1-800-555-0199" in answer and "person" in answer


def test_a_caller_changes_the_pin_on_the_keypad(stack, gateway, identity) -> None:  # noqa: ANN001
    call = Call(gateway, stack, MARGARET)
    call.start()
    for answer in (dict(speech="change my PIN"), dict(digits=OLD), dict(digits=NEW)):
        twiml = call.answer(**answer)
        listening = gather(twiml)
        assert listening is not None and listening.get("input") == "dtmf", said(twiml)
    done = call.answer(digits=NEW)
    assert "changed" in said(done), said(done)
    assert NEW not in said(done)
    assert identity.verify_pin(1, NEW, "voice").ok
