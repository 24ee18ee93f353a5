"""The outbound-messaging tables, on the shared declarative base: opt-outs and SMS records."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String

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
