"""The safety limits a customer sets (issue 10 item 5): a tightening counts at once, a loosening
waits a day (and counts as soon as its time comes, before the sweep writes it), a newer change
supersedes a waiting one, and the worker's sweep applies each due loosening exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.banking import CustomerNotFound
from assistant.banking.limits import (
    COSIGN_ABOVE,
    DAILY_SMS,
    DAILY_VOICE,
    DAILY_WEB,
    NEW_PAYEE_COOLING_OFF,
)
from assistant.banking.safety import AT_ONCE, KEPT, LATER, SafetyLimits
from assistant.models import AuditEvent, Customer, SafetyLimitChange
from assistant.settings import Settings
from assistant.worker.wiring import due_jobs
from tests.family_support import T0

DAY = timedelta(hours=24)
ME = "customer:{}"


@pytest.fixture
def safety(demo_sessions: sessionmaker, tmp_path) -> SafetyLimits:
    return SafetyLimits(demo_sessions, Settings(home=tmp_path))


def _audit(sessions: sessionmaker, action: str) -> list[AuditEvent]:
    with sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.execute(query).scalars())


def _row(sessions: sessionmaker, customer_id: int) -> Customer:
    with sessions() as session:
        return session.get(Customer, customer_id)


def _changes(sessions: sessionmaker, customer_id: int) -> list[tuple[str, int | None, str]]:
    with sessions() as session:
        rows = session.execute(
            select(SafetyLimitChange)
            .where(SafetyLimitChange.customer_id == customer_id)
            .order_by(SafetyLimitChange.id)
        ).scalars()
        return [(row.name, row.value_minor, row.state) for row in rows]


# ---- tightening ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "column"),
    [
        (DAILY_VOICE, 50000, "daily_limit_voice_minor"),
        (DAILY_SMS, 0, "daily_limit_sms_minor"),
        (NEW_PAYEE_COOLING_OFF, True, "new_payee_cooling_off"),
        (COSIGN_ABOVE, 10000, "cosign_above_minor"),
    ],
    ids=["a phone limit", "no payments by text", "the pause on", "a lower co-sign amount"],
)
def test_a_tightening_counts_at_once(
    safety, demo_sessions, margaret_id, name, value, column
) -> None:
    change = safety.change(margaret_id, name, value, ME.format(margaret_id), "voice", now=T0)
    assert (change.outcome, change.at_once, change.effective_at) == (AT_ONCE, True, T0)
    assert safety.limits(margaret_id, now=T0).limits.value(name) == value
    assert getattr(_row(demo_sessions, margaret_id), column) == value
    (event,) = _audit(demo_sessions, "limit_tightened")
    assert (event.actor, event.detail["name"], event.detail["channel"]) == (
        ME.format(margaret_id),
        name,
        "voice",
    )
    assert _changes(demo_sessions, margaret_id) == []  # nothing waits


# ---- loosening ----------------------------------------------------------------------------


def test_a_loosening_waits_a_day_and_counts_when_its_time_comes(
    safety, demo_sessions, margaret_id
) -> None:
    safety.change(margaret_id, DAILY_VOICE, 50000, "customer", "voice", now=T0)
    change = safety.change(margaret_id, DAILY_VOICE, None, "customer", "voice", now=T0)
    assert (change.outcome, change.at_once) == (LATER, False)
    assert (change.previous, change.effective_at) == (50000, T0 + DAY)

    view = safety.limits(margaret_id, now=T0 + DAY - timedelta(seconds=1))
    assert view.limits.daily_limit_voice == 50000
    (waiting,) = view.pending
    assert (waiting.name, waiting.value, waiting.effective_at) == (DAILY_VOICE, None, T0 + DAY)
    (event,) = _audit(demo_sessions, "limit_loosening_requested")
    assert event.detail["effective_at"] == (T0 + DAY).isoformat()

    # Its time has come: it counts before any sweep wrote it to the row.
    assert safety.limits(margaret_id, now=T0 + DAY).limits.daily_limit_voice is None
    assert _row(demo_sessions, margaret_id).daily_limit_voice_minor == 50000
    assert safety.apply_due(T0 + DAY) == 1
    assert _row(demo_sessions, margaret_id).daily_limit_voice_minor is None
    assert safety.apply_due(T0 + DAY) == 0
    assert _changes(demo_sessions, margaret_id) == [(DAILY_VOICE, None, "applied")]
    (loosened,) = _audit(demo_sessions, "limit_loosened")
    assert loosened.detail == {"name": DAILY_VOICE, "value": None, "requested_by": "customer"}


@pytest.mark.parametrize(
    ("name", "tight", "loose"),
    [
        (DAILY_WEB, 10000, 90000),
        (DAILY_SMS, 0, None),
        (NEW_PAYEE_COOLING_OFF, True, False),
        (COSIGN_ABOVE, 20000, 50000),
        (COSIGN_ABOVE, 20000, None),
    ],
    ids=["a higher limit", "no limit", "the pause off", "a higher co-sign", "no co-sign"],
)
def test_every_kind_of_loosening_waits(safety, margaret_id, name, tight, loose) -> None:
    safety.change(margaret_id, name, tight, "customer", now=T0)
    assert safety.change(margaret_id, name, loose, "customer", now=T0).outcome == LATER
    assert safety.limits(margaret_id, now=T0 + DAY / 2).limits.value(name) == tight
    assert safety.limits(margaret_id, now=T0 + DAY).limits.value(name) == loose


def test_preview_says_what_a_change_would_do_without_doing_it(
    safety, demo_sessions, margaret_id
) -> None:
    assert safety.preview(margaret_id, COSIGN_ABOVE, 10000, now=T0).outcome == AT_ONCE
    later = safety.preview(margaret_id, COSIGN_ABOVE, None, now=T0)
    assert (later.outcome, later.effective_at, later.previous) == (LATER, T0 + DAY, 20000)
    assert safety.preview(margaret_id, COSIGN_ABOVE, 20000, now=T0).outcome == KEPT
    assert _row(demo_sessions, margaret_id).cosign_above_minor == 20000
    assert _changes(demo_sessions, margaret_id) == []


# ---- superseding --------------------------------------------------------------------------


def test_a_tightening_cancels_a_waiting_loosening(safety, demo_sessions, margaret_id) -> None:
    safety.change(margaret_id, DAILY_VOICE, 50000, "customer", now=T0)
    safety.change(margaret_id, DAILY_VOICE, 100000, "customer", now=T0)
    change = safety.change(margaret_id, DAILY_VOICE, 30000, "customer", now=T0 + DAY / 2)
    assert (change.outcome, change.cancelled) == (AT_ONCE, True)
    assert _changes(demo_sessions, margaret_id) == [(DAILY_VOICE, 100000, "cancelled")]
    assert safety.limits(margaret_id, now=T0 + 2 * DAY).limits.daily_limit_voice == 30000
    assert safety.apply_due(T0 + 2 * DAY) == 0


def test_keeping_a_limit_as_it_is_cancels_its_waiting_loosening(
    safety, demo_sessions, margaret_id
) -> None:
    safety.change(margaret_id, COSIGN_ABOVE, None, "customer", now=T0)
    kept = safety.change(margaret_id, COSIGN_ABOVE, 20000, "customer", now=T0 + DAY / 4)
    assert (kept.outcome, kept.cancelled) == (KEPT, True)
    assert _changes(demo_sessions, margaret_id) == [(COSIGN_ABOVE, None, "cancelled")]
    assert safety.limits(margaret_id, now=T0 + 2 * DAY).limits.cosign_above == 20000
    assert [e.detail["cancelled_waiting"] for e in _audit(demo_sessions, "limit_tightened")] == [
        True
    ]


def test_a_new_loosening_supersedes_the_waiting_one_and_starts_its_own_delay(
    safety, demo_sessions, margaret_id
) -> None:
    safety.change(margaret_id, DAILY_WEB, 10000, "customer", now=T0)
    safety.change(margaret_id, DAILY_WEB, 50000, "customer", now=T0)
    second = safety.change(margaret_id, DAILY_WEB, 90000, "customer", now=T0 + DAY / 2)
    assert second.effective_at == T0 + DAY + DAY / 2
    assert _changes(demo_sessions, margaret_id) == [
        (DAILY_WEB, 50000, "cancelled"),
        (DAILY_WEB, 90000, "pending"),
    ]
    assert safety.limits(margaret_id, now=T0 + DAY).limits.daily_limit_web == 10000


def test_the_same_loosening_asked_again_keeps_its_first_moment(
    safety, demo_sessions, margaret_id
) -> None:
    first = safety.change(margaret_id, COSIGN_ABOVE, None, "customer", now=T0)
    again = safety.change(margaret_id, COSIGN_ABOVE, None, "customer", now=T0 + DAY / 2)
    assert again.effective_at == first.effective_at == T0 + DAY
    assert len(_changes(demo_sessions, margaret_id)) == 1
    assert safety.preview(margaret_id, COSIGN_ABOVE, None, now=T0 + DAY / 2).effective_at == (
        T0 + DAY
    )


def test_each_limit_has_its_own_waiting_change(safety, margaret_id) -> None:
    safety.change(margaret_id, DAILY_SMS, 0, "customer", now=T0)
    safety.change(margaret_id, DAILY_SMS, None, "customer", now=T0)
    safety.change(margaret_id, COSIGN_ABOVE, None, "customer", now=T0)
    assert safety.change(margaret_id, DAILY_VOICE, 1000, "customer", now=T0).outcome == AT_ONCE
    pending = safety.limits(margaret_id, now=T0).pending
    assert {p.name for p in pending} == {DAILY_SMS, COSIGN_ABOVE}


def test_a_change_after_a_due_loosening_starts_from_it(safety, demo_sessions, margaret_id) -> None:
    safety.change(margaret_id, DAILY_VOICE, 10000, "customer", now=T0)
    safety.change(margaret_id, DAILY_VOICE, 50000, "customer", now=T0)
    # Not swept yet; 40,000 is below the 50,000 now in effect, so it is a tightening.
    change = safety.change(margaret_id, DAILY_VOICE, 40000, "customer", now=T0 + 2 * DAY)
    assert (change.outcome, change.previous) == (AT_ONCE, 50000)
    assert _changes(demo_sessions, margaret_id) == [(DAILY_VOICE, 50000, "applied")]
    assert _row(demo_sessions, margaret_id).daily_limit_voice_minor == 40000


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [("daily_limit_fax", 100), (DAILY_VOICE, -1), (COSIGN_ABOVE, 12.5), (DAILY_WEB, "500")],
)
def test_an_unknown_limit_or_a_bad_amount_changes_nothing(
    safety, demo_sessions, margaret_id, name, value
) -> None:
    with pytest.raises(ValueError):
        safety.change(margaret_id, name, value, "customer", now=T0)
    assert _changes(demo_sessions, margaret_id) == []
    assert _audit(demo_sessions, "limit_tightened") == []


def test_no_such_customer(safety) -> None:
    with pytest.raises(CustomerNotFound):
        safety.change(999, DAILY_VOICE, 100, "customer", now=T0)
    with pytest.raises(CustomerNotFound):
        safety.limits(999)


# ---- the worker's sweep -------------------------------------------------------------------


def _race(n: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_sweeps_at_once_apply_each_loosening_once(
    safety, demo_sessions, margaret_id, ravi_id
) -> None:
    for customer in (margaret_id, ravi_id):
        safety.change(customer, DAILY_SMS, 0, "customer", now=T0)
        safety.change(customer, DAILY_SMS, 20000, "customer", now=T0)
    results = _race(3, lambda i: safety.apply_due(T0 + DAY))
    assert sum(results) == 2, results
    assert len(_audit(demo_sessions, "limit_loosened")) == 2
    assert _row(demo_sessions, ravi_id).daily_limit_sms_minor == 20000


def test_the_worker_sweeps_the_due_loosenings(demo_sessions, margaret_id, tmp_path) -> None:
    settings = Settings(home=tmp_path)
    safety = SafetyLimits(demo_sessions, settings)
    safety.change(margaret_id, COSIGN_ABOVE, 50000, "customer", now=T0)
    jobs = due_jobs(settings, demo_sessions)
    assert sum(job(T0 + DAY) for job in jobs) >= 1
    assert _row(demo_sessions, margaret_id).cosign_above_minor == 50000


def test_the_delay_is_a_setting(demo_sessions, margaret_id, tmp_path) -> None:
    safety = SafetyLimits(demo_sessions, Settings(home=tmp_path, safety_loosen_hours=48))
    change = safety.change(margaret_id, COSIGN_ABOVE, None, "customer", now=T0)
    assert change.effective_at == T0 + 2 * DAY
