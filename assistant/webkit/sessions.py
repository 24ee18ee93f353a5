"""Server-side web sessions: a random token in the cookie, its SHA-256 in ``web_sessions``.

A session starts signed out (it carries the sign-in form's CSRF token), and a new one replaces
it at sign-in, so a token planted before sign-in is worthless after. Sessions end after
``web_session_idle_minutes`` without a request or ``web_session_max_hours`` in all; a
half-filled form lives in ``data`` until then. Each set of pages has its own store, and a
session of one page set is unknown to every other (the customer pages never accept a helper
portal's cookie). A signed-in session belongs to a customer (``customer_id``), on the helper
portal to a helper (``helper_id``), on the admin console to a staff user (``staff_id``). Nothing
here ever holds a PIN or a password.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only, utcnow
from assistant.webkit.models import WebSession

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often
PURGE_EVERY_SECONDS = 300.0


def token_id(token: str) -> str:
    """The row id for a cookie token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class WebSessionState:
    """One loaded session; change ``data`` through :meth:`changed` so it gets saved."""

    id: str
    customer_id: Optional[int]
    conversation_id: Optional[str]
    csrf_token: str
    data: Dict[str, Any]
    created_at: datetime
    last_seen_at: datetime
    helper_id: Optional[int] = None
    staff_id: Optional[int] = None
    dirty: bool = field(default=False, compare=False)

    @property
    def signed_in(self) -> bool:
        return any(owner is not None for owner in (self.customer_id, self.helper_id, self.staff_id))

    def changed(self) -> Dict[str, Any]:
        """The data, marked to be saved at the end of the request."""
        self.dirty = True
        return self.data


class WebSessionStore:
    """Creates, loads, saves and revokes web sessions; one short transaction per call."""

    def __init__(
        self,
        session_factory: sessionmaker,
        idle_minutes: int,
        max_hours: int,
        page_set: str = "web",
    ) -> None:
        self.page_set = page_set
        self._sessions = session_factory
        self._readers = read_only(session_factory)
        self.idle = timedelta(minutes=idle_minutes)
        self.lifetime = timedelta(hours=max_hours)
        self._purged_at: Optional[float] = None
        self._purge_lock = threading.Lock()

    def create(
        self,
        customer_id: Optional[int] = None,
        conversation_id: Optional[str] = None,
        helper_id: Optional[int] = None,
        staff_id: Optional[int] = None,
    ) -> tuple[str, WebSessionState]:
        """A new session, signed in as a customer, a helper or a staff user if one is given;
        returns (cookie token, state)."""
        self._maybe_purge()
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = WebSession(
            id=token_id(token),
            page_set=self.page_set,
            customer_id=customer_id,
            helper_id=helper_id,
            staff_id=staff_id,
            conversation_id=conversation_id,
            csrf_token=secrets.token_urlsafe(32),
            data={},
            created_at=now,
            last_seen_at=now,
        )
        with self._sessions() as session, session.begin():
            session.add(row)
        return token, _state(row)

    def load(self, token: Optional[str]) -> Optional[WebSessionState]:
        """The live session for a cookie token, or None (unknown, revoked or expired)."""
        if not token or len(token) > 200:
            return None
        with self._readers() as session:
            row = session.get(WebSession, token_id(token))
            if row is None or row.page_set != self.page_set:
                return None
            state = _state(row)
        now = utcnow()
        if self._expired(state, now):
            self.delete(state.id)
            return None
        if now - state.last_seen_at >= TOUCH_EVERY:
            state.last_seen_at = now
            state.dirty = True
        return state

    def save(self, state: WebSessionState) -> None:
        """Write the data and last-seen time (no-op when nothing changed)."""
        if not state.dirty:
            return
        with self._sessions() as session, session.begin():
            session.execute(
                update(WebSession)
                .where(WebSession.id == state.id)
                .values(data=copy.deepcopy(state.data), last_seen_at=utcnow())
            )
        state.dirty = False

    def set_conversation(self, session_id: str, conversation_id: str) -> None:
        """Link the session to its "Ask me" conversation."""
        with self._sessions() as session, session.begin():
            session.execute(
                update(WebSession)
                .where(WebSession.id == session_id)
                .values(conversation_id=conversation_id)
            )

    def delete(self, session_id: str) -> None:
        """End one session."""
        with self._sessions() as session, session.begin():
            session.execute(delete(WebSession).where(WebSession.id == session_id))

    def revoke_customer(self, customer_id: int) -> List[str]:
        """End every session of the customer on this page set; returns their conversations' ids."""
        mine = (WebSession.customer_id == customer_id, WebSession.page_set == self.page_set)
        with self._sessions() as session, session.begin():
            conversations = list(
                session.execute(select(WebSession.conversation_id).where(*mine)).scalars()
            )
            session.execute(delete(WebSession).where(*mine))
        return [c for c in conversations if c]

    def purge_expired(self) -> int:
        """Delete every expired session; returns how many."""
        now = utcnow()
        with self._sessions() as session, session.begin():
            result = session.execute(
                delete(WebSession).where(
                    or_(
                        WebSession.last_seen_at < now - self.idle,
                        WebSession.created_at < now - self.lifetime,
                    )
                )
            )
            return int(result.rowcount or 0)

    def _expired(self, state: WebSessionState, now: datetime) -> bool:
        return now - state.last_seen_at > self.idle or now - state.created_at > self.lifetime

    def _maybe_purge(self) -> None:
        with self._purge_lock:
            now = time.monotonic()
            if self._purged_at is not None and now - self._purged_at < PURGE_EVERY_SECONDS:
                return
            self._purged_at = now
        self.purge_expired()


def _state(row: WebSession) -> WebSessionState:
    return WebSessionState(
        id=row.id,
        customer_id=row.customer_id,
        conversation_id=row.conversation_id,
        csrf_token=row.csrf_token,
        data=copy.deepcopy(row.data or {}),
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        helper_id=row.helper_id,
        staff_id=row.staff_id,
    )
