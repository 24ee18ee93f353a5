"""Helpers for the family-helper service tests: the services on the demo bank with a wake-up
that records what it was handed, and readers for the outbox and the audit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.demo import LINDA_PHONE, MARGARET_PHONE, RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.models import AuditEvent
from assistant.settings import Settings
from family.links.service import FamilyLinks
from family.links.views import HelperSession

PUBLIC_URL = "https://bank.example.com"
PORTAL = f"{PUBLIC_URL}/helper"
SON = "+15550100077"  # a relative who is not a helper yet
NIECE = "+15550100078"
T0 = datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc)
_CODE = re.compile(r"\b(\d{6})\b")

__all__ = ["LINDA_PHONE", "MARGARET_PHONE", "RAVI_PHONE"]


@dataclass
class Family:
    links: FamilyLinks
    sessions: sessionmaker
    settings: Settings
    woken: list[int] = field(default_factory=list)

    def outbox(self, to_phone: str | None = None) -> list[OutboxMessage]:
        with self.sessions() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if to_phone is not None:
                query = query.where(OutboxMessage.to_phone == to_phone)
            return list(session.execute(query).scalars())

    def last_code(self, to_phone: str) -> str:
        """The code in the latest text to ``to_phone``."""
        (code,) = _CODE.findall(self.outbox(to_phone)[-1].body)
        return code

    def audits(self, action: str | None = None) -> list[AuditEvent]:
        with self.sessions() as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list(session.execute(query).scalars())

    def invite(self, customer_id: int, name: str = "Sam", phone: str = SON, **kwargs) -> str:
        """Invite ``phone`` and return the code it was sent."""
        result = self.links.invite(customer_id, name, phone, channel="sms", **kwargs)
        assert result.sent, result
        return self.last_code(phone)

    def accept(self, customer_id: int, name: str = "Sam", phone: str = SON) -> HelperSession:
        """Invite ``phone`` and sign in with the invitation's code (accepting it)."""
        code = self.invite(customer_id, name, phone)
        helper = self.links.sign_in(phone, code, "203.0.113.9")
        assert helper is not None and helper.accepted is not None
        return helper

    def helper_of(self, customer_id: int, name: str = "Sam", phone: str = SON) -> HelperSession:
        """A confirmed helper of the customer (default permissions: only alerts)."""
        helper = self.accept(customer_id, name, phone)
        assert self.links.confirm_helper(customer_id, helper.accepted.link_id, True, "sms")
        return helper


def make_family(sessions: sessionmaker, home: Path, **settings: object) -> Family:
    values = {"home": home, "public_base_url": PUBLIC_URL, **settings}
    config = Settings(**values)
    woken: list[int] = []
    links = FamilyLinks(sessions, config, wake=woken.append)
    return Family(links, sessions, config, woken)
