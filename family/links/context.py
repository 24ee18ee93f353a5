"""What every family-helper service shares: the store, the settings, the outbox and its wake-up."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.service import BankingService
from assistant.db import read_only, utcnow
from assistant.messaging import outbox
from assistant.models import Customer
from assistant.settings import Settings
from assistant.texts import language_of, text
from family.links.models import Helper, HelperInvitation, HelperLink

log = logging.getLogger(__name__)

Wake = Callable[[int], None]


@dataclass
class Writer:
    """One write transaction: its session and the outbox messages it queued."""

    session: Session
    outbox_ids: list[int] = field(default_factory=list)

    def send(
        self, *, dedupe_key: str, to_phone: str, body: str, purpose: str, customer_id: int | None
    ) -> int:
        """Queue a text in this transaction (one per ``dedupe_key``); woken after commit."""
        outbox_id = outbox.add(
            self.session,
            dedupe_key=dedupe_key,
            to_phone=to_phone,
            body=body,
            purpose=purpose,
            customer_id=customer_id,
        )
        self.outbox_ids.append(outbox_id)
        return outbox_id


@dataclass
class Context:
    sessions: sessionmaker
    settings: Settings
    banking: BankingService
    wake: Wake | None = None

    def __post_init__(self) -> None:
        self.readers = read_only(self.sessions)

    @staticmethod
    def now(now: datetime | None) -> datetime:
        return now or utcnow()

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """A transaction; after it commits, each message it queued is handed to ``wake``."""
        with self.sessions() as session, session.begin():
            writer = Writer(session)
            yield writer
        for outbox_id in writer.outbox_ids:
            self._wake(outbox_id)

    def _wake(self, outbox_id: int) -> None:
        if self.wake is None:
            return
        try:
            self.wake(outbox_id)
        except Exception as error:  # noqa: BLE001 - the worker's sweep delivers it anyway
            log.warning("outbox message %s not handed over: %s", outbox_id, type(error).__name__)


def active_link(
    session: Session, helper_id: int, customer_id: int, permission: str | None = None
) -> tuple[HelperLink, str] | None:
    """The helper's active link to this customer, with the customer's name, when it grants
    ``permission`` (if one is named); None otherwise. Every helper request checks it anew, so
    a removed helper or a withdrawn permission loses access at once."""
    row = session.execute(
        select(HelperLink, Customer.name)
        .join(Customer, Customer.id == HelperLink.customer_id)
        .where(
            HelperLink.helper_id == helper_id,
            HelperLink.customer_id == customer_id,
            HelperLink.status == "active",
        )
    ).first()
    if row is None:
        return None
    link, name = row
    if permission is not None and (link.permissions or {}).get(permission) is not True:
        return None
    return link, name


def lock_customer(session: Session, customer_id: int) -> Customer | None:
    """The customer's row, locked for this transaction (serialises their helper changes)."""
    return session.execute(
        select(Customer).where(Customer.id == customer_id).with_for_update()
    ).scalar_one_or_none()


def customer_language(customer: Customer, settings: Settings) -> str:
    return language_of(customer.locale, settings.locale)


def helper_name(session: Session, link: HelperLink) -> str:
    """The helper as the customer called them in the invitation, else as they are on file."""
    if link.invitation_id is not None:
        invited = session.get(HelperInvitation, link.invitation_id)
        if invited is not None and invited.helper_name:
            return invited.helper_name
    helper = session.get(Helper, link.helper_id)
    return helper.name if helper is not None else ""


def tell_customer(
    writer: Writer,
    customer_row: Customer,
    settings: Settings,
    key: str,
    dedupe_key: str,
    **values: str,
) -> int | None:
    """Text the customer ``key`` when they prefer texts or the web; a voice customer hears it
    at their next call instead (None)."""
    if customer_row.preferred_channel not in ("sms", "web"):
        return None
    body = text(key, "sms", customer_language(customer_row, settings), **values)
    return writer.send(
        dedupe_key=dedupe_key,
        to_phone=customer_row.phone,
        body=body,
        purpose="helper_notice",
        customer_id=customer_row.id,
    )


def tell_helper(
    writer: Writer,
    helper: Helper,
    customer_row: Customer,
    settings: Settings,
    key: str,
    dedupe_key: str,
) -> int:
    """Text the helper ``key`` about the customer (``{customer}``, ``{portal}``), in the
    customer's language, which they share."""
    body = text(
        key,
        "sms",
        customer_language(customer_row, settings),
        customer=customer_row.name,
        portal=settings.helper_portal_url,
    )
    return writer.send(
        dedupe_key=dedupe_key,
        to_phone=helper.phone,
        body=body,
        purpose="helper_notice",
        customer_id=customer_row.id,
    )
