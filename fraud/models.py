"""Fraud protection's tables (migration 0010), on the shared declarative base.

Only the services in :mod:`fraud` read and write them; ``assistant.schema`` registers them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from assistant.db import Base, UTCDateTime, utcnow


class Broadcast(Base):
    """A scam warning written by fraud-operations staff.

    One text per medium (``voice_text`` read slowly on an automated call, ``sms_text``,
    ``banner_text`` on the web pages, ``opener_text`` at the start of the next conversation),
    an ``audience`` ({"everyone": true} or segments: age_bands, regions, channels, languages,
    has_helper), an ``urgency``, and the window ``starts_at`` to ``expires_at``. ``state``:
    draft, published, cancelled. Publishing fans out in customer-id order; ``fanout_cursor`` is
    the last customer id queued, so a worker killed mid fan-out resumes where it stopped, and
    ``fanned_out_at`` says it finished. Every push is an outbox message with batch
    "broadcast:<id>" and dedupe key "broadcast:<id>:customer:<customer id>": one per customer.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'published', 'cancelled')", name="state"),
        CheckConstraint("urgency IN ('normal', 'high', 'urgent')", name="urgency"),
        Index("ix_broadcasts_state_window", "state", "starts_at", "expires_at"),
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(120), nullable=False)
    voice_text = Column(Text, nullable=False)
    sms_text = Column(Text, nullable=False)
    banner_text = Column(Text, nullable=False)
    opener_text = Column(Text, nullable=False)
    audience = Column(JSON, nullable=False, default=dict)
    urgency = Column(String(8), nullable=False, default="normal")
    starts_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    state = Column(String(12), nullable=False, default="draft")
    fanout_cursor = Column(Integer, nullable=False, default=0)
    fanned_out_at = Column(UTCDateTime, nullable=True)
    created_by = Column(String(100), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    published_by = Column(String(100), nullable=True)
    published_at = Column(UTCDateTime, nullable=True)
    cancelled_by = Column(String(100), nullable=True)
    cancelled_at = Column(UTCDateTime, nullable=True)


class BroadcastHeard(Base):
    """A customer heard (or skipped) a warning in a conversation, or had it as a text or call:
    no conversation opens with it again. ``how``: opener, skipped, pushed."""

    __tablename__ = "broadcast_heard"

    broadcast_id = Column(Integer, ForeignKey("broadcasts.id"), primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), primary_key=True)
    how = Column(String(12), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)


class ScamIntervention(Base):
    """One time the bank stepped in on a payment: the signals it saw (from the customer's words
    and from the payment), the scam it named, what it did and how it ended, for review and
    tuning. ``action``: warned (told, not held) or held; ``outcome`` follows the held payment:
    pending, released, declined, expired, cancelled (NULL when nothing was held)."""

    __tablename__ = "scam_interventions"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    channel = Column(String(16), nullable=False, default="")
    conversation_id = Column(String(64), nullable=True)
    signals = Column(JSON, nullable=False, default=list)
    scam = Column(String(32), nullable=False, default="")
    amount_minor = Column(BigInteger, nullable=True)
    currency = Column(String(3), nullable=True)
    payee_id = Column(Integer, ForeignKey("payees.id"), nullable=True)
    held_payment_id = Column(Integer, ForeignKey("held_payments.id"), nullable=True, index=True)
    action = Column(String(12), nullable=False)
    outcome = Column(String(12), nullable=True)
    outcome_at = Column(UTCDateTime, nullable=True)
    reviewed_by = Column(String(100), nullable=True)
    review_note = Column(Text, nullable=True)


class FraudAlert(Base):
    """One unusual event on a customer's account, raised once (``event_key`` is unique, e.g.
    "large_payment:txn:812"); its texts and calls to the customer and permitted helpers are
    outbox messages keyed by it."""

    __tablename__ = "fraud_alerts"

    id = Column(Integer, primary_key=True)
    event_key = Column(String(100), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    rule = Column(String(32), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    detail = Column(JSON, nullable=False, default=dict)
