"""Read-backs: what the customer was asked to confirm, and whether a plain yes answered it.

The gateway records every read-back it delivers ("Send $5.00 to Tom from checking. Shall I do
that?") and, before passing on the next message, marks it *confirmed* when that message is a
plain yes, else *closed*. The action that moves money only acts on a confirmed read-back whose
details are exactly the payment it is about to make, and uses it up in the same step
(:meth:`ReadbackStore.use`). So a confirmation counts once, only for the read-back it answered,
only from the very next message, and only until the read-back expires; nothing the assistant's
slots say can stand in for it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only
from assistant.models import Readback, utcnow

OPEN, CONFIRMED, USED, CLOSED = "open", "confirmed", "used", "closed"
PAYMENT, NEW_PAYEE = "payment", "new_payee"
# A relative invited as a helper; more that a helper may do (a loosening).
HELPER_INVITE, HELPER_GRANT = "helper_invite", "helper_grant"
# A change to one of the customer's safety limits (assistant/banking/safety.py).
SAFETY_LIMIT = "safety_limit"
#: Every kind of read-back the gateway records.
KINDS = (PAYMENT, NEW_PAYEE, HELPER_INVITE, HELPER_GRANT, SAFETY_LIMIT)
# The custom payload key a read-back message carries from the actions to the gateway.
PAYLOAD_KEY = "readback"
_WAITING = Readback.state.in_((OPEN, CONFIRMED))
# How long ago an outcome may be and still be told at the start of the next contact.
TELL_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class ReadbackView:
    id: str
    conversation_id: str
    customer_id: Optional[int]
    kind: str
    details: Dict[str, Any]
    state: str
    delivered_at: datetime
    expires_at: datetime
    answer_message_id: Optional[str]
    outcome: Optional[Dict[str, Any]]
    outcome_told: bool


def _view(row: Readback) -> ReadbackView:
    return ReadbackView(
        id=row.id,
        conversation_id=row.conversation_id,
        customer_id=row.customer_id,
        kind=row.kind,
        details=dict(row.details or {}),
        state=row.state,
        delivered_at=row.delivered_at,
        expires_at=row.expires_at,
        answer_message_id=row.answer_message_id,
        outcome=dict(row.outcome) if row.outcome is not None else None,
        outcome_told=bool(row.outcome_told),
    )


def payment_key(conversation_id: str, reference: str) -> str:
    """The idempotency key of the payment a conversation's read-back describes."""
    return f"conversation:{conversation_id}:{reference}"


def same_details(recorded: Dict[str, Any], wanted: Dict[str, Any]) -> bool:
    """Whether the payment about to be made is exactly the one read back."""
    return {k: recorded.get(k) for k in wanted} == wanted and set(recorded) == set(wanted)


class ReadbackStore:
    """Read-backs per conversation; each method is one short transaction."""

    def __init__(self, session_factory: sessionmaker, minutes: int = 10) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)
        self.lifetime = timedelta(minutes=minutes)

    # ---- the gateway -------------------------------------------------------------------

    def record(
        self,
        conversation_id: str,
        customer_id: Optional[int],
        kind: str,
        details: Dict[str, Any],
        now: Optional[datetime] = None,
    ) -> str:
        """A read-back was delivered: it waits for the next message, until it expires."""
        now = now or utcnow()
        with self._sessions() as session, session.begin():
            self._close_waiting(session, conversation_id, now)
            row = Readback(
                id=secrets.token_hex(16),
                conversation_id=conversation_id,
                customer_id=customer_id,
                kind=kind,
                details=details,
                state=OPEN,
                delivered_at=now,
                expires_at=now + self.lifetime,
            )
            session.add(row)
            return row.id

    def answer(
        self,
        conversation_id: str,
        plain_yes: bool,
        message_id: str,
        now: Optional[datetime] = None,
    ) -> Optional[str]:
        """The next message arrived: a plain yes confirms an unexpired open read-back.

        Anything else closes it (the conversation moved on). A confirmation left over from an
        earlier message is closed too. Returns the id of the read-back confirmed now, if any.
        """
        if not self._any(Readback.conversation_id == conversation_id, _WAITING):
            return None  # most messages answer no read-back: no write transaction for them
        now = now or utcnow()
        with self._sessions() as session, session.begin():
            rows = self._waiting(session, conversation_id)
            confirmed = None
            for row in rows:
                if row.state == OPEN and plain_yes and row.expires_at > now and confirmed is None:
                    row.state = CONFIRMED
                    row.answer_message_id = message_id
                    confirmed = row.id
                else:
                    row.state = CLOSED
                row.answered_at = now
            return confirmed

    def is_waiting(self, conversation_id: str) -> bool:
        """Whether a read-back of this conversation still waits for its answer."""
        return self._any(Readback.conversation_id == conversation_id, _WAITING)

    def settle(self, conversation_id: str, now: Optional[datetime] = None) -> None:
        """After a turn: a confirmation nothing acted on does not carry over to the next one."""
        if not self._any(Readback.conversation_id == conversation_id, Readback.state == CONFIRMED):
            return
        now = now or utcnow()
        with self._sessions() as session, session.begin():
            session.execute(
                update(Readback)
                .where(Readback.conversation_id == conversation_id, Readback.state == CONFIRMED)
                .values(state=CLOSED, answered_at=now)
            )

    def get(self, readback_id: str) -> Optional[ReadbackView]:
        return self._first(Readback.id == readback_id)

    def answered_by(self, conversation_id: str, message_id: str) -> Optional[ReadbackView]:
        """The read-back a given message confirmed, if it confirmed one."""
        return self._first(
            Readback.conversation_id == conversation_id, Readback.answer_message_id == message_id
        )

    # ---- the actions -------------------------------------------------------------------

    def is_confirmed(self, conversation_id: str, kind: str, details: Dict[str, Any]) -> bool:
        """Whether the message being answered now confirmed exactly this read-back."""
        row = self._confirmed(conversation_id, kind)
        return row is not None and same_details(row.details, details)

    def use(
        self,
        conversation_id: str,
        kind: str,
        details: Dict[str, Any],
        now: Optional[datetime] = None,
    ) -> Optional[ReadbackView]:
        """Use up the confirmation for exactly these details (once); None if there is none."""
        now = now or utcnow()
        with self._sessions() as session, session.begin():
            row = session.execute(
                select(Readback)
                .where(
                    Readback.conversation_id == conversation_id,
                    Readback.kind == kind,
                    Readback.state == CONFIRMED,
                )
                .with_for_update()
            ).scalar_one_or_none()
            if row is None or not same_details(row.details, details):
                return None
            used = session.execute(
                update(Readback)
                .where(Readback.id == row.id, Readback.state == CONFIRMED)
                .values(state=USED, answered_at=now)
            )
            if used.rowcount != 1:
                return None
            session.refresh(row)
            return _view(row)

    def used(
        self, conversation_id: str, kind: str, details: Dict[str, Any]
    ) -> Optional[ReadbackView]:
        """The confirmation of exactly ``details`` already used here (a retried action)."""
        with self._readers() as session:
            rows = session.execute(
                select(Readback).where(
                    Readback.conversation_id == conversation_id,
                    Readback.kind == kind,
                    Readback.state == USED,
                )
            ).scalars()
            for row in rows:
                if same_details(row.details, details):
                    return _view(row)
            return None

    def record_outcome(self, readback_id: str, outcome: Dict[str, Any]) -> None:
        """What happened after the confirmation (e.g. the receipt); not yet told."""
        with self._sessions() as session, session.begin():
            row = session.get(Readback, readback_id)
            if row is not None:
                row.outcome = outcome
                row.outcome_told = False

    # ---- telling the customer what happened --------------------------------------------

    def mark_told(self, conversation_id: str) -> None:
        """The customer has heard every outcome of this conversation."""
        untold = (
            Readback.conversation_id == conversation_id,
            Readback.outcome.isnot(None),
            Readback.outcome_told.is_(False),
        )
        if not self._any(*untold):
            return  # nearly every turn: nothing to mark, so no write transaction
        with self._sessions() as session, session.begin():
            session.execute(update(Readback).where(*untold).values(outcome_told=True))

    def untold(self, customer_id: int, now: Optional[datetime] = None) -> List[ReadbackView]:
        """Outcomes the customer may not have heard (e.g. the call dropped), oldest first."""
        since = (now or utcnow()) - TELL_WITHIN
        with self._readers() as session:
            rows = session.execute(
                select(Readback)
                .where(
                    Readback.customer_id == customer_id,
                    Readback.outcome.isnot(None),
                    Readback.outcome_told.is_(False),
                    Readback.delivered_at >= since,
                )
                .order_by(Readback.delivered_at)
            ).scalars()
            return [_view(row) for row in rows]

    def mark_told_ids(self, ids: List[str]) -> None:
        if not ids:
            return
        with self._sessions() as session, session.begin():
            session.execute(update(Readback).where(Readback.id.in_(ids)).values(outcome_told=True))

    # ---- internals ---------------------------------------------------------------------

    @staticmethod
    def _waiting(session: Any, conversation_id: str) -> List[Readback]:
        return list(
            session.execute(
                select(Readback)
                .where(Readback.conversation_id == conversation_id, _WAITING)
                .order_by(Readback.delivered_at.desc())
                .with_for_update()
            ).scalars()
        )

    def _close_waiting(self, session: Any, conversation_id: str, now: datetime) -> None:
        for row in self._waiting(session, conversation_id):
            if row.state == OPEN:
                row.state = CLOSED
                row.answered_at = now

    def _confirmed(self, conversation_id: str, kind: str) -> Optional[ReadbackView]:
        return self._first(
            Readback.conversation_id == conversation_id,
            Readback.kind == kind,
            Readback.state == CONFIRMED,
        )

    def _any(self, *conditions: Any) -> bool:
        """Whether a row matches, read without taking the write lock (SQLite's, on a turn)."""
        with self._readers() as session:
            return (
                session.execute(select(Readback.id).where(*conditions).limit(1)).first() is not None
            )

    def _first(self, *conditions: Any) -> Optional[ReadbackView]:
        with self._readers() as session:
            row = session.execute(select(Readback).where(*conditions).limit(1)).scalar()
            return _view(row) if row else None


def is_plain_yes(text: str, language: str = "en") -> bool:
    """Whether ``text`` is a yes and nothing else: every word a yes-word of the language."""
    return _only(text, "yes_words", "yes_fillers", language)


def is_plain_no(text: str, language: str = "en") -> bool:
    """Whether ``text`` is a no and nothing else ("no", "no thank you"): every word a no-word
    of the language, or a filler."""
    return _only(text, "no_words", "no_fillers", language)


def _only(text: str, words_key: str, fillers_key: str, language: str) -> bool:
    """Every word of ``text`` is one of ``words_key`` or ``fillers_key``, at least one the
    former (both comma-separated lists in the language's catalogue)."""
    from assistant.texts import text as catalogue

    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+", text.lower().replace("\u2019", "'"))
    if not words:
        return False
    wanted = _word_set(catalogue(words_key, language=language))
    fillers = _word_set(catalogue(fillers_key, language=language))
    return all(w in wanted or w in fillers for w in words) and any(w in wanted for w in words)


def is_cancel(text: str, language: str = "en") -> bool:
    """Whether ``text`` asks to stop ("cancel", "stop", "never mind")."""
    from assistant.texts import text as catalogue

    plain = " ".join(re.findall(r"[^\W\d_]+", text.lower()))
    return plain in _word_set(catalogue("cancel_words", language=language))


def _word_set(listed: str) -> frozenset:
    return frozenset(w.strip() for w in listed.split(",") if w.strip())
