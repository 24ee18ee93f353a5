"""The outbox: texts and calls written in the same transaction as the change they tell of.

A service adds a message with :func:`add` inside its own transaction, so the message exists
exactly when the change does; the worker delivers it (retrying with backoff) and a second
``add`` with the same ``dedupe_key`` adds nothing, so a job that runs twice sends once.

Delivery (:func:`deliver`, :func:`claim_due`) is decided in the database, never by "the queue
ran it once": a worker first *claims* a message with a conditional UPDATE (pending and due, or
``sending`` under a claim older than the lease), so of two workers racing for one message
exactly one sends it; only the holder of the newest claim may finish it.

A worker killed in the middle of a send leaves its message ``sending``: after the lease the
claim lapses and the message is sent again. Toward Twilio delivery is therefore at least once.
The window is kept small: a claim is renewed just before the send, and the send itself is one
HTTP request (10 s timeout), so only a death between Twilio accepting a message and the result
being written sends it twice. A message whose worker died on its last allowed try is given up.

Finished messages (sent, opted_out, failed) lose their body, so a one-time code it carried does
not stay in the database. Logs name the message id and a masked number, never the body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from assistant.db import utcnow
from assistant.messaging.models import OutboxMessage
from assistant.messaging.transport import OutboundTransport, TransportError, mask_phone
from assistant.settings import Settings

logger = logging.getLogger(__name__)

FINISHED = ("sent", "opted_out", "failed")


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
    time_zone: str | None = None,
) -> int:
    """Queue one message in ``session``'s transaction; its id (the existing one for a key
    already used). With ``time_zone`` it is kept out of the quiet hours there."""
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
        time_zone=time_zone,
    )
    session.add(message)
    session.flush()
    return message.id


# ---- delivery ------------------------------------------------------------------------------


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
class Claim:
    """A worker's hold on one message since ``claimed_at``; only the newest claim finishes it."""

    message_id: int
    claimed_at: datetime


@dataclass(frozen=True)
class Delivery:
    """What one delivery did. ``outcome``: sent, opted_out, retry (again at ``retry_at``),
    failed, or skipped (nothing to do here: finished, not due, or another worker's)."""

    message_id: int
    outcome: str
    retry_at: Optional[datetime] = None
    provider_sid: Optional[str] = None


def _claimable(policy: DeliveryPolicy, now: datetime) -> ColumnElement:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(
            OutboxMessage.status == "sending",
            OutboxMessage.claimed_at <= policy.stale_before(now),
            OutboxMessage.attempts < policy.max_attempts,
        ),
    )


def _update(sessions: sessionmaker, *where: Any, **values: Any) -> int:
    """One conditional UPDATE in its own transaction; how many rows it changed."""
    with sessions() as session, session.begin():
        result = session.execute(
            update(OutboxMessage)
            .where(*where)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount


def claim(
    sessions: sessionmaker,
    message_id: int,
    policy: DeliveryPolicy,
    now: Optional[datetime] = None,
) -> Optional[Claim]:
    """Claim one message for sending (counting the try), or None if it is not claimable now:
    finished, waiting for its next try, or held by a claim that has not lapsed."""
    now = now or utcnow()
    changed = _update(
        sessions,
        OutboxMessage.id == message_id,
        _claimable(policy, now),
        status="sending",
        claimed_at=now,
        attempts=OutboxMessage.attempts + 1,
    )
    return Claim(message_id, now) if changed == 1 else None


def claim_due(
    sessions: sessionmaker,
    policy: DeliveryPolicy,
    now: Optional[datetime] = None,
    limit: int = 500,
) -> List[Claim]:
    """Claim every message due now, oldest first, each with its own conditional UPDATE (so two
    sweeps at once claim each message once); first give up the messages whose worker died on
    their last allowed try."""
    now = now or utcnow()
    given_up = _update(
        sessions,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_at <= policy.stale_before(now),
        OutboxMessage.attempts >= policy.max_attempts,
        status="failed",
        body="",
        finished_at=now,
        last_error="gave up: its worker stopped during the last try",
    )
    if given_up:
        logger.warning("outbox: gave up %d message(s) whose worker stopped mid-send", given_up)
    with sessions() as session:
        due = session.execute(
            select(OutboxMessage.id)
            .where(_claimable(policy, now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).scalars()
        candidates = list(due)
    claims = [claim(sessions, message_id, policy, now) for message_id in candidates]
    return [held for held in claims if held is not None]


def deliver(
    sessions: sessionmaker,
    transport: OutboundTransport,
    message_id: int,
    policy: DeliveryPolicy,
    *,
    claimed_at: Optional[datetime] = None,
    call_url: Optional[Callable[[int], str]] = None,
    now: Optional[datetime] = None,
) -> Delivery:
    """Send one message once, if it is this caller's to send.

    Without ``claimed_at`` the message is claimed here; with it (a claim :func:`claim_due` made
    and handed over) that claim is renewed, and nothing happens if it lapsed and was taken back.
    A text goes through ``transport.send_sms``; a call (medium "call") rings the number with
    its TwiML at ``call_url(message_id)``. Sent: ``sent`` with the provider's sid; the number
    texted STOP: ``opted_out``; a ``TransportError`` (or any other error): the next try after
    the backoff, or ``failed`` after ``policy.max_attempts`` tries. A call's TwiML must not
    depend on the body: it is emptied once the call is placed.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    start = clock()
    if claimed_at is None:
        held = claim(sessions, message_id, policy, start)
    else:
        renewed = _update(
            sessions,
            OutboxMessage.id == message_id,
            OutboxMessage.status == "sending",
            OutboxMessage.claimed_at == claimed_at,
            claimed_at=start,
        )
        held = Claim(message_id, start) if renewed == 1 else None
    if held is None:
        return Delivery(message_id, "skipped")
    with sessions() as session:
        message = session.get(OutboxMessage, message_id)
        to, medium, attempts = message.to_phone, message.medium, message.attempts
        body, purpose, legally_required = message.body, message.purpose, message.legally_required
    masked = mask_phone(to)
    try:
        if medium == "call":
            if call_url is None:
                raise TransportError("no call URL is configured for outbox calls")
            sid: Optional[str] = transport.place_call(to, call_url(message_id))
        else:
            sid = transport.send_sms(to, body, purpose=purpose, legally_required=legally_required)
    except Exception as error:  # noqa: BLE001 - any failure is a try that did not send
        reason = str(error) if isinstance(error, TransportError) else type(error).__name__
        return _failed_try(sessions, held, policy, attempts, reason, masked, clock())
    status = "sent" if sid is not None else "opted_out"
    if not _finish(sessions, held, status, clock(), provider_sid=sid):
        logger.warning(
            "outbox %d to %s: %s, but its claim lapsed during the send and was taken back "
            "(it may be sent twice)",
            message_id,
            masked,
            status,
        )
    else:
        logger.info("outbox %d %s to %s: %s%s", message_id, medium, masked, status, _sid(sid))
    return Delivery(message_id, status, provider_sid=sid)


def _failed_try(
    sessions: sessionmaker,
    held: Claim,
    policy: DeliveryPolicy,
    attempts: int,
    reason: str,
    masked: str,
    now: datetime,
) -> Delivery:
    reason = reason[:200]
    if attempts >= policy.max_attempts:
        _finish(sessions, held, "failed", now, last_error=reason)
        logger.warning(
            "outbox %d to %s: failed after %d tries (%s)", held.message_id, masked, attempts, reason
        )
        return Delivery(held.message_id, "failed")
    retry_at = now + policy.backoff(attempts)
    _update(
        sessions,
        *_held_by(held),
        status="pending",
        claimed_at=None,
        next_attempt_at=retry_at,
        last_error=reason,
    )
    logger.info(
        "outbox %d to %s: try %d of %d failed (%s); next at %s",
        held.message_id,
        masked,
        attempts,
        policy.max_attempts,
        reason,
        retry_at.isoformat(timespec="seconds"),
    )
    return Delivery(held.message_id, "retry", retry_at=retry_at)


def _held_by(held: Claim) -> tuple:
    return (
        OutboxMessage.id == held.message_id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_at == held.claimed_at,
    )


def _finish(sessions: sessionmaker, held: Claim, status: str, now: datetime, **values: Any) -> bool:
    """Mark the message finished (its body emptied), if ``held`` is still its claim."""
    return (
        _update(sessions, *_held_by(held), status=status, body="", finished_at=now, **values) == 1
    )


def _sid(sid: Optional[str]) -> str:
    return f" ({sid})" if sid else ""
