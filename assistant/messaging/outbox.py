"""The outbox: texts and calls written in the same transaction as the change they tell of.

A service adds a message with :func:`add` inside its own transaction, so the message exists
exactly when the change does; the worker delivers it (retrying with backoff) and a second
``add`` with the same ``dedupe_key`` adds nothing, so a job that runs twice sends once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.messaging.models import OutboxMessage


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
) -> int:
    """Queue one message in ``session``'s transaction; its id (the existing one for a key
    already used)."""
    existing = session.execute(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        medium=medium,
        to_phone=to_phone,
        body=body,
        purpose=purpose,
        customer_id=customer_id,
        legally_required=legally_required,
    )
    session.add(message)
    session.flush()
    return message.id
