"""What the warning-broadcast tests share: staff logins, a warning draft, more customers beside
the demo bank's two, and reading the outbox a fan-out filled."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.identity import IdentityService, StaffView
from assistant.messaging.models import OutboxMessage
from assistant.models import AuditEvent, Customer
from fraud.broadcasts.audience import Audience
from fraud.broadcasts.views import Draft

FRAUDOPS = StaffView(id=2, username="fraudops", role="fraud")
AGENT = StaffView(id=1, username="agent1", role="agent")
ADMIN = StaffView(id=3, username="boss", role="admin")

SMS_TEXT = (
    "Kindly Bank: scammers are calling about a 'safe account'. We never ask you to move money. "
    "Call 1-800-555-0199 if unsure."
)
VOICE_TEXT = (
    "Scammers are phoning people and saying their money is not safe. "
    "We will never ask you to move money to keep it safe."
)
BANNER_TEXT = "Scam warning: we will never ask you to move money to a safe account."
OPENER_TEXT = (
    "People are being phoned by someone who says their money is not safe. "
    "We will never ask you to move it."
)


def draft(**changes: Any) -> Draft:
    """A warning for everyone, every text filled in; ``changes`` replace fields."""
    base = Draft(
        title="Safe account calls",
        voice_text=VOICE_TEXT,
        sms_text=SMS_TEXT,
        banner_text=BANNER_TEXT,
        opener_text=OPENER_TEXT,
        audience=Audience(everyone=True),
    )
    return replace(base, **changes)


def add_customers(
    sessions: sessionmaker,
    count: int,
    *,
    first_phone: int = 15550170000,
    **fields: Any,
) -> List[int]:
    """``count`` more customers (no PIN), each with ``fields``; their ids in order."""
    defaults: Dict[str, Any] = {"preferred_channel": "sms", "locale": "en_US", "region": ""}
    ids = []
    with sessions() as session, session.begin():
        for n in range(count):
            customer = Customer(
                name=f"Customer {n}", phone=f"+{first_phone + n}", **{**defaults, **fields}
            )
            session.add(customer)
            session.flush()
            ids.append(customer.id)
    return ids


def born(years_ago: int, today: date, days: int = 0) -> date:
    """A birth date ``years_ago`` years (and ``days`` more days) before ``today``."""
    return today.replace(year=today.year - years_ago) - timedelta(days=days)


def outbox_rows(sessions: sessionmaker, broadcast_id: Optional[int] = None) -> List[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.customer_id)
    if broadcast_id is not None:
        query = query.where(OutboxMessage.batch == f"broadcast:{broadcast_id}")
    with sessions() as session:
        return list(session.execute(query).scalars())


def audit_actions(sessions: sessionmaker) -> List[tuple]:
    with sessions() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        ).all()
    return [
        (actor, action, detail) for actor, action, detail in rows if action.startswith("broadcast")
    ]


def add_staff(sessions: sessionmaker, username: str, password: str, role: str) -> StaffView:
    return IdentityService(sessions).add_staff(username, password, role)


def at(hour: int = 15) -> datetime:
    """A fixed afternoon (UTC) the tests happen at."""
    from datetime import timezone

    return datetime(2026, 6, 10, hour, 0, tzinfo=timezone.utc)
