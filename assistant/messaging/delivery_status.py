"""Twilio's delivery status callbacks, recorded on the outbox message they are about.

Twilio calls back for every stage of a text (queued, sent, delivered or undelivered...) and of a
call (initiated, ringing, in-progress, completed, busy, no-answer...), sometimes out of order; a
status never moves a message back to an earlier stage. The message is found by the sid Twilio
gave it (``provider_sid``), or, when the callback beats the worker writing that sid down, by the
``outbox=<id>`` its callback URL carries (signed by Twilio with the rest of the URL).

Error 21610 in a text's callback means the number texted STOP: the message counts as opted
out and the opt-out is recorded. A call's last status clears its script. A callback for a sid
no outbox message has changes nothing here.
"""

from __future__ import annotations

import logging
from typing import Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker

from assistant.db import utcnow
from assistant.messaging.models import OutboxMessage
from assistant.messaging.opt_outs import OptOutStore

logger = logging.getLogger(__name__)

OPTED_OUT_CODE = "21610"
# How far along its life a text or a call is; a later callback never moves it back.
STAGES = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "initiated": 1,
    "sending": 2,
    "ringing": 2,
    "sent": 3,
    "in-progress": 3,
    "answered": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "partially_delivered": 4,
    "completed": 4,
    "busy": 4,
    "no-answer": 4,
    "read": 5,
}
UNKNOWN_STAGE = 3
# Reached the customer (a call "completed" was answered), or did not.
DELIVERED = frozenset({"delivered", "read", "completed"})
UNDELIVERED = frozenset({"undelivered", "failed", "busy", "no-answer", "canceled"})
FINAL_CALL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def stage(status: str) -> int:
    return STAGES.get(status, UNKNOWN_STAGE)


def record_delivery(
    sessions: sessionmaker,
    sid: str,
    status: str,
    error_code: Optional[str] = None,
    message_id: Optional[int] = None,
) -> Optional[int]:
    """Record a status callback for ``sid`` on its outbox message; that message's id, or None
    when no outbox message was sent as ``sid`` (nothing changed)."""
    with sessions() as session, session.begin():
        row = session.execute(
            select(OutboxMessage.id, OutboxMessage.medium, OutboxMessage.to_phone).where(
                OutboxMessage.provider_sid == sid
            )
        ).first()
        if row is None and message_id is not None:
            # The callback came before the worker wrote the sid down: the message it names,
            # still being sent and without a sid.
            row = session.execute(
                select(OutboxMessage.id, OutboxMessage.medium, OutboxMessage.to_phone).where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.provider_sid.is_(None),
                    OutboxMessage.status == "sending",
                )
            ).first()
        if row is None:
            return None
        later = stage(status)
        not_later = [name for name, value in STAGES.items() if value <= later]
        reached = [OutboxMessage.delivery_status.is_(None)]
        reached.append(OutboxMessage.delivery_status.in_(not_later))
        if later >= UNKNOWN_STAGE:
            reached.append(OutboxMessage.delivery_status.notin_(list(STAGES)))
        values = {"delivery_status": status[:20]}
        if error_code:
            values["error_code"] = error_code[:16]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, or_(*reached))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        opted_out = error_code == OPTED_OUT_CODE and row.medium == "sms"
        if opted_out:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status.in_(("sending", "sent")),
                )
                .values(status="opted_out", body="", finished_at=utcnow(), error_code=error_code)
                .execution_options(synchronize_session=False)
            )
        if row.medium == "call" and status in FINAL_CALL_STATUSES:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(body="")
                .execution_options(synchronize_session=False)
            )
    if opted_out:
        OptOutStore(sessions).opt_out(row.to_phone)
        logger.info("outbox %d: the number texted STOP (21610 in a status callback)", row.id)
    return row.id
