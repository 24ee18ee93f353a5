"""PIN checks: lockout after 5 failures shared by every channel, reset on success, no leaks."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.banking import CustomerNotFound
from assistant.identity import IdentityService, check_pin, hash_pin
from assistant.models import AuditEvent, Customer, utcnow

RIGHT = "2468"
WRONG = "9753"


@pytest.fixture
def identity(demo_sessions) -> IdentityService:
    return IdentityService(demo_sessions)


def _lock_expires(sessions, customer_id: int) -> None:
    with sessions() as session, session.begin():
        session.get(Customer, customer_id).pin_locked_until = utcnow() - timedelta(seconds=1)


def test_pins_are_stored_as_argon2_hashes() -> None:
    hashed = hash_pin("2468")
    assert hashed.startswith("$argon2id$") and "2468" not in hashed
    assert check_pin(hashed, "2468") and not check_pin(hashed, "2469")
    assert not check_pin(None, "2468") and not check_pin("garbage", "2468")


def test_right_pin_verifies(identity, margaret_id) -> None:
    result = identity.verify_pin(margaret_id, RIGHT, "voice")
    assert result.ok and result.locked_until is None and result.attempts_left == 5


def test_wrong_pins_count_down_then_lock_for_fifteen_minutes(identity, margaret_id) -> None:
    lefts = [identity.verify_pin(margaret_id, WRONG, "voice").attempts_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    fifth = identity.verify_pin(margaret_id, WRONG, "voice")
    assert not fifth.ok and fifth.attempts_left == 0
    remaining = fifth.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    assert identity.locked_until(margaret_id) == fifth.locked_until


def test_a_locked_customer_is_refused_even_with_the_right_pin(identity, margaret_id) -> None:
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "sms")
    result = identity.verify_pin(margaret_id, RIGHT, "sms")
    assert not result.ok and result.locked_until is not None


def test_lockout_is_shared_by_every_channel(identity, margaret_id) -> None:
    for channel in ("voice", "sms", "web", "voice"):
        assert identity.verify_pin(margaret_id, WRONG, channel).ok is False
    assert identity.verify_pin(margaret_id, WRONG, "web").locked_until is not None
    for channel in ("voice", "sms", "web", "chat"):
        assert identity.verify_pin(margaret_id, RIGHT, channel).ok is False


def test_success_resets_the_failure_count(identity, margaret_id) -> None:
    for _ in range(4):
        identity.verify_pin(margaret_id, WRONG, "voice")
    assert identity.verify_pin(margaret_id, RIGHT, "voice").ok
    assert identity.verify_pin(margaret_id, WRONG, "voice").attempts_left == 4


def test_the_lock_ends_after_its_time(identity, demo_sessions, margaret_id) -> None:
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "voice")
    _lock_expires(demo_sessions, margaret_id)
    assert identity.locked_until(margaret_id) is None
    assert identity.verify_pin(margaret_id, RIGHT, "voice").ok


def test_one_customers_lockout_does_not_affect_another(identity, margaret_id, ravi_id) -> None:
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "voice")
    assert identity.verify_pin(ravi_id, "1357", "sms").ok


def test_unknown_customer_is_an_error(identity) -> None:
    with pytest.raises(CustomerNotFound):
        identity.verify_pin(999, RIGHT, "voice")


def test_matches_pin_does_not_count_as_an_attempt(identity, margaret_id) -> None:
    for _ in range(10):
        assert identity.matches_pin(margaret_id, WRONG) is False
    assert identity.matches_pin(margaret_id, RIGHT) is True
    assert identity.verify_pin(margaret_id, WRONG, "voice").attempts_left == 4


def test_failures_and_lockouts_are_audited_and_logged_without_the_pin(
        identity, demo_sessions, margaret_id, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "voice", conversation_id="conv-1")
    identity.verify_pin(margaret_id, RIGHT, "voice", conversation_id="conv-1")
    _lock_expires(demo_sessions, margaret_id)
    identity.verify_pin(margaret_id, RIGHT, "web")

    with demo_sessions() as session:
        events = session.execute(select(AuditEvent).where(
            AuditEvent.customer_id == margaret_id).order_by(AuditEvent.id)).scalars().all()
    actions = [e.action for e in events]
    assert actions.count("pin_failed") == 4
    assert actions.count("pin_locked") == 1
    assert "pin_attempt_while_locked" in actions and actions[-1] == "pin_verified"
    locked = next(e for e in events if e.action == "pin_locked")
    assert locked.detail["channel"] == "voice" and locked.detail["conversation_id"] == "conv-1"

    ours = [r for r in caplog.records if r.name.startswith("assistant")]
    assert any(r.levelno == logging.WARNING and "locked" in r.getMessage() for r in ours)
    everything = " ".join(r.getMessage() for r in ours)
    everything += " ".join(json.dumps(e.detail) for e in events)
    for pin in (RIGHT, WRONG):
        assert pin not in everything


def test_staff_passwords_are_hashed_and_checked(identity) -> None:
    agent = identity.verify_staff("agent1", "agent1-demo")
    assert agent is not None and agent.role == "agent"
    assert identity.verify_staff("fraudops", "fraudops-demo").role == "admin"
    assert identity.verify_staff("agent1", "wrong") is None
    assert identity.verify_staff("nobody", "agent1-demo") is None
    new = identity.add_staff("agent2", "s3cret-pass", "agent")
    assert identity.verify_staff("agent2", "s3cret-pass") == new
    with pytest.raises(ValueError):
        identity.add_staff("agent2", "other", "agent")
    with pytest.raises(ValueError):
        identity.add_staff("boss", "x", "superuser")


def test_set_pin_replaces_the_pin_and_clears_a_lock(identity, margaret_id) -> None:
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "voice")
    identity.set_pin(margaret_id, "8080")
    assert identity.verify_pin(margaret_id, "8080", "web").ok
    assert not identity.verify_pin(margaret_id, RIGHT, "web").ok
    with pytest.raises(ValueError):
        identity.set_pin(margaret_id, "12ab")


def test_parallel_guesses_cannot_exceed_the_attempt_limit(identity, margaret_id) -> None:
    results = []
    start = threading.Barrier(8)

    def guess() -> None:
        start.wait()
        results.append(identity.verify_pin(margaret_id, WRONG, "sms"))

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counted = sorted(r.attempts_left for r in results if r.locked_until is None)
    assert counted == [1, 2, 3, 4]
    assert sum(1 for r in results if r.locked_until is not None) == 4
    assert not identity.verify_pin(margaret_id, RIGHT, "sms").ok
