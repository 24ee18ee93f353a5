"""A warning's texts and calls in the outbox: one message per customer, in the batch
"broadcast:<id>", keyed "broadcast:<id>:customer:<customer id>" (so a fan-out that runs twice,
or resumes after a kill, queues each customer once).

These few functions are the only place the broadcasts touch the outbox's rows. (The outbox's
own bulk helpers, ``add_many``, ``cancel_batch``, ``batch_progress`` and ``cancel_for``, take
their place when they exist; the behaviour is the same.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistant.messaging import outbox
from assistant.messaging.models import OutboxMessage

PURPOSE = "broadcast"
#: Twilio refuses every text to a number that texted STOP with this error: opted out.
OPTED_OUT_ERROR = "21610"
#: The provider's last word on a message that reached the phone (a call that was answered).
DELIVERED = frozenset({"delivered", "read", "completed"})
#: ... and on one that did not.
UNDELIVERED = frozenset({"undelivered", "failed", "busy", "no-answer", "canceled"})
_KEY = re.compile(r"^broadcast:(\d+):customer:(\d+)$")


def batch_of(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


def push_key(broadcast_id: int, customer_id: int) -> str:
    return f"broadcast:{broadcast_id}:customer:{customer_id}"


def parse_push_key(key: str) -> Optional[Tuple[int, int]]:
    """(broadcast id, customer id) of a push's dedupe key; None for any other key."""
    found = _KEY.match(key or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


@dataclass(frozen=True)
class Push:
    """One customer's text (medium "sms") or automated call (medium "call", ``body`` its
    script), with the time zone its quiet hours are kept in."""

    customer_id: int
    phone: str
    medium: str
    body: str
    time_zone: str


def queue_pushes(session: Session, broadcast_id: int, pushes: Iterable[Push]) -> List[int]:
    """Queue each push in ``session``'s transaction (a key queued already is kept as it is);
    the outbox ids."""
    ids: List[int] = []
    for push in pushes:
        message_id = outbox.add(
            session,
            dedupe_key=push_key(broadcast_id, push.customer_id),
            to_phone=push.phone,
            body=push.body,
            purpose=PURPOSE,
            customer_id=push.customer_id,
            medium=push.medium,
        )
        message = session.get(OutboxMessage, message_id)
        if message is not None and message.batch is None:
            message.batch = batch_of(broadcast_id)
            message.time_zone = push.time_zone
        ids.append(message_id)
    session.flush()
    return ids


def cancel_unsent(session: Session, broadcast_id: int, now: datetime) -> int:
    """Cancel every push of the warning not sent yet (waiting, or deferred to the morning);
    one in the middle of its send is left to finish. How many were cancelled."""
    return _cancel(session, now, OutboxMessage.batch == batch_of(broadcast_id))


def cancel_push(session: Session, broadcast_id: int, customer_id: int, now: datetime) -> bool:
    """Cancel one customer's push of the warning if it is not sent yet."""
    key = push_key(broadcast_id, customer_id)
    return _cancel(session, now, OutboxMessage.dedupe_key == key) > 0


def _cancel(session: Session, now: datetime, *where: object) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(*where, OutboxMessage.status == "pending")
        .values(status="cancelled", body="", finished_at=now, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def push_counts(session: Session, broadcast_id: int) -> Dict[str, int]:
    """The warning's pushes by where they are: queued, deferred, sent, delivered, failed,
    opted_out, cancelled (each push in exactly one)."""
    rows = session.execute(
        select(
            OutboxMessage.status,
            OutboxMessage.deferred,
            OutboxMessage.delivery_status,
            OutboxMessage.error_code,
            func.count(),
        )
        .where(OutboxMessage.batch == batch_of(broadcast_id))
        .group_by(
            OutboxMessage.status,
            OutboxMessage.deferred,
            OutboxMessage.delivery_status,
            OutboxMessage.error_code,
        )
    ).all()
    counts: Counter = Counter()
    for status, deferred, delivery, error, number in rows:
        counts[_where(status, bool(deferred), delivery, error)] += int(number)
    return {
        name: counts.get(name, 0)
        for name in ("queued", "deferred", "sent", "delivered", "failed", "opted_out", "cancelled")
    }


def _where(status: str, deferred: bool, delivery: Optional[str], error: Optional[str]) -> str:
    if status == "pending":
        return "deferred" if deferred else "queued"
    if status == "sending":
        return "queued"
    if status == "opted_out" or error == OPTED_OUT_ERROR:
        return "opted_out"
    if status in ("failed", "cancelled"):
        return status
    delivery = (delivery or "").lower()
    if delivery in DELIVERED:
        return "delivered"
    if delivery in UNDELIVERED:
        return "failed"
    return "sent"


def pushed(session: Session, broadcast_ids: List[int], customer_id: int) -> set:
    """Which of the warnings reached the customer as a text or call already (sent, and not
    reported undelivered)."""
    if not broadcast_ids:
        return set()
    keys = {push_key(b, customer_id): b for b in broadcast_ids}
    rows = session.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.delivery_status).where(
            OutboxMessage.dedupe_key.in_(list(keys)), OutboxMessage.status == "sent"
        )
    ).all()
    return {keys[key] for key, delivery in rows if (delivery or "").lower() not in UNDELIVERED}
