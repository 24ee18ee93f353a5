"""Audit you can hear (issue 9 item 7): "who looked at my account" for the customer, and a
helper's own history, both read from the audit rows the other services write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import AuditEvent, Customer
from assistant.settings import Settings
from assistant.texts import ENGLISH, text, when_words
from family.links.access import DENIED, VIEWED
from family.links.context import Context, helper_name
from family.links.models import Helper, HelperLink
from family.links.views import ActivityEntry

_VIEW_ACTIONS = {action: what for what, action in VIEWED.items()}
_HELPER = "helper:"


def _what(action: str) -> str:
    if action in _VIEW_ACTIONS:
        return _VIEW_ACTIONS[action]
    if action == DENIED:
        return "denied"
    return action.removeprefix("helper_")


def _helper_id(actor: str) -> int | None:
    if not actor.startswith(_HELPER):
        return None
    number = actor[len(_HELPER) :]
    return int(number) if number.isdigit() else None


class _Names:
    """Names looked up once per helper and customer while building a list."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._helpers: dict[tuple[int, int | None], str] = {}
        self._customers: dict[int, str] = {}
        self._links: dict[tuple[int, int | None], HelperLink | None] = {}

    def _link(self, helper_id: int, customer_id: int | None) -> HelperLink | None:
        key = (helper_id, customer_id)
        if key not in self._links:
            self._links[key] = self.session.execute(
                select(HelperLink).where(
                    HelperLink.helper_id == helper_id, HelperLink.customer_id == customer_id
                )
            ).scalar_one_or_none()
        return self._links[key]

    def linked(self, helper_id: int, customer_id: int | None) -> bool:
        """Whether the helper ever had a link to this customer."""
        return customer_id is not None and self._link(helper_id, customer_id) is not None

    def helper(self, helper_id: int, customer_id: int | None) -> str:
        """As the customer called them in the invitation, else as they are on file."""
        key = (helper_id, customer_id)
        if key not in self._helpers:
            link = self._link(helper_id, customer_id)
            if link is not None:
                self._helpers[key] = helper_name(self.session, link)
            else:
                helper = self.session.get(Helper, helper_id)
                self._helpers[key] = helper.name if helper is not None else ""
        return self._helpers[key]

    def customer(self, customer_id: int | None) -> str:
        if customer_id is None:
            return ""
        if customer_id not in self._customers:
            row = self.session.get(Customer, customer_id)
            self._customers[customer_id] = row.name if row is not None else ""
        return self._customers[customer_id]


def _entries(session: Session, events: list[AuditEvent]) -> list[ActivityEntry]:
    names = _Names(session)
    entries = []
    for event in events:
        helper_id = _helper_id(event.actor)
        if helper_id is None:
            continue
        customer_id = event.customer_id
        if event.action == DENIED and not names.linked(helper_id, customer_id):
            customer_id = None  # a customer who is not theirs: not even the name
        entries.append(
            ActivityEntry(
                at=event.at,
                what=_what(event.action),
                channel=str((event.detail or {}).get("channel", "")),
                helper_id=helper_id,
                helper_name=names.helper(helper_id, customer_id),
                customer_id=customer_id,
                customer_name=names.customer(customer_id),
            )
        )
    return entries


class Activity:
    _ctx: Context

    def who_looked(self, customer_id: int, limit: int = 3) -> list[ActivityEntry]:
        """The latest helper views of this customer's account, newest first."""
        with self._ctx.readers() as session:
            events = (
                session.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.customer_id == customer_id,
                        AuditEvent.action.in_(list(_VIEW_ACTIONS)),
                        AuditEvent.actor.like(f"{_HELPER}%"),
                    )
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            return _entries(session, events)

    def helper_activity(self, helper_id: int, limit: int = 20) -> list[ActivityEntry]:
        """Everything this helper saw or did, newest first (their portal history)."""
        with self._ctx.readers() as session:
            events = (
                session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.actor == f"{_HELPER}{helper_id}")
                    .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            return _entries(session, events)


def describe(
    entry: ActivityEntry,
    settings: Settings,
    channel: str = "default",
    language: str = ENGLISH,
    locale: str | None = None,
    now: datetime | None = None,
) -> str:
    """One view in plain words: "Linda looked at your balance today at 9:40 AM" (by voice
    "today at nine forty in the morning")."""
    when = when_words(entry.at, settings, channel, language, locale, now)
    return text(
        f"family_looked_{entry.what}", channel, language, helper=entry.helper_name, when=when
    )
