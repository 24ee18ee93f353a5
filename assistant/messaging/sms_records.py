"""Metadata of every text message in and out: who, why, segments, encoding, delivery status.

Never the body: a text can hold a balance or a name, and the count of segments is what the
bank pays for. Inbound rows carry Twilio's ``MessageSid`` (unique), which is what makes a
retried webhook recognisable. Outbound replies sent as TwiML get their sid later, from their
first status callback (``reply_to`` in the callback URL links the two).

Status callbacks can arrive out of order ("sent" after "delivered"); a status never moves back
to an earlier stage. A callback for a sid nobody recorded (for example a message sent from the
Twilio console) is kept as a new outbound row with purpose ``unknown``: delivery problems show
up whoever sent the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.phones import normalize_phone
from assistant.db import read_only, utcnow
from assistant.messaging.models import SmsMessage
from assistant.messaging.sms_text import SegmentInfo

RECEIVING, RECEIVED = "receiving", "received"

# How far along its life a status is; a later callback never moves a message back.
_STAGE = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "partially_delivered": 4,
    "read": 5,
}
_UNKNOWN_STAGE = 3


@dataclass(frozen=True)
class SmsRecord:
    sid: Optional[str]
    reply_to_sid: Optional[str]
    direction: str
    phone: str
    purpose: str
    segments: int
    encoding: str
    status: Optional[str]
    error_code: Optional[str]
    created_at: datetime
    updated_at: datetime


def _record(row: SmsMessage) -> SmsRecord:
    return SmsRecord(
        sid=row.sid,
        reply_to_sid=row.reply_to_sid,
        direction=row.direction,
        phone=row.phone,
        purpose=row.purpose,
        segments=row.segments,
        encoding=row.encoding,
        status=row.status,
        error_code=row.error_code,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SmsRecords:
    """Reads and writes ``sms_messages``; each call is one short transaction."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    # ---- inbound ----------------------------------------------------------------------

    def record_inbound(self, sid: str, phone: str, purpose: str, info: SegmentInfo) -> bool:
        """Record a received text as being handled; False if this sid was already recorded."""
        now = utcnow()
        row = SmsMessage(
            sid=sid,
            direction="in",
            phone=normalize_phone(phone),
            purpose=purpose,
            segments=info.segments,
            encoding=info.encoding,
            status=RECEIVING,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            return False
        return True

    def finish_inbound(self, sid: str) -> None:
        """The text was answered (or deliberately not): retries may now replay the answer."""
        with self._sessions() as session, session.begin():
            row = self._by_sid(session, sid)
            if row is not None:
                row.status, row.updated_at = RECEIVED, utcnow()

    def forget_inbound(self, sid: str) -> None:
        """Handling failed: drop the record so that Twilio's retry is handled afresh."""
        with self._sessions() as session, session.begin():
            row = self._by_sid(session, sid)
            if row is not None and row.direction == "in":
                session.delete(row)

    # ---- outbound ---------------------------------------------------------------------

    def record_reply(
        self, reply_to_sid: str, phone: str, info: SegmentInfo, purpose: str = "reply"
    ) -> None:
        """Record the TwiML reply to a received text (once per received text)."""
        if self.reply_to(reply_to_sid) is not None:
            return
        now = utcnow()
        with self._sessions() as session, session.begin():
            session.add(
                SmsMessage(
                    reply_to_sid=reply_to_sid,
                    direction="out",
                    phone=normalize_phone(phone),
                    purpose=purpose,
                    segments=info.segments,
                    encoding=info.encoding,
                    created_at=now,
                    updated_at=now,
                )
            )

    def record_outbound(
        self, sid: str, phone: str, purpose: str, info: SegmentInfo, status: str = "queued"
    ) -> SmsRecord:
        """Record a text sent through the REST API (alerts, broadcasts, invitations).

        A status callback may have beaten this call; its row is then completed, keeping
        the status it already reported.
        """
        for _ in range(2):
            try:
                with self._sessions() as session, session.begin():
                    row = self._by_sid(session, sid)
                    now = utcnow()
                    if row is None:
                        row = SmsMessage(sid=sid, direction="out", status=status, created_at=now)
                        session.add(row)
                    row.phone, row.purpose = normalize_phone(phone), purpose
                    row.segments, row.encoding, row.updated_at = info.segments, info.encoding, now
                    session.flush()
                    return _record(row)
            except IntegrityError:
                continue  # a status callback inserted it meanwhile: update that row
        raise RuntimeError(f"could not record outbound message {sid}")

    # ---- delivery status --------------------------------------------------------------

    def record_status(
        self,
        sid: str,
        status: str,
        error_code: Optional[str] = None,
        reply_to: Optional[str] = None,
        phone: Optional[str] = None,
        segments: Optional[int] = None,
    ) -> str:
        """Apply a status callback; returns "updated", "linked" (a reply got its sid) or "new"."""
        for _ in range(2):
            try:
                with self._sessions() as session, session.begin():
                    return self._apply_status(
                        session, sid, status, error_code, reply_to, phone, segments
                    )
            except IntegrityError:
                continue  # the same sid was inserted concurrently: apply to that row
        raise RuntimeError(f"could not record the status of {sid}")

    def _apply_status(
        self,
        session: Session,
        sid: str,
        status: str,
        error_code: Optional[str],
        reply_to: Optional[str],
        phone: Optional[str],
        segments: Optional[int],
    ) -> str:
        now = utcnow()
        row, outcome = self._by_sid(session, sid), "updated"
        if row is None and reply_to:
            row = session.execute(
                select(SmsMessage)
                .where(
                    SmsMessage.reply_to_sid == reply_to,
                    SmsMessage.direction == "out",
                    SmsMessage.sid.is_(None),
                )
                .limit(1)
            ).scalar_one_or_none()
            if row is not None:
                row.sid, outcome = sid, "linked"
        if row is None:
            row = SmsMessage(
                sid=sid,
                reply_to_sid=reply_to,
                direction="out",
                phone=normalize_phone(phone or "") or "unknown",
                purpose="unknown",
                segments=segments or 1,
                encoding="unknown",
                created_at=now,
            )
            session.add(row)
            outcome = "new"
        if row.status is None or _stage(status) >= _stage(row.status):
            row.status = status
        if error_code:
            row.error_code = error_code
        row.updated_at = now
        session.flush()
        return outcome

    # ---- reading ----------------------------------------------------------------------

    def get(self, sid: str) -> Optional[SmsRecord]:
        with self._readers() as session:
            row = self._by_sid(session, sid)
            return _record(row) if row else None

    def reply_to(self, sid: str) -> Optional[SmsRecord]:
        """The reply recorded for the received text ``sid``, if any."""
        with self._readers() as session:
            row = session.execute(
                select(SmsMessage)
                .where(SmsMessage.reply_to_sid == sid, SmsMessage.direction == "out")
                .order_by(SmsMessage.id)
                .limit(1)
            ).scalar_one_or_none()
            return _record(row) if row else None

    def for_phone(self, phone: str) -> List[SmsRecord]:
        """Every text to and from ``phone``, oldest first."""
        with self._readers() as session:
            rows = session.execute(
                select(SmsMessage)
                .where(SmsMessage.phone == normalize_phone(phone))
                .order_by(SmsMessage.id)
            ).scalars()
            return [_record(row) for row in rows]

    @staticmethod
    def _by_sid(session: Session, sid: str) -> Optional[SmsMessage]:
        return session.execute(select(SmsMessage).where(SmsMessage.sid == sid)).scalar_one_or_none()


def _stage(status: str) -> int:
    return _STAGE.get(status, _UNKNOWN_STAGE)
