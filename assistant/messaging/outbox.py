"""The outbox: texts and calls written in the same transaction as the change they tell of.

A service adds a message with :func:`add` inside its own transaction, so the message exists
exactly when the change does; a fan-out (a warning to every customer) adds thousands with
:func:`add_many`, one INSERT a few hundred rows at a time. A second message with the same
``dedupe_key`` adds nothing, so a job that runs twice sends once.

The worker delivers what is due (:mod:`assistant.messaging.outbox_delivery`) and records the
provider's delivery status callbacks (:mod:`assistant.messaging.delivery_status`). A broadcast
follows its batch with :func:`batch_progress` and stops what is not sent yet with
:func:`cancel_batch`; :func:`cancel_for` drops one pending message its customer already heard
another way. The voice channel reads a call's script with :func:`call_script`.

Finished texts (sent, opted_out, failed, cancelled) lose their body, so a one-time code does not
stay in the database. A call keeps its script until its last status callback, or
``ASSISTANT_OUTBOX_CALL_SCRIPT_HOURS`` after it was placed (:func:`forget_call_scripts`), so the
customer can press 1 to hear it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.db import read_only, utcnow
from assistant.messaging.delivery_status import DELIVERED, UNDELIVERED
from assistant.messaging.models import OutboxMessage
from assistant.messaging.upsert import dialect_insert
from assistant.models import Customer

MEDIA = ("sms", "call")
# Rows add_many inserts at a time: one statement on PostgreSQL (its driver's page is 1,000).
INSERT_ROWS = 500
PROGRESS_KEYS = (
    "queued",
    "deferred",
    "sending",
    "sent",
    "delivered",
    "failed",
    "opted_out",
    "cancelled",
    "total",
)


def queued(session: Session, dedupe_key: str) -> bool:
    """Whether a message with this key was queued already (whatever became of it)."""
    return (
        session.execute(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
        is not None
    )


def add(
    session: Session,
    *,
    dedupe_key: str,
    to_phone: str,
    body: str,
    purpose: str = "alert",
    customer_id: int | None = None,
    legally_required: bool = False,
    medium: str = "sms",
    batch: str | None = None,
    time_zone: str | None = None,
) -> int:
    """Queue one message in ``session``'s transaction; its id (the existing one for a key
    already used). With ``time_zone`` it waits out the quiet hours there."""
    existing = session.execute(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        medium=_medium(medium),
        to_phone=to_phone,
        body=body,
        purpose=purpose,
        customer_id=customer_id,
        legally_required=legally_required,
        batch=batch,
        time_zone=time_zone,
    )
    session.add(message)
    session.flush()
    return message.id


def add_many(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Queue many messages in ``session``'s transaction, a few hundred rows an INSERT; how many
    were new. A row whose ``dedupe_key`` is queued already (or repeated) is skipped (INSERT ...
    ON CONFLICT DO NOTHING, on SQLite and PostgreSQL).

    Each row: ``dedupe_key``, ``to_phone``, ``body``, and optionally ``medium`` ("sms" or
    "call"), ``purpose``, ``customer_id``, ``batch``, ``time_zone``, ``legally_required``.
    """
    now = utcnow()
    seen: set = set()
    values: List[Dict[str, Any]] = []
    for row in rows:
        key = row["dedupe_key"]
        if key in seen:
            continue
        seen.add(key)
        values.append(
            {
                "dedupe_key": key,
                "medium": _medium(row.get("medium", "sms")),
                "to_phone": row["to_phone"],
                "body": row["body"],
                "purpose": row.get("purpose", "alert"),
                "legally_required": bool(row.get("legally_required", False)),
                "customer_id": row.get("customer_id"),
                "batch": row.get("batch"),
                "time_zone": row.get("time_zone"),
                "status": "pending",
                "attempts": 0,
                "deferred": False,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    statement = dialect_insert(session)(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["dedupe_key"]
    )
    added = 0
    for start in range(0, len(values), INSERT_ROWS):
        # One executemany per chunk: SQLite sums its rows; psycopg2 sends a chunk as one
        # multi-row INSERT (execute_values, 1,000 rows a page), so its count is exact too.
        added += session.execute(statement, values[start : start + INSERT_ROWS]).rowcount
    return added


def _medium(medium: str) -> str:
    if medium not in MEDIA:
        raise ValueError(f"an outbox message is a text or a call ({MEDIA}), not {medium!r}")
    return medium


# ---- a batch: what became of it, and stopping the rest ------------------------------------


def cancel_batch(session: Session, batch: str, now: Optional[datetime] = None) -> int:
    """Cancel every message of ``batch`` not sent yet (waiting, or deferred to the morning);
    how many. Messages being sent right now, and those sent, stay as they are."""
    return _cancel(session, now, OutboxMessage.batch == batch)


def cancel_for(session: Session, dedupe_key: str, now: Optional[datetime] = None) -> bool:
    """Cancel the message with this key if it is still waiting (its customer heard it another
    way first); whether it was."""
    return _cancel(session, now, OutboxMessage.dedupe_key == dedupe_key) == 1


def _cancel(session: Session, now: Optional[datetime], *where: Any) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(*where, OutboxMessage.status == "pending")
        .values(status="cancelled", body="", finished_at=now or utcnow(), claim_token=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def batch_progress(session: Session, batch: str) -> Dict[str, int]:
    """How far ``batch`` got, counted in one query: ``queued`` (waiting to go), ``deferred``
    (held back by quiet hours), ``sending``, ``sent`` (no delivery report yet), ``delivered``
    (the phone got the text, or the call was answered), ``failed`` (given up, or reported
    undelivered, failed, busy, not answered), ``opted_out``, ``cancelled``, and ``total``."""
    rows = session.execute(
        select(
            OutboxMessage.status,
            OutboxMessage.deferred,
            OutboxMessage.delivery_status,
            func.count(),
        )
        .where(OutboxMessage.batch == batch)
        .group_by(OutboxMessage.status, OutboxMessage.deferred, OutboxMessage.delivery_status)
    ).all()
    counts = dict.fromkeys(PROGRESS_KEYS, 0)
    for status, deferred, delivery_status, count in rows:
        counts[_stage_of(status, bool(deferred), delivery_status)] += count
        counts["total"] += count
    return counts


def _stage_of(status: str, deferred: bool, delivery_status: Optional[str]) -> str:
    if status == "pending":
        return "deferred" if deferred else "queued"
    if status == "sent":
        if delivery_status in DELIVERED:
            return "delivered"
        if delivery_status in UNDELIVERED:
            return "failed"
        return "sent"
    return status  # sending, failed, opted_out, cancelled


# ---- calls: the script Twilio's webhook reads ---------------------------------------------


@dataclass(frozen=True)
class CallScript:
    """What an outbox call says, and to whom: the customer's locale and speech pace."""

    message_id: int
    body: str
    locale: Optional[str]
    speech_rate: str


def call_script(sessions: sessionmaker, message_id: int) -> Optional[CallScript]:
    """The script of outbox call ``message_id`` while it may still be heard; None for a text,
    an unknown id, or a call whose script was cleared."""
    with read_only(sessions)() as session:
        row = session.execute(
            select(OutboxMessage.body, OutboxMessage.medium, Customer.locale, Customer.speech_rate)
            .outerjoin(Customer, Customer.id == OutboxMessage.customer_id)
            .where(OutboxMessage.id == message_id)
        ).first()
    if row is None or row.medium != "call" or not row.body:
        return None
    return CallScript(message_id, row.body, row.locale, row.speech_rate or "normal")


def forget_call_scripts(sessions: sessionmaker, now: datetime, older_than: timedelta) -> int:
    """Clear the scripts of calls placed more than ``older_than`` ago whose last status never
    came; how many. Looked for in a read (no write lock held for the search), then cleared."""
    old = [
        OutboxMessage.medium == "call",
        OutboxMessage.status.in_(("sent", "failed", "opted_out", "cancelled")),
        OutboxMessage.finished_at <= now - older_than,
        OutboxMessage.body != "",
    ]
    with read_only(sessions)() as session:
        ids = list(session.execute(select(OutboxMessage.id).where(*old)).scalars())
    if not ids:
        return 0
    with sessions() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), *old)
            .values(body="")
            .execution_options(synchronize_session=False)
        )
        return result.rowcount
