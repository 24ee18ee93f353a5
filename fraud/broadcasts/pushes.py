"""A warning's texts and calls in the outbox: one message per customer, in the batch
"broadcast:<id>", keyed "broadcast:<id>:customer:<customer id>" (so a fan-out that runs twice,
or resumes after a kill, queues each customer once).

These few functions are the only place the broadcasts touch the outbox, through its bulk
helpers (``add_many``, ``cancel_batch``, ``cancel_for``, ``batch_progress``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.messaging import outbox
from assistant.messaging.delivery_status import UNDELIVERED
from assistant.messaging.models import OutboxMessage

PURPOSE = "broadcast"
#: The counts of a warning's progress.
COUNTS = ("queued", "deferred", "sent", "delivered", "failed", "opted_out", "cancelled")
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


def queue_pushes(session: Session, broadcast_id: int, pushes: Iterable[Push]) -> int:
    """Queue each push in ``session``'s transaction in one bulk insert (a key queued already
    is kept as it is); how many were new."""
    return outbox.add_many(
        session,
        (
            {
                "dedupe_key": push_key(broadcast_id, push.customer_id),
                "to_phone": push.phone,
                "body": push.body,
                "purpose": PURPOSE,
                "customer_id": push.customer_id,
                "medium": push.medium,
                "batch": batch_of(broadcast_id),
                "time_zone": push.time_zone,
            }
            for push in pushes
        ),
    )


def cancel_unsent(session: Session, broadcast_id: int, now: datetime) -> int:
    """Cancel every push of the warning not sent yet (waiting, or deferred to the morning);
    one in the middle of its send is left to finish. How many were cancelled."""
    return outbox.cancel_batch(session, batch_of(broadcast_id), now)


def cancel_push(session: Session, broadcast_id: int, customer_id: int, now: datetime) -> bool:
    """Cancel one customer's push of the warning if it is not sent yet."""
    return outbox.cancel_for(session, push_key(broadcast_id, customer_id), now)


def push_counts(session: Session, broadcast_id: int) -> Dict[str, int]:
    """The warning's pushes by where they are: queued (being sent included), deferred, sent,
    delivered, failed, opted_out, cancelled (each push in exactly one)."""
    progress = outbox.batch_progress(session, batch_of(broadcast_id))
    counts = {name: progress.get(name, 0) for name in COUNTS}
    counts["queued"] += progress.get("sending", 0)
    return counts


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
