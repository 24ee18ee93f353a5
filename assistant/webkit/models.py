"""The web kit's own table, on the shared declarative base: server-side browser sessions.

Only :mod:`assistant.webkit.sessions` reads and writes it; ``assistant.schema`` registers it with
the rest of the app's tables for Alembic and the tests.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String

from assistant.db import Base, UTCDateTime, utcnow


class WebSession(Base):
    """A browser's server-side session. ``id`` is the SHA-256 of the cookie, never the cookie.

    ``data`` holds half-filled forms, receipts and the "Ask me" messages; never a PIN.
    ``page_set`` is the set of pages it belongs to ("web": the customer pages); a session is
    valid only for its own page set.
    """

    __tablename__ = "web_sessions"

    id = Column(String(64), primary_key=True)
    page_set = Column(String(32), nullable=False, default="web", server_default="web")
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True, index=True)
    # Migration 0009: the helper portal's sessions belong to a helper, not a customer.
    helper_id = Column(Integer, ForeignKey("helpers.id"), nullable=True, index=True)
    # Migration 0010: the admin console's sessions belong to a staff user.
    staff_id = Column(Integer, ForeignKey("staff_users.id"), nullable=True, index=True)
    conversation_id = Column(String(64), ForeignKey("conversations.id"), nullable=True)
    csrf_token = Column(String(64), nullable=False)
    data = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
