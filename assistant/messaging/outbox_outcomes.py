"""What became of a batch's messages, written back in bulk by the holder of their claim.

Outcomes are written with one executemany UPDATE per kind (sent, opted out, failed, tried again
later, unsure, deferred to the morning), ``commit_rows`` messages a transaction, each only while
the claim (:mod:`~assistant.messaging.outbox_claims`) still holds its message: a fan-out holds
SQLite's write lock a few milliseconds at a time. In the same transactions each text sent is
recorded in ``sms_messages`` and each number Twilio said texted STOP (21610) in
``sms_opt_outs``. A sent text loses its body; a call keeps its script for "press 1 to hear it
again" until its last status came.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import and_, bindparam, case, or_, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from assistant.db import utcnow
from assistant.messaging.delivery_status import FINAL_CALL_STATUSES
from assistant.messaging.models import OutboxMessage, SmsMessage, SmsOptOut
from assistant.messaging.outbox_claims import Claim, Held
from assistant.messaging.sms_text import segment_info
from assistant.messaging.upsert import dialect_insert

TABLE = OutboxMessage.__table__


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
