"""The outbound-messaging tables, on the shared declarative base: opt-outs, SMS records and the
outbox the worker delivers from."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.sql.expression import false

from assistant.db import Base, UTCDateTime, utcnow


class SmsOptOut(Base):
    """A number's STOP/START choice; every outbound text checks it."""

    __tablename__ = "sms_opt_outs"

    phone = Column(String(20), primary_key=True)
    opted_out = Column(Boolean, nullable=False, default=False)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SmsMessage(Base):
    """One text message in or out: who, how many segments, delivery status. Never the body."""

    __tablename__ = "sms_messages"

    id = Column(Integer, primary_key=True)
    sid = Column(String(64), nullable=True, unique=True)
    reply_to_sid = Column(String(64), nullable=True, index=True)
    direction = Column(String(8), nullable=False)
    phone = Column(String(20), nullable=False, index=True)
    purpose = Column(String(32), nullable=False, default="reply")
    segments = Column(Integer, nullable=False, default=1)
    encoding = Column(String(8), nullable=False, default="GSM-7")
    status = Column(String(20), nullable=True)
    error_code = Column(String(16), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class OutboxMessage(Base):
    """A text (or call) to send, written in the same transaction as the change it tells of; the
    worker delivers it, retrying with backoff (migration 0009).

    ``dedupe_key`` makes writing it idempotent ("invitation:12"): one key, one message.
    ``status``: pending (waiting, or waiting for ``next_attempt_at`` after a failure), sending
    (claimed by a worker at ``claimed_at``; a claim older than the lease is taken back), sent,
    failed (gave up), opted_out (the number texted STOP), cancelled (its batch was cancelled, or
    the customer heard it another way first). ``body`` is emptied once the message
    is finished, so a code it carried does not stay in the database.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'opted_out', 'cancelled')",
            name="status",
        ),
        CheckConstraint("medium IN ('sms', 'call')", name="medium"),
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_messages_provider_sid", "provider_sid"),
    )

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(200), nullable=False, unique=True)
    medium = Column(String(8), nullable=False, default="sms")
    to_phone = Column(String(20), nullable=False)
    body = Column(Text, nullable=False, default="")
    purpose = Column(String(32), nullable=False, default="alert")
    legally_required = Column(Boolean, nullable=False, default=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True, index=True)
    status = Column(String(12), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at = Column(UTCDateTime, nullable=True)
    provider_sid = Column(String(64), nullable=True)
    last_error = Column(String(200), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    finished_at = Column(UTCDateTime, nullable=True)
    # Migration 0010. ``batch``: the send it belongs to ("broadcast:12"), for its progress and
    # for cancelling what is not sent yet. ``claim_token``: the worker claim that took it in a
    # batch claim. ``time_zone``: quiet hours apply in this zone (NULL: any hour); ``deferred``:
    # held back until morning there. ``delivery_status``/``error_code``: the provider's last
    # status callback for ``provider_sid`` (delivered, undelivered, completed, no-answer...).
    batch = Column(String(40), nullable=True, index=True)
    claim_token = Column(String(32), nullable=True, index=True)
    time_zone = Column(String(64), nullable=True)
    deferred = Column(Boolean, nullable=False, default=False, server_default=false())
    delivery_status = Column(String(20), nullable=True)
    error_code = Column(String(16), nullable=True)
