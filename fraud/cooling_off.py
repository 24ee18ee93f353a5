"""The end of a cooling-off: the customer is told first, with a one-word cancel, and the payment
is released only after that (DESIGN.md section 8, issue 10 item 3).

- :meth:`CoolingOff.send_notices` (the worker's sweep) texts the customer ``scam_notice_minutes``
  before a cooling-off ends: what will go, when, and "reply CANCEL to stop it". Once per hold
  (the outbox's dedupe key ``cooling_off_notice:<hold id>``).
- :class:`NoticeGate` is the ledger's ``ReleaseGate``: a cooling-off past its deadline counts as
  met only once that text was sent, and at least ``scam_notice_grace_minutes`` ago, so a late
  notice still leaves time to answer. A customer whose number refuses texts (STOP) is never
  released by time: the payment waits until they cancel it, a helper approves it or staff
  release it.
- :meth:`CoolingOff.cancel_by_text` is the SMS keyword CANCEL: the customer's own number
  cancels their payments waiting in a cooling-off (nothing moves, so no PIN is asked).
- :meth:`CoolingOff.alert_helpers` texts each active helper who receives alerts (or approves
  payments) once per cooling-off: that a payment was paused as a possible scam, never its
  amount or payee.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.holds import COOLING_OFF
from assistant.banking.phones import normalize_phone
from assistant.banking.service import BankingService
from assistant.banking.views import HeldPaymentView
from assistant.db import utcnow
from assistant.messaging import outbox
from assistant.messaging.models import OutboxMessage
from assistant.models import Customer, HeldPayment, HoldCondition
from assistant.money import Money, format_money
from assistant.settings import Settings
from assistant.texts import language_of, local_time, text
from family.links.alerts import alert_recipients
from fraud.models import ScamIntervention
from fraud.scams import UNUSUAL_PAYMENT

log = logging.getLogger(__name__)

Wake = Callable[[int], None]
NOTICE_PURPOSE = "cooling_off_notice"
ALERT_PURPOSE = "scam_alert"


def notice_key(hold_id: int) -> str:
    """The outbox dedupe key of the notice that a cooling-off is ending."""
    return f"cooling_off_notice:{hold_id}"


class NoticeGate:
    """A ``ReleaseGate``: a cooling-off is over only once its notice was sent (see module)."""

    def __init__(self, grace: timedelta = timedelta(minutes=10)) -> None:
        self.grace = grace

    def __call__(self, session: Session, hold_id: int, kind: str, now: datetime) -> bool:
        if kind != COOLING_OFF:
            return True
        row = session.execute(
            select(OutboxMessage.status, OutboxMessage.finished_at).where(
                OutboxMessage.dedupe_key == notice_key(hold_id)
            )
        ).first()
        if row is None or row.status != "sent" or row.finished_at is None:
            return False
        return row.finished_at + self.grace <= now


class CoolingOff:
    """The cooling-off's texts and the SMS cancel (see the module). ``wake(outbox_id)`` hands a
    queued text to the worker at once (its sweep would send it anyway)."""

    def __init__(
        self,
        sessions: sessionmaker,
        settings: Settings,
        banking: BankingService,
        wake: Wake | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.banking = banking
        self.wake = wake

    @contextmanager
    def _write(self) -> Iterator[tuple[Session, list[int]]]:
        queued: list[int] = []
        with self.sessions() as session, session.begin():
            yield session, queued
        for outbox_id in queued:
            if self.wake is not None:
                try:
                    self.wake(outbox_id)
                except Exception as error:  # noqa: BLE001 - the sweep sends it anyway
                    log.warning("outbox %s not handed over: %s", outbox_id, type(error).__name__)

    def _waiting(self, session: Session, *where: object) -> list[tuple[HeldPayment, datetime]]:
        """Held payments with a pending cooling-off, and its deadline."""
        return list(
            session.execute(
                select(HeldPayment, HoldCondition.deadline)
                .join(HoldCondition, HoldCondition.hold_id == HeldPayment.id)
                .where(
                    HeldPayment.status == "held",
                    HoldCondition.kind == COOLING_OFF,
                    HoldCondition.status == "pending",
                    *where,
                )
                .order_by(HeldPayment.id)
            ).all()
        )

    def _language(self, customer: Customer) -> str:
        return language_of(customer.locale, self.settings.locale)

    # ---- the notice before the end ---------------------------------------------------------

    def send_notices(self, now: datetime | None = None) -> int:
        """Text each customer whose cooling-off ends within ``scam_notice_minutes`` (or has
        ended), once per held payment; how many texts were queued."""
        now = now or utcnow()
        lead = timedelta(minutes=self.settings.scam_notice_minutes)
        queued = 0
        with self._write() as (session, woken):
            for hold, deadline in self._waiting(session, HoldCondition.deadline <= now + lead):
                key = notice_key(hold.id)
                if outbox.queued(session, key):
                    continue
                customer = session.get(Customer, hold.customer_id)
                body = text(
                    "scam_cooling_off_notice_sms",
                    "sms",
                    self._language(customer),
                    amount=format_money(Money(hold.amount_minor, hold.currency), customer.locale),
                    payee=hold.counterparty,
                    time=local_time(max(deadline, now), self.settings, customer.locale),
                )
                woken.append(
                    outbox.add(
                        session,
                        dedupe_key=key,
                        to_phone=customer.phone,
                        body=body,
                        purpose=NOTICE_PURPOSE,
                        customer_id=customer.id,
                    )
                )
                queued += 1
        return queued

    # ---- CANCEL by text ---------------------------------------------------------------------

    def cancel_by_text(self, phone: str, now: datetime | None = None) -> list[HeldPaymentView]:
        """The customer at ``phone`` texted CANCEL: cancel each of their payments still waiting
        in a cooling-off (the hold's answer and the notice both say "reply CANCEL"); the ones
        cancelled ([]: nothing to cancel here)."""
        customer = self.banking.find_customer_by_phone(normalize_phone(phone))
        if customer is None:
            return []
        with self.sessions() as session:
            told = [
                hold.id
                for hold, _ in self._waiting(session, HeldPayment.customer_id == customer.id)
            ]
        cancelled = []
        for hold_id in told:
            outcome = self.banking.cancel_hold(
                customer.id, hold_id, actor=f"customer:{customer.id}", now=now
            )
            if outcome.result == "cancelled":
                cancelled.append(outcome.hold)
        return cancelled

    def has_cancellable(self, phone: str) -> bool:
        """Whether a CANCEL from ``phone`` would cancel something (no change)."""
        customer = self.banking.find_customer_by_phone(normalize_phone(phone))
        if customer is None:
            return False
        with self.sessions() as session:
            return bool(self._waiting(session, HeldPayment.customer_id == customer.id))

    # ---- helpers told ---------------------------------------------------------------------

    def alert_helpers(self, now: datetime | None = None, customer_id: int | None = None) -> int:
        """Text each active helper allowed alerts (or approvals) about each cooling-off, once;
        how many texts were queued. The channel that held a payment calls it for that customer
        at once; the worker's sweep calls it for everyone."""
        queued = 0
        where = [HeldPayment.customer_id == customer_id] if customer_id is not None else []
        with self._write() as (session, woken):
            for hold, _ in self._waiting(session, *where):
                customer = session.get(Customer, hold.customer_id)
                scam = self._scam_of(session, hold.id)
                language = self._language(customer)
                for helper in alert_recipients(session, hold.customer_id, approvers_too=True):
                    key = f"scam_alert:{hold.id}:{helper.link_id}"
                    if outbox.queued(session, key):
                        continue
                    body = text(
                        "scam_helper_alert_sms",
                        "sms",
                        language,
                        customer=customer.name,
                        scam=text(f"scam_name_{scam}", "sms", language),
                        portal=self.settings.helper_portal_url,
                    )
                    woken.append(
                        outbox.add(
                            session,
                            dedupe_key=key,
                            to_phone=helper.phone,
                            body=body,
                            purpose=ALERT_PURPOSE,
                            customer_id=customer.id,
                        )
                    )
                    queued += 1
        return queued

    @staticmethod
    def _scam_of(session: Session, hold_id: int) -> str:
        scam = session.execute(
            select(ScamIntervention.scam)
            .where(ScamIntervention.held_payment_id == hold_id)
            .order_by(ScamIntervention.id.desc())
        ).scalar()
        return scam or UNUSUAL_PAYMENT
