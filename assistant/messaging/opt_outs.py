"""STOP and START: a number's choice about texts, honoured by every outbound message."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from assistant.banking.phones import normalize_phone
from assistant.db import read_only, utcnow
from assistant.messaging.models import SmsOptOut


class OptOutStore:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    def _set(self, phone: str, opted_out: bool) -> None:
        phone = normalize_phone(phone)
        with self._sessions() as session, session.begin():
            row = session.get(SmsOptOut, phone)
            if row is None:
                session.add(SmsOptOut(phone=phone, opted_out=opted_out, updated_at=utcnow()))
            else:
                row.opted_out, row.updated_at = opted_out, utcnow()

    def opt_out(self, phone: str) -> None:
        self._set(phone, True)

    def opt_in(self, phone: str) -> None:
        self._set(phone, False)

    def is_opted_out(self, phone: str) -> bool:
        with self._readers() as session:
            row = session.get(SmsOptOut, normalize_phone(phone))
            return bool(row and row.opted_out)
