"""PIN checks and failures counted per source, in the database so every gateway replica shares them.

A *source* is where PIN attempts come from, named by a key: ``conversation:<id>`` (every
channel), ``from:<E.164>`` (the From number of a text or call), ``address:<ip>`` (the web
client). Each key has fixed-window counters in ``pin_throttles`` (one row per key and kind; a
window starts at the first event after the previous window ended):

- ``checks``: PIN checks that reached argon2, at most ``pin_checks_per_minute`` a minute. Past
  that nothing is hashed, so PIN checks cannot be used to burn CPU.
- ``failures`` and ``failures_day``: failed PINs, at most ``pin_source_failures`` in
  ``pin_source_window_minutes`` and ``pin_source_failures_per_day`` a day. Past that the source
  is refused without any PIN check, so one stranger cannot lock out many customers (the
  customer's own lockout is on the customer row, :mod:`assistant.identity`).

Rows are created with an insert that ignores a conflict and then locked (``FOR UPDATE``), so
concurrent replicas count every event once on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.models import PinThrottle as ThrottleRow

log = logging.getLogger(__name__)

CHECKS = "checks"
FAILURES = "failures"
FAILURES_DAY = "failures_day"


@dataclass(frozen=True)
class Limit:
    """At most ``most`` events of ``kind`` in a window of ``window``."""

    kind: str
    window: timedelta
    most: int


@dataclass(frozen=True)
class Refusal:
    """A source is throttled until ``until`` (the end of its window)."""

    key: str
    kind: str
    until: datetime


def source_keys(conversation_id: Optional[str], sources: Iterable[str] = ()) -> List[str]:
    """The distinct throttle keys of an attempt: its conversation and its other sources."""
    keys = [f"conversation:{conversation_id}"] if conversation_id else []
    for source in sources:
        if source and source not in keys:
            keys.append(source[:128])
    return sorted(keys)  # always locked in the same order: no deadlocks between replicas


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the bank runs on SQLite or PostgreSQL
        raise RuntimeError(f"no PIN throttle upsert for {dialect}")
    return insert


class PinThrottle:
    """The per-source limits; every method works inside the caller's transaction."""

    def __init__(self, checks: Limit, failures: Sequence[Limit]) -> None:
        self.checks = checks
        self.failures = tuple(failures)

    @classmethod
    def from_settings(cls, settings: Any) -> PinThrottle:
        return cls(
            Limit(CHECKS, timedelta(minutes=1), settings.pin_checks_per_minute),
            (
                Limit(
                    FAILURES,
                    timedelta(minutes=settings.pin_source_window_minutes),
                    settings.pin_source_failures,
                ),
                Limit(FAILURES_DAY, timedelta(days=1), settings.pin_source_failures_per_day),
            ),
        )

    def refusal(self, session: Session, keys: Sequence[str], now: datetime) -> Optional[Refusal]:
        """The longest failure throttle on any of ``keys``, without counting anything."""
        if not keys:
            return None
        limits = {limit.kind: limit for limit in self.failures}
        rows = session.execute(
            select(ThrottleRow).where(
                ThrottleRow.key.in_(list(keys)), ThrottleRow.kind.in_(list(limits))
            )
        ).scalars()
        worst: Optional[Refusal] = None
        for row in rows:
            limit = limits[row.kind]
            until = row.window_started_at + limit.window
            if until > now and row.hits >= limit.most and (worst is None or until > worst.until):
                worst = Refusal(row.key, row.kind, until)
        return worst

    def note_check(
        self, session: Session, keys: Sequence[str], now: datetime, context: dict
    ) -> Optional[Refusal]:
        """Count one PIN check on every key; a refusal (hash nothing) past the limit.

        The rate of checks is limited per conversation and per From number; a client address
        (many customers may share one) is throttled on its failed PINs only.
        """
        refused: Optional[Refusal] = None
        for key in keys:
            if key.startswith(ADDRESS_PREFIX):
                continue
            row = self._bump(session, key, self.checks, now)
            if row.hits > self.checks.most:
                until = row.window_started_at + self.checks.window
                if row.hits == self.checks.most + 1:
                    add_audit(
                        session,
                        "system",
                        "pin_checks_throttled",
                        None,
                        {**context, "source": key, "until": _stamp(until)},
                    )
                    log.warning("PIN checks throttled: %s (%s)", _kind_of(key), context["channel"])
                if refused is None or until > refused.until:
                    refused = Refusal(key, CHECKS, until)
        return refused

    def note_failure(
        self, session: Session, keys: Sequence[str], now: datetime, context: dict
    ) -> None:
        """Count one failed PIN on every key (audited when a source becomes throttled)."""
        for limit in self.failures:
            for key in keys:
                row = self._bump(session, key, limit, now)
                if row.hits == limit.most:
                    until = row.window_started_at + limit.window
                    add_audit(
                        session,
                        "system",
                        "pin_source_throttled",
                        None,
                        {**context, "source": key, "window": limit.kind, "until": _stamp(until)},
                    )
                    log.warning(
                        "PIN source throttled after %s failures: %s (%s)",
                        row.hits,
                        _kind_of(key),
                        context["channel"],
                    )

    @staticmethod
    def _bump(session: Session, key: str, limit: Limit, now: datetime) -> ThrottleRow:
        insert = _insert(session)
        session.execute(
            insert(ThrottleRow)
            .values(key=key, kind=limit.kind, window_started_at=now, hits=0)
            .on_conflict_do_nothing()
        )
        row = session.execute(
            select(ThrottleRow)
            .where(ThrottleRow.key == key, ThrottleRow.kind == limit.kind)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        if row.window_started_at + limit.window <= now:
            row.window_started_at = now
            row.hits = 0
        row.hits += 1
        session.flush()
        return row


def count_event(session: Session, key: str, limit: Limit, now: datetime) -> int:
    """Count one event of ``limit.kind`` on ``key``: the events in its window so far.

    The same shared fixed-window counters, for other one-time secrets than PINs (e.g. the
    family helpers' sign-in codes); ``limit.kind`` keeps their counters apart.
    """
    return PinThrottle._bump(session, key[:128], limit, now).hits


def events_in_window(session: Session, key: str, limit: Limit, now: datetime) -> int:
    """The events of ``limit.kind`` on ``key`` in its current window, without counting one."""
    row = session.get(ThrottleRow, (key[:128], limit.kind))
    if row is None or row.window_started_at + limit.window <= now:
        return 0
    return row.hits


ADDRESS_PREFIX = "address:"


def _kind_of(key: str) -> str:
    """A key fit for logs: only what kind of source it is (no number or address)."""
    return key.split(":", 1)[0]


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
