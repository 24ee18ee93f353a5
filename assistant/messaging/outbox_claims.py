"""The outbox's claims in the database: which worker holds which messages while it sends them.

A worker *claims* up to N due messages with ONE conditional UPDATE that stamps them with a
fresh ``claim_token`` (:func:`claim_due`): pending and due, oldest first, the try counted. On
PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED`` and the UPDATE checks again that each
is still pending, so two workers racing never claim one message twice; on SQLite every write
transaction is ``BEGIN IMMEDIATE``, one at a time. Only the holder of a message's claim token
may finish it (:mod:`~assistant.messaging.outbox_outcomes`).

A claim older than the lease whose worker never finished it (killed mid-batch) has *lapsed*:
:func:`claim_lapsed` takes it back under a new token, remembering when the old claim was made
(``Held.lapsed_since``) so the delivery first asks the provider whether the message went out
before sending it again. Such a take-back does not count a try (the lapsed claim did); a message
that then needs sending counts its try with :func:`count_tries`. A send with no answer (a read
timeout) is left ``sending`` with its next try at ``next_attempt_at``, to be taken back the same
way once both the lease and the backoff are over.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.phones import normalize_phone
from assistant.db import read_only, utcnow
from assistant.messaging.models import OutboxMessage
from assistant.messaging.quiet_hours import QuietHours
from assistant.settings import Settings

DEFER_ROWS = 500  # rows one quiet-hours UPDATE defers (each its own short transaction)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the outbox retries: at most ``max_attempts`` tries; ``backoff_seconds`` after the
    first failure, twice as long after each next one, ``max_backoff_seconds`` at most; a claim
    older than ``lease_seconds`` is taken back."""

    max_attempts: int = 8
    backoff_seconds: float = 5.0
    lease_seconds: float = 120.0
    max_backoff_seconds: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            max_attempts=settings.outbox_max_attempts,
            backoff_seconds=settings.outbox_backoff_seconds,
            lease_seconds=settings.outbox_lease_seconds,
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed try."""
        exponent = min(max(attempts - 1, 0), 30)
        return timedelta(seconds=min(self.backoff_seconds * 2**exponent, self.max_backoff_seconds))

    def stale_before(self, now: datetime) -> datetime:
        """Claims made before this moment have lapsed."""
        return now - timedelta(seconds=self.lease_seconds)


@dataclass(frozen=True)
class Held:
    """One message under a claim, with what sending it takes."""

    id: int
    medium: str
    to_phone: str
    body: str
    purpose: str
    legally_required: bool
    time_zone: Optional[str]
    attempts: int
    lapsed_since: Optional[datetime] = None  # a lapsed claim made then: ask the provider first


@dataclass(frozen=True)
class Claim:
    """A worker's hold, under ``token`` since ``claimed_at``, on ``messages``."""

    token: str
    claimed_at: datetime
    messages: Tuple[Held, ...]

    def __len__(self) -> int:
        return len(self.messages)


# ---- claiming ----------------------------------------------------------------------------


def _due(now: datetime, medium: Optional[str], ids: Optional[Sequence[int]]) -> List[Any]:
    where = [OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now]
    if medium is not None:
        where.append(OutboxMessage.medium == medium)
    if ids is not None:
        where.append(OutboxMessage.id.in_(list(ids)))
    return where


def _lapsed(
    policy: DeliveryPolicy, now: datetime, medium: Optional[str], ids: Optional[Sequence[int]]
) -> List[Any]:
    where = [
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_at <= policy.stale_before(now),
        OutboxMessage.next_attempt_at <= now,
    ]
    if medium is not None:
        where.append(OutboxMessage.medium == medium)
    if ids is not None:
        where.append(OutboxMessage.id.in_(list(ids)))
    return where


def due_counts(
    sessions: sessionmaker, policy: DeliveryPolicy, now: Optional[datetime] = None
) -> Dict[str, int]:
    """How many messages of each medium are due now (or their claim lapsed)."""
    now = now or utcnow()
    due = or_(and_(*_due(now, None, None)), and_(*_lapsed(policy, now, None, None)))
    with read_only(sessions)() as session:
        rows = session.execute(
            select(OutboxMessage.medium, func.count()).where(due).group_by(OutboxMessage.medium)
        ).all()
    return {medium: int(count) for medium, count in rows}


def claim_due(
    sessions: sessionmaker,
    *,
    limit: int,
    medium: Optional[str] = None,
    now: Optional[datetime] = None,
    ids: Optional[Sequence[int]] = None,
) -> Optional[Claim]:
    """Claim up to ``limit`` pending, due messages (of ``medium``, or of ``ids``), oldest first,
    in one UPDATE under a fresh token, counting a try of each; None if none was due."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    where = _due(now, medium, ids)
    pick = (
        select(OutboxMessage.id)
        .where(*where)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    values = {
        "status": "sending",
        "claim_token": token,
        "claimed_at": now,
        "attempts": OutboxMessage.attempts + 1,
        "deferred": False,
    }
    with sessions() as session, session.begin():
        claimed = _update_picked(session, pick, where, values)
        if not claimed:
            return None
        return Claim(token, now, _held(session, token, {}))


def _update_picked(session: Session, pick: Any, where: List[Any], values: Dict[str, Any]) -> int:
    """One UPDATE of the rows ``pick`` selects that still match ``where``; how many. On
    PostgreSQL the pick is a materialised CTE, run once (inside ``IN (...)`` a locking,
    limited sub-select may run again for each row, and claim far more than its limit)."""
    if session.get_bind().dialect.name == "postgresql":
        picked = pick.cte("picked").prefix_with("MATERIALIZED")
        target = OutboxMessage.id == picked.c.id
    else:
        target = OutboxMessage.id.in_(pick.scalar_subquery())
    statement = update(OutboxMessage).where(target, *where).values(**values)
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def claim_lapsed(
    sessions: sessionmaker,
    policy: DeliveryPolicy,
    *,
    limit: int,
    medium: Optional[str] = None,
    now: Optional[datetime] = None,
    ids: Optional[Sequence[int]] = None,
) -> Optional[Claim]:
    """Take back up to ``limit`` messages whose claim lapsed (their worker stopped mid-send, or
    the send had no answer), under a fresh token; each remembers when its lapsed claim was
    made. No try is counted here."""
    now = now or utcnow()
    where = _lapsed(policy, now, medium, ids)
    token = secrets.token_hex(16)
    with sessions() as session, session.begin():
        found = session.execute(
            select(OutboxMessage.id, OutboxMessage.claimed_at)
            .where(*where)
            .order_by(OutboxMessage.claimed_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not found:
            return None
        since = {row.id: row.claimed_at for row in found}
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(since)), *where)
            .values(claim_token=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        held = _held(session, token, since)
        return Claim(token, now, held) if held else None


def _held(session: Session, token: str, lapsed: Dict[int, datetime]) -> Tuple[Held, ...]:
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.medium,
            OutboxMessage.to_phone,
            OutboxMessage.body,
            OutboxMessage.purpose,
            OutboxMessage.legally_required,
            OutboxMessage.time_zone,
            OutboxMessage.attempts,
        )
        .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
        .order_by(OutboxMessage.id)
    ).all()
    return tuple(
        Held(
            row.id,
            row.medium,
            normalize_phone(row.to_phone),
            row.body,
            row.purpose,
            row.legally_required,
            row.time_zone,
            row.attempts,
            lapsed_since=lapsed.get(row.id),
        )
        for row in rows
    )


def still_held(sessions: sessionmaker, claim: Claim, now: Optional[datetime] = None) -> Set[int]:
    """Renew ``claim`` (its lease starts again) and say which of its messages it still holds
    (none that another worker took back)."""
    now = now or utcnow()
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_token == claim.token, OutboxMessage.status == "sending")
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return set(
            session.execute(
                select(OutboxMessage.id).where(
                    OutboxMessage.claim_token == claim.token, OutboxMessage.status == "sending"
                )
            ).scalars()
        )


def count_tries(sessions: sessionmaker, claim: Claim, ids: Iterable[int]) -> None:
    """Count one more try of these messages (taken back from a lapsed claim, about to be sent
    again)."""
    wanted = list(ids)
    if not wanted:
        return
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(wanted), OutboxMessage.claim_token == claim.token)
            .values(attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )


# ---- quiet hours before claiming ----------------------------------------------------------


def defer_quiet(
    sessions: sessionmaker,
    quiet: QuietHours,
    *,
    medium: Optional[str] = None,
    now: Optional[datetime] = None,
) -> int:
    """Hold back every due message whose time zone is in its quiet hours now, until they end
    there (``deferred``; no try counted); how many. One UPDATE per quiet zone, a few hundred
    rows a transaction."""
    if quiet.never:
        return 0
    now = now or utcnow()
    due = _due(now, medium, None)
    with sessions() as session:
        zones = session.execute(
            select(OutboxMessage.time_zone)
            .where(*due, OutboxMessage.time_zone.is_not(None))
            .distinct()
        ).scalars()
        zones = list(zones)
    deferred = 0
    for zone in zones:
        until = quiet.ends_at(zone, now)
        if until is None:
            continue
        where = [*due, OutboxMessage.time_zone == zone]
        while True:
            pick = select(OutboxMessage.id).where(*where).limit(DEFER_ROWS)
            with sessions() as session, session.begin():
                changed = _update_picked(
                    session, pick, where, {"deferred": True, "next_attempt_at": until}
                )
            deferred += changed
            if changed < DEFER_ROWS:
                break
    return deferred
