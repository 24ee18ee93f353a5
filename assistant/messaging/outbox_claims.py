"""The outbox's state in the database while it is delivered: batch claims, and their outcomes
written back in bulk.

A worker *claims* up to N due messages with ONE conditional UPDATE that stamps them with a
fresh ``claim_token`` (:func:`claim_due`): pending and due, oldest first, the try counted. On
PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED`` and the UPDATE checks again that each
is still pending, so two workers racing never claim one message twice; on SQLite every write
transaction is ``BEGIN IMMEDIATE``, one at a time. Only the holder of a message's claim token
may finish it (:func:`finish`): outcomes are written with one executemany UPDATE per kind,
``commit_rows`` messages a transaction, so a fan-out holds SQLite's write lock a few
milliseconds at a time.

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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from assistant.banking.phones import normalize_phone
from assistant.db import read_only, utcnow
from assistant.messaging.delivery_status import FINAL_CALL_STATUSES
from assistant.messaging.models import OutboxMessage, SmsMessage, SmsOptOut
from assistant.messaging.quiet_hours import QuietHours
from assistant.messaging.sms_text import segment_info
from assistant.messaging.upsert import dialect_insert
from assistant.settings import Settings

TABLE = OutboxMessage.__table__
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


@dataclass
class Outcome:
    """What became of one held message: ``kind`` is sent, opted_out, failed, retry (again at
    ``when``), unsure (no answer: checked with the provider at ``when``), or deferred (quiet
    hours until ``when``)."""

    message: Held
    kind: str
    sid: Optional[str] = None
    error: Optional[str] = None
    code: Optional[int] = None
    when: Optional[datetime] = None
    recorded_opt_out: bool = False  # the provider said 21610: remember the number opted out


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


# ---- finishing ---------------------------------------------------------------------------


def _mine(token: str) -> ColumnElement:
    return and_(
        TABLE.c.id == bindparam("b_id"),
        TABLE.c.claim_token == token,
        TABLE.c.status == "sending",
    )


def _keep_call_script() -> Any:
    """A call keeps its script (for "press 1 to hear it again") unless its last status came."""
    # Comparisons one by one: an IN list cannot be bound in an executemany.
    waiting = or_(
        TABLE.c.delivery_status.is_(None),
        and_(*(TABLE.c.delivery_status != status for status in sorted(FINAL_CALL_STATUSES))),
    )
    return case((and_(TABLE.c.medium == "call", waiting), TABLE.c.body), else_="")


@dataclass
class Written:
    """How many outcomes were written, and how many were not because the claim had lapsed."""

    written: int = 0
    lost: int = 0
    by_kind: Dict[str, int] = field(default_factory=lambda: defaultdict(int))


def finish(
    sessions: sessionmaker,
    claim: Claim,
    outcomes: Sequence[Outcome],
    *,
    now: Optional[datetime] = None,
    commit_rows: int = 100,
) -> Written:
    """Write ``outcomes`` back, ``commit_rows`` messages a transaction, each only while
    ``claim`` still holds its message; texts sent are recorded in ``sms_messages`` and numbers
    Twilio called opted out in ``sms_opt_outs``, in the same transactions."""
    now = now or utcnow()
    written = Written()
    for start in range(0, len(outcomes), max(1, commit_rows)):
        chunk = outcomes[start : start + max(1, commit_rows)]
        with sessions() as session, session.begin():
            changed = _write(session, claim.token, chunk, now)
            _record_texts(session, chunk, now)
            _record_opt_outs(session, chunk, now)
        written.written += changed
        written.lost += len(chunk) - changed
        for outcome in chunk:
            written.by_kind[outcome.kind] += 1
    return written


def _write(session: Session, token: str, outcomes: Sequence[Outcome], now: datetime) -> int:
    groups: Dict[str, List[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    changed = 0

    def run(kind: str, values: Dict[str, Any], params: List[Dict[str, Any]]) -> None:
        nonlocal changed
        if params:
            statement = update(TABLE).where(_mine(token)).values(**values)
            changed += session.execute(statement, params).rowcount

    run(
        "sent",
        {
            "status": "sent",
            "provider_sid": bindparam("b_sid"),
            "finished_at": now,
            "body": _keep_call_script(),
        },
        [{"b_id": o.message.id, "b_sid": o.sid} for o in groups["sent"]],
    )
    for kind in ("opted_out", "failed"):
        run(
            kind,
            {
                "status": kind,
                "body": "",
                "finished_at": now,
                "last_error": bindparam("b_error"),
                "error_code": bindparam("b_code"),
            },
            [
                {"b_id": o.message.id, "b_error": _short(o.error), "b_code": _code(o.code)}
                for o in groups[kind]
            ],
        )
    run(
        "retry",
        {
            "status": "pending",
            "claimed_at": None,
            "claim_token": None,
            "next_attempt_at": bindparam("b_when"),
            "last_error": bindparam("b_error"),
            "error_code": bindparam("b_code"),
        },
        [
            {
                "b_id": o.message.id,
                "b_when": o.when,
                "b_error": _short(o.error),
                "b_code": _code(o.code),
            }
            for o in groups["retry"]
        ],
    )
    run(
        "unsure",
        {
            "claim_token": None,
            "next_attempt_at": bindparam("b_when"),
            "last_error": bindparam("b_error"),
        },
        [
            {"b_id": o.message.id, "b_when": o.when, "b_error": _short(o.error)}
            for o in groups["unsure"]
        ],
    )
    run(
        "deferred",
        {
            "status": "pending",
            "deferred": True,
            "claimed_at": None,
            "claim_token": None,
            "attempts": TABLE.c.attempts - 1,  # waiting for the morning is no try
            "next_attempt_at": bindparam("b_when"),
        },
        [{"b_id": o.message.id, "b_when": o.when} for o in groups["deferred"]],
    )
    return changed


def _record_texts(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Each text sent (or refused) in ``sms_messages``: sid, purpose, segments, encoding. A
    status callback may have created its row already: it keeps the status it reported."""
    sent, refused = [], []
    for outcome in outcomes:
        message = outcome.message
        if message.medium != "sms" or outcome.kind not in ("sent", "opted_out", "failed"):
            continue
        if outcome.kind != "sent" and outcome.code is None:
            continue  # not sent at all (opted out here, or given up): nothing reached Twilio
        shape = segment_info(message.body)
        row = {
            "sid": outcome.sid if outcome.kind == "sent" else None,
            "direction": "out",
            "phone": message.to_phone,
            "purpose": message.purpose[:32],
            "segments": shape.segments,
            "encoding": shape.encoding,
            "status": "queued" if outcome.kind == "sent" else "failed",
            "error_code": _code(outcome.code),
            "created_at": now,
            "updated_at": now,
        }
        (sent if outcome.kind == "sent" else refused).append(row)
    # executemany of one statement each (compiled once), not a many-row VALUES (compiled anew)
    insert = dialect_insert(session)(SmsMessage.__table__)
    if sent:
        kept = ("phone", "purpose", "segments", "encoding", "updated_at")
        upsert = insert.on_conflict_do_update(
            index_elements=["sid"], set_={name: getattr(insert.excluded, name) for name in kept}
        )
        session.execute(upsert, sent)
    if refused:
        session.execute(insert, refused)


def _record_opt_outs(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    phones = sorted({o.message.to_phone for o in outcomes if o.recorded_opt_out})
    if not phones:
        return
    insert = dialect_insert(session)(SmsOptOut.__table__)
    upsert = insert.on_conflict_do_update(
        index_elements=["phone"], set_={"opted_out": True, "updated_at": insert.excluded.updated_at}
    )
    session.execute(upsert, [{"phone": p, "opted_out": True, "updated_at": now} for p in phones])


def _short(error: Optional[str]) -> Optional[str]:
    return error[:200] if error else None


def _code(code: Optional[int]) -> Optional[str]:
    return None if code is None else str(code)[:16]
