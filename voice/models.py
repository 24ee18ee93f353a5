"""The voice channel's own tables, on the shared declarative base: calls and call-back requests.

Only :mod:`voice.calls` reads and writes them; ``assistant.schema`` registers them with the
rest of the app's tables for Alembic and the tests.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String

from assistant.db import Base, UTCDateTime, utcnow


class VoiceCall(Base):
    """One phone call: its conversation, pace, keypad choices, and how it ended."""

    __tablename__ = "voice_calls"

    call_sid = Column(String(64), primary_key=True)
    conversation_id = Column(String(64), ForeignKey("conversations.id"), nullable=False)
    phone = Column(String(20), nullable=True)
    speech_rate = Column(String(16), nullable=False, default="normal")
    quiet_turns = Column(Integer, nullable=False, default=0)
    choices = Column(JSON, nullable=False, default=list)
    summary = Column(JSON, nullable=False, default=dict)
    handed_off = Column(Boolean, nullable=False, default=False)
    status = Column(String(20), nullable=False, default="in-progress")
    duration_seconds = Column(Integer, nullable=True)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = Column(UTCDateTime, nullable=True)


class CallbackRequest(Base):
    """A caller asked for a person outside opening hours: someone rings them back."""

    __tablename__ = "callback_requests"

    id = Column(Integer, primary_key=True)
    phone = Column(String(20), nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    call_sid = Column(String(64), nullable=True)
    reason = Column(String(200), nullable=False, default="")
    status = Column(String(16), nullable=False, default="open")
    requested_at = Column(UTCDateTime, nullable=False, default=utcnow)
