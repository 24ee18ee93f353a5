"""State of each phone call (``VoiceCall``) and call-back requests (``CallbackRequest``).

A call remembers what the voice channel needs between Twilio's webhooks: its conversation, its
pace (a step of ``voice.pace``), how many quiet turns in a row, the keypad choices last offered,
a question the voice channel asked itself (a person? a call-back?), the assistant's last
question (said again after a silence), the last few requests (for the agent), and the last turn
number with the TwiML answered to it, so a retried webhook gets exactly that again.

Everything beyond the table's own columns lives in the ``summary`` JSON: ``state`` (turn,
TwiML, pending question, the assistant's question, requests, how the answer is typed),
``handoff`` (what the agent was told) and ``conference`` (the helper rung into the call: room,
helper, their call, how it went; see ``voice.conference``). The conference is changed only
by :meth:`CallStore.update_conference`, one locked read-modify-write, since the helper's
webhooks and the customer's arrive at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only, utcnow
from voice.models import CallbackRequest, VoiceCall

MAX_REQUESTS = 5
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")


@dataclass(frozen=True)
class CallView:
    call_sid: str
    conversation_id: str
    phone: Optional[str]
    speech_rate: str
    quiet_turns: int
    choices: List[Dict[str, str]]
    handed_off: bool
    status: str
    duration_seconds: Optional[int]
    ended_at: Optional[datetime]
    last_turn: Optional[int] = None
    last_twiml: Optional[str] = None
    pending: Optional[str] = None
    requests: List[str] = field(default_factory=list)
    handoff: Dict[str, Any] = field(default_factory=dict)
    #: The question the assistant asked last, said again when the caller goes quiet.
    question: Optional[str] = None
    #: The pace is the caller's own choice ("slower", "faster", keys 8 and 7).
    paced_by_caller: bool = False
    #: The customer's own pace (their profile) was applied, once the PIN was given.
    profile_paced: bool = False
    #: How the assistant's question is answered: "digits" (a number typed, then "#"), or None.
    keypad: Optional[str] = None
    #: The helper rung into the call, if any (``voice.conference``); read-only here.
    conference: Dict[str, Any] = field(default_factory=dict)


def _view(row: VoiceCall) -> CallView:
    summary = dict(row.summary or {})
    state = dict(summary.get("state") or {})
    return CallView(
        call_sid=row.call_sid,
        conversation_id=row.conversation_id,
        phone=row.phone,
        speech_rate=row.speech_rate,
        quiet_turns=row.quiet_turns or 0,
        choices=list(row.choices or []),
        handed_off=bool(row.handed_off),
        status=row.status,
        duration_seconds=row.duration_seconds,
        ended_at=row.ended_at,
        last_turn=state.get("turn"),
        last_twiml=state.get("twiml"),
        pending=state.get("pending"),
        requests=list(state.get("requests") or []),
        handoff=dict(summary.get("handoff") or {}),
        question=state.get("question"),
        paced_by_caller=bool(state.get("paced_by_caller")),
        profile_paced=bool(state.get("profile_paced")),
        keypad=state.get("keypad"),
        conference=dict(summary.get("conference") or {}),
    )


class CallStore:
    """Reads and updates calls; each method is one short transaction."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    def get(self, call_sid: str) -> Optional[CallView]:
        with self._readers() as session:
            row = session.get(VoiceCall, call_sid)
            return _view(row) if row else None

    def open(
        self, call_sid: str, conversation_id: str, phone: Optional[str], speech_rate: str
    ) -> CallView:
        """Record a new call; if Twilio already told us about it, the first record wins."""
        try:
            with self._sessions() as session, session.begin():
                session.add(
                    VoiceCall(
                        call_sid=call_sid,
                        conversation_id=conversation_id,
                        phone=phone,
                        speech_rate=speech_rate,
                        quiet_turns=0,
                        choices=[],
                        summary={},
                        handed_off=False,
                        status="in-progress",
                        started_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass
        call = self.get(call_sid)
        assert call is not None
        return call

    def save(self, call: CallView) -> CallView:
        """Write back the call's state (everything but how it ended)."""
        with self._sessions() as session, session.begin():
            row = session.get(VoiceCall, call.call_sid, with_for_update=True)
            if row is None:
                raise KeyError(call.call_sid)
            row.speech_rate = call.speech_rate
            row.quiet_turns = call.quiet_turns
            row.choices = list(call.choices)
            row.handed_off = call.handed_off
            summary = dict(row.summary or {})
            summary["state"] = {
                "turn": call.last_turn,
                "twiml": call.last_twiml,
                "pending": call.pending,
                "requests": list(call.requests)[-MAX_REQUESTS:],
                "question": call.question,
                "paced_by_caller": call.paced_by_caller,
                "profile_paced": call.profile_paced,
                "keypad": call.keypad,
            }
            if call.handoff:
                summary["handoff"] = dict(call.handoff)
            row.summary = summary  # a new dict, so SQLAlchemy sees the change
            return _view(row)

    def update_conference(
        self, call_sid: str, change: Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]
    ) -> Tuple[Dict[str, Any], bool]:
        """Change the call's conference in one locked transaction: ``change(current)`` returns
        the new conference, or None to leave it. Returns (the conference now, whether it
        changed); ({}, False) for a call we don't know."""
        with self._sessions() as session, session.begin():
            row = session.get(VoiceCall, call_sid, with_for_update=True)
            if row is None:
                return {}, False
            summary = dict(row.summary or {})
            current = dict(summary.get("conference") or {})
            new = change(dict(current))
            if new is None:
                return current, False
            summary["conference"] = dict(new)
            row.summary = summary  # a new dict, so SQLAlchemy sees the change
            return dict(new), True

    def record_status(
        self, call_sid: str, status: str, duration_seconds: Optional[int] = None
    ) -> bool:
        """How the call ended (or where it is); False when the call is not one of ours."""
        with self._sessions() as session, session.begin():
            row = session.get(VoiceCall, call_sid)
            if row is None:
                return False
            row.status = status
            if duration_seconds is not None:
                row.duration_seconds = duration_seconds
            if status in FINAL_STATUSES and row.ended_at is None:
                row.ended_at = utcnow()
            return True

    def request_callback(
        self, call_sid: str, phone: str, customer_id: Optional[int], reason: str
    ) -> int:
        """Record a call-back request (one per call: asking twice keeps the first)."""
        with self._sessions() as session, session.begin():
            existing = session.execute(
                select(CallbackRequest.id).where(
                    CallbackRequest.call_sid == call_sid, CallbackRequest.status == "open"
                )
            ).scalar_one_or_none()
            if existing is not None:
                return existing
            request = CallbackRequest(
                phone=phone,
                customer_id=customer_id,
                call_sid=call_sid,
                reason=reason[:200],
                status="open",
                requested_at=utcnow(),
            )
            session.add(request)
            session.flush()
            return request.id

    def callbacks(self, call_sid: Optional[str] = None) -> List[Dict[str, Any]]:
        """Open call-back requests, oldest first (optionally for one call)."""
        with self._readers() as session:
            query = select(CallbackRequest).where(CallbackRequest.status == "open")
            if call_sid is not None:
                query = query.where(CallbackRequest.call_sid == call_sid)
            rows = session.execute(query.order_by(CallbackRequest.id)).scalars()
            return [
                {
                    "id": row.id,
                    "phone": row.phone,
                    "customer_id": row.customer_id,
                    "call_sid": row.call_sid,
                    "reason": row.reason,
                    "requested_at": row.requested_at,
                }
                for row in rows
            ]
