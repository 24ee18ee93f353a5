"""PIN checks: lockout after 5 failures shared by every channel, reset on success, no leaks."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant import identity as identity_module
from assistant.banking import CustomerNotFound
from assistant.identity import IdentityService, StaffView, check_pin, hash_pin
from assistant.models import AuditEvent, Customer, utcnow
from assistant.settings import Settings

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
    identity, demo_sessions, margaret_id, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(5):
        identity.verify_pin(margaret_id, WRONG, "voice", conversation_id="conv-1")
    identity.verify_pin(margaret_id, RIGHT, "voice", conversation_id="conv-1")
    _lock_expires(demo_sessions, margaret_id)
    identity.verify_pin(margaret_id, RIGHT, "web")

    with demo_sessions() as session:
        events = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.customer_id == margaret_id)
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
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
    assert identity.verify_staff("fraudops", "fraudops-demo").role == "fraud"
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


# ---- numbers we do not know, throttles, the cumulative lockout ------------------------------

UNKNOWN = "+15559990000"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def told() -> list:
    return []


@pytest.fixture
def timed(demo_sessions, clock, told) -> IdentityService:
    """An identity service on the test's clock, its lockout alerts collected in ``told``."""
    return IdentityService(demo_sessions, clock=clock, notifier=lambda *who: told.append(who))


@pytest.fixture
def argon2_checks(monkeypatch) -> list:
    """Every argon2 check made (the PIN itself is not kept)."""
    checks: list = []
    real = identity_module.check_pin
    monkeypatch.setattr(identity_module, "check_pin", lambda h, p: checks.append(1) or real(h, p))
    return checks


def _outcomes(results) -> list:
    return [(r.ok, r.attempts_left, r.locked_until is not None, r.held) for r in results]


def test_a_number_we_do_not_know_fails_exactly_like_a_wrong_pin(
    identity, ravi_id, argon2_checks
) -> None:
    known = [identity.verify_pin(ravi_id, WRONG, "sms") for _ in range(6)]
    known_checks = len(argon2_checks)
    argon2_checks.clear()
    unknown = [identity.verify_pin(None, WRONG, "sms", phone=UNKNOWN) for _ in range(6)]
    assert _outcomes(unknown) == _outcomes(known)
    assert _outcomes(known)[:2] == [(False, 4, False, False), (False, 3, False, False)]
    assert known[4].locked_until is not None and unknown[4].locked_until is not None
    assert abs(unknown[4].locked_until - known[4].locked_until) < timedelta(seconds=5)
    # The same argon2 work: a check for each of the five tries, none while locked.
    assert len(argon2_checks) == known_checks == 5
    # ... and by phone number (the web's way in), the same again.
    by_phone = identity.verify_pin_for_phone("+15559990001", RIGHT, "web")
    assert _outcomes([by_phone]) == [(False, 4, False, False)]


def _five_wrong(identity: IdentityService, customer_id: int, channel: str = "voice"):
    return [identity.verify_pin(customer_id, WRONG, channel) for _ in range(5)][-1]


def test_three_lockouts_in_a_day_hold_the_pin_until_staff_unlock_it(
    timed, clock, demo_sessions, margaret_id
) -> None:
    for _ in range(2):
        locked = _five_wrong(timed, margaret_id)
        assert locked.locked_until is not None and not locked.held
        clock.advance(minutes=16)  # the lock ends; the count starts again
    held = _five_wrong(timed, margaret_id)
    assert held.held and held.locked_until is None
    clock.advance(days=2)
    refused = timed.verify_pin(margaret_id, RIGHT, "voice")
    assert not refused.ok and refused.held  # no time unlocks it
    assert timed.pin_refusal(margaret_id).held
    assert timed.locked_until(margaret_id) is not None  # the agent's whisper says "locked"

    agent = timed.verify_staff("agent1", "agent1-demo")
    timed.unlock_pin(margaret_id, agent, reason="caller passed security questions")
    assert timed.verify_pin(margaret_id, RIGHT, "voice").ok
    with demo_sessions() as session:
        events = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.customer_id == margaret_id)
                .order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )
    actions = [e.action for e in events]
    assert actions.count("pin_locked") == 2 and actions.count("pin_held") == 1
    assert "pin_attempt_while_held" in actions
    unlocked = next(e for e in events if e.action == "pin_unlocked")
    assert unlocked.actor == "staff:agent1" and unlocked.detail["was_held"] is True


def test_two_lockouts_a_day_never_hold_the_pin(timed, clock, margaret_id) -> None:
    for _ in range(4):
        locked = _five_wrong(timed, margaret_id, "sms")
        assert locked.locked_until is not None and not locked.held
        clock.advance(hours=13)  # two lockouts in any 24 hours at most
    assert timed.verify_pin(margaret_id, RIGHT, "sms").ok


def test_only_staff_can_unlock_a_pin(timed, margaret_id) -> None:
    with pytest.raises(PermissionError):
        timed.unlock_pin(margaret_id, StaffView(1, "someone", "helper"))


def test_the_first_lockout_of_the_day_is_told_to_the_customer_once(
    timed, clock, told, margaret_id
) -> None:
    margaret_phone = "+15550100001"
    for _ in range(3):
        _five_wrong(timed, margaret_id, "web")
        clock.advance(minutes=16)
    assert told == [(margaret_id, margaret_phone)]  # the first lockout only, not the hold
    timed.verify_pin(None, WRONG, "sms", phone=UNKNOWN)  # unknown numbers tell nobody
    assert told == [(margaret_id, margaret_phone)]


def test_a_failing_notifier_never_fails_the_pin_attempt(demo_sessions, margaret_id, caplog) -> None:
    def broken(customer_id: int, phone: str) -> None:
        raise RuntimeError("twilio is down")

    identity = IdentityService(demo_sessions, notifier=broken)
    results = [identity.verify_pin(margaret_id, WRONG, "sms") for _ in range(5)]
    assert results[-1].locked_until is not None
    assert "lockout alert for customer" in caplog.text and "RuntimeError" in caplog.text


def test_many_pin_checks_a_minute_stop_being_hashed(
    demo_sessions, clock, margaret_id, argon2_checks
) -> None:
    settings = Settings(
        pin_max_attempts=100, pin_source_failures=100, pin_source_failures_per_day=100
    )
    identity = IdentityService(demo_sessions, settings=settings, clock=clock)
    results = [
        identity.verify_pin(margaret_id, WRONG, "sms", conversation_id="c-1") for _ in range(15)
    ]
    assert len(argon2_checks) == 10
    assert [r.throttled_until is not None for r in results] == [False] * 10 + [True] * 5
    assert results[-1].throttled_until - clock.now <= timedelta(minutes=1)
    # The same From number in another conversation is the same source.
    from_number = ["from:+15550100001"]
    argon2_checks.clear()
    for n in range(11):
        identity.verify_pin(
            margaret_id, WRONG, "sms", conversation_id=f"other-{n}", sources=from_number
        )
    assert len(argon2_checks) == 10
    clock.advance(seconds=61)
    assert identity.verify_pin(margaret_id, RIGHT, "sms", conversation_id="c-1").ok


def test_a_source_with_too_many_failures_is_refused_without_any_check(
    timed, clock, demo_sessions, margaret_id, ravi_id, argon2_checks
) -> None:
    address = ["address:203.0.113.9"]
    for customer in (margaret_id, ravi_id):
        for _ in range(5):
            timed.verify_pin(customer, WRONG, "web", sources=address)
    assert len(argon2_checks) == 8
    assert timed.locked_until(margaret_id) is not None and timed.locked_until(ravi_id) is None
    refused = timed.verify_pin(ravi_id, "1357", "web", sources=address)  # even the right PIN
    assert not refused.ok and refused.throttled_until is not None
    assert timed.pin_refusal(ravi_id, sources=address).throttled_until is not None
    assert timed.verify_pin(ravi_id, "1357", "web", sources=["address:198.51.100.7"]).ok
    clock.advance(minutes=15)
    assert timed.pin_refusal(ravi_id, sources=address) is None
    with demo_sessions() as session:
        throttled = (
            session.execute(select(AuditEvent).where(AuditEvent.action == "pin_source_throttled"))
            .scalars()
            .all()
        )
    assert [e.detail["source"] for e in throttled] == address
    assert all(WRONG not in json.dumps(e.detail) for e in throttled)


def test_a_day_of_failures_from_one_source_is_refused_for_the_day(
    timed, clock, argon2_checks
) -> None:
    sources = ["from:+15559990000"]
    for hour in range(5):
        for _ in range(5):
            timed.verify_pin(None, WRONG, "sms", phone=f"+1555999{hour:04d}", sources=sources)
        clock.advance(minutes=16)
    assert len(argon2_checks) == 20
    assert (
        timed.verify_pin(None, WRONG, "sms", phone="+15559998888", sources=sources).throttled_until
        is not None
    )
