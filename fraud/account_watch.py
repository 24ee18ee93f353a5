"""The account watch: a notice of every payment and security change, and an alert about
unusual activity (DESIGN 8 "Monitoring", issue 10 item 4).

It reads the audit log in id order (every payment, new payee, limit change, helper change,
wrong PIN and card decision is audited in the same transaction as the change) from a cursor in
``job_cursors``, and for each event queues outbox messages, each with a dedupe key of its own:
so each event is told once, even when a sweep runs twice or two workers sweep at once.

- **Notices** to the customer, on their own channel (a text; an automated call for a customer
  who prefers the phone; a text for one who prefers the web, which cannot reach them): a
  payment, a new payee, a safety limit loosening asked for, a helper added or removed. (A PIN
  change and a PIN lockout are texted by the identity service at once; a helper who leaves is
  told to the customer by the family links; they are not repeated here.)
- **Alerts** (:class:`~fraud.models.FraudAlert`, raised once per ``event_key``) to the customer
  and to every helper who receives alerts: a large payment, several payments in a short time,
  a burst of wrong PINs, a frozen or lost card tried. A large payment's alert replaces that
  payment's notice; a new payee's notice goes to the customer and its alert to the helpers.

Texts go at any hour (a customer should hear at once that money left); calls are kept out of
the customer's quiet hours by the outbox (their time zone is on the message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional

from num2words import num2words
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.clock import bank_zone
from assistant.db import utcnow
from assistant.messaging import outbox
from assistant.models import AuditEvent, Customer, JobCursor, Payee
from assistant.money import Money, format_money, money_in_words
from assistant.settings import Settings
from assistant.texts import language_of, text, when_words
from family.links.alerts import alert_recipients
from family.links.models import Helper
from fraud.models import FraudAlert

CURSOR = "account_watch"
BATCH = 500
#: Audit actions that are a notice to the customer, and the words of each.
NOTICES = {
    "payment": "watch_payment",
    "payee_added": "watch_payee_added",
    "limit_loosening_requested": "watch_limit_loosening",
    "helper_confirmed": "watch_helper_added",
    "helper_removed": "watch_helper_removed",
}
WATCHED = (*NOTICES, "pin_failed", "card_declined")


@dataclass(frozen=True)
class Message:
    """One message the watch decided on: to whom, the catalogue key and its values."""

    dedupe_key: str
    key: str
    values: Dict[str, Any]
    to_helpers: bool = False


class AccountWatch:
    """The due job :meth:`scan` (every sweep) over the audit log."""

    def __init__(
        self,
        sessions: sessionmaker,
        settings: Settings,
        wake: Optional[Callable[[int], None]] = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.wake = wake

    def scan(self, now: Optional[datetime] = None) -> int:
        """Read the audit events after the cursor (at most a batch) and queue their notices
        and alerts; how many messages were queued. The cursor moves past settled events
        only (older than ``watch_settle_seconds``)."""
        now = now or utcnow()
        settled = now - timedelta(seconds=self.settings.watch_settle_seconds)
        queued: List[int] = []
        with self.sessions() as session, session.begin():
            cursor = _cursor(session)
            events = list(
                session.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.id > cursor.position,
                        AuditEvent.action.in_(WATCHED),
                        AuditEvent.customer_id.isnot(None),
                    )
                    .order_by(AuditEvent.id)
                    .limit(BATCH)
                ).scalars()
            )
            for event in events:
                for message in self._messages(session, event):
                    queued.extend(self._queue(session, event, message))
            new_position = cursor.position
            for event in events:
                if event.at > settled:
                    break
                new_position = event.id
            if len(events) == 0 or new_position == events[-1].id:
                # Nothing unsettled: skip past what this scan did not need to read, too.
                new_position = max(new_position, _last_id_before(session, settled))
            if new_position != cursor.position:
                cursor.position = new_position
                cursor.updated_at = now
        for message_id in queued:
            if self.wake is not None:
                self.wake(message_id)
        return len(queued)

    # ---- deciding ------------------------------------------------------------------------

    def _messages(self, session: Session, event: AuditEvent) -> List[Message]:
        detail = event.detail or {}
        messages: List[Message] = []
        if event.action == "payment":
            amount = _money(detail)
            values = {"amount": amount, "payee": _payee_name(session, detail.get("payee_id"))}
            if amount is not None and amount.minor >= self.settings.watch_large_payment_minor:
                alert = self._raise(session, event, "large_payment", f"large_payment:{event.id}")
                if alert:
                    messages.append(Message(f"watch:{event.id}", "watch_large_payment", values))
                    messages.append(
                        Message(f"watch:{event.id}", "watch_large_payment", values, True)
                    )
            if not messages:
                messages.append(Message(f"watch:{event.id}", "watch_payment", values))
            messages.extend(self._burst(session, event))
        elif event.action == "payee_added":
            values = {"payee": str(detail.get("name") or "")}
            messages.append(Message(f"watch:{event.id}", "watch_payee_added", values))
            if self._raise(session, event, "new_payee", f"new_payee:{event.id}"):
                messages.append(Message(f"watch:{event.id}", "watch_payee_added", values, True))
        elif event.action == "pin_failed":
            messages.extend(self._pin_failures(session, event))
        elif event.action == "card_declined":
            messages.extend(self._card_tried(session, event))
        elif event.action in NOTICES:
            values = {"helper": str(detail.get("helper_name") or detail.get("helper") or "")}
            key = NOTICES[event.action]
            if event.action == "limit_loosening_requested":
                values = {"when": _moment(detail.get("effective_at"))}
                if detail.get("reason") == "no_approver":  # not asked for: the last approver went
                    key = "watch_cosign_ending"
            elif not values["helper"] and detail.get("helper_id") is not None:
                values["helper"] = _helper_name(session, detail)
            messages.append(Message(f"watch:{event.id}", key, values))
        return messages

    def _burst(self, session: Session, event: AuditEvent) -> List[Message]:
        """Several payments within the window: one alert for the window's first payment."""
        minutes = self.settings.watch_burst_minutes
        return self._pattern(
            session, event, minutes, self.settings.watch_burst_payments, "payment_burst"
        )

    def _pin_failures(self, session: Session, event: AuditEvent) -> List[Message]:
        """Several wrong PINs within the window: one alert for the window's first."""
        minutes = self.settings.watch_pin_failure_minutes
        return self._pattern(
            session, event, minutes, self.settings.watch_pin_failures, "pin_failures"
        )

    def _pattern(
        self, session: Session, event: AuditEvent, minutes: int, count: int, rule: str
    ) -> List[Message]:
        """``count`` events like ``event`` (its action, its customer) within ``minutes`` up
        to it: an alert ``rule`` to the customer and their helpers, raised once for the
        window's first event."""
        ids = list(
            session.execute(
                select(AuditEvent.id)
                .where(
                    AuditEvent.customer_id == event.customer_id,
                    AuditEvent.action == event.action,
                    AuditEvent.at > event.at - timedelta(minutes=minutes),
                    AuditEvent.id <= event.id,
                )
                .order_by(AuditEvent.id)
            ).scalars()
        )
        if len(ids) < count:
            return []
        key = f"{rule}:{event.customer_id}:{ids[0]}"
        if not self._raise(session, event, rule, key):
            return []
        values = {"count": len(ids), "minutes": minutes}
        return [
            Message(f"alert:{key}", f"watch_{rule}", values),
            Message(f"alert:{key}", f"watch_{rule}", values, True),
        ]

    def _card_tried(self, session: Session, event: AuditEvent) -> List[Message]:
        detail = event.detail or {}
        reason = detail.get("reason")
        if reason not in ("card_frozen", "card_lost"):
            return []
        hour = event.at.astimezone(bank_zone(self.settings.timezone)).strftime("%Y%m%d%H")
        key = f"card_tried:{event.customer_id}:{detail.get('last4')}:{hour}"
        if not self._raise(session, event, "card_tried", key):
            return []
        values = {
            "merchant": str(detail.get("merchant") or ""),
            "amount": _money(detail),
            "last4": str(detail.get("last4") or ""),
            "state": "watch_card_frozen" if reason == "card_frozen" else "watch_card_lost",
        }
        return [
            Message(f"alert:{key}", "watch_frozen_card", values),
            Message(f"alert:{key}", "watch_frozen_card", values, True),
        ]

    @staticmethod
    def _raise(session: Session, event: AuditEvent, rule: str, event_key: str) -> bool:
        """Record the alert once; False if it was raised already (by an earlier scan)."""
        known = session.execute(
            select(FraudAlert.id).where(FraudAlert.event_key == event_key)
        ).first()
        if known is not None:
            return False
        session.add(
            FraudAlert(
                event_key=event_key,
                customer_id=event.customer_id,
                rule=rule,
                at=event.at,
                detail={"audit_event": event.id},
            )
        )
        session.flush()
        return True

    # ---- queueing ------------------------------------------------------------------------

    def _queue(self, session: Session, event: AuditEvent, message: Message) -> List[int]:
        customer = session.get(Customer, event.customer_id)
        if customer is None:
            return []
        language = language_of(customer.locale, self.settings.locale)
        by_call = customer.preferred_channel == "voice"
        channel = "voice" if by_call and not message.to_helpers else "sms"
        values = _words(message.values, customer, language, self.settings, channel)
        ids: List[int] = []
        if message.to_helpers:
            for helper in alert_recipients(session, customer.id):
                key = f"{message.dedupe_key}:helper:{helper.link_id}"
                if outbox.queued(session, key):
                    continue
                body = text(
                    f"{message.key}_helper_sms",
                    "sms",
                    language,
                    customer=customer.address_as or customer.name,
                    **values,
                )
                ids.append(
                    outbox.add(
                        session,
                        dedupe_key=key,
                        to_phone=helper.phone,
                        body=body,
                        purpose="helper_alert",
                        customer_id=customer.id,
                    )
                )
            return ids
        key = f"{message.dedupe_key}:customer"
        if outbox.queued(session, key):
            return ids
        suffix = "_call" if by_call else "_sms"
        body = text(message.key + suffix, channel, language, **values)
        ids.append(
            outbox.add(
                session,
                dedupe_key=key,
                to_phone=customer.phone,
                body=body,
                purpose="security",
                customer_id=customer.id,
                medium="call" if by_call else "sms",
                **({"time_zone": customer.time_zone or self.settings.timezone} if by_call else {}),
            )
        )
        return ids


def _cursor(session: Session) -> JobCursor:
    cursor = session.execute(
        select(JobCursor).where(JobCursor.name == CURSOR).with_for_update()
    ).scalar_one_or_none()
    if cursor is None:  # a new bank (migration 0010 starts an upgraded one at the log's end)
        cursor = JobCursor(name=CURSOR, position=0, updated_at=utcnow())
        session.add(cursor)
        session.flush()
    return cursor


def _last_id_before(session: Session, moment: datetime) -> int:
    last = session.execute(select(func.max(AuditEvent.id)).where(AuditEvent.at <= moment))
    return int(last.scalar() or 0)


def _money(detail: Dict[str, Any]) -> Optional[Money]:
    minor, currency = detail.get("amount_minor"), detail.get("currency") or "USD"
    return Money(int(minor), currency) if isinstance(minor, int) else None


def _payee_name(session: Session, payee_id: Any) -> str:
    payee = session.get(Payee, payee_id) if isinstance(payee_id, int) else None
    return payee.name if payee is not None else ""


def _helper_name(session: Session, detail: Dict[str, Any]) -> str:
    helper = session.get(Helper, detail.get("helper_id"))
    return helper.name if helper is not None else ""


def _digit_word(digit: str, language: str) -> str:
    """A digit of a card ending, as it is spoken ("4" -> "four")."""
    try:
        return num2words(int(digit), lang=language)
    except (NotImplementedError, ValueError):
        return digit


def _moment(value: Any) -> Optional[datetime]:
    """An ISO moment from an audit detail (None if it is not one)."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _words(
    values: Dict[str, Any], customer: Customer, language: str, settings: Settings, channel: str
) -> Dict[str, Any]:
    """Values as the customer reads them: money in their locale, moments as "tomorrow at
    3:15 PM", catalogue words looked up."""
    out: Dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Money):
            out[f"{name}_words"] = money_in_words(value, language)
            value = format_money(value, customer.locale)
        elif name == "last4":
            out["last4_words"] = " ".join(_digit_word(digit, language) for digit in str(value))
        elif isinstance(value, datetime):
            value = when_words(value, settings, channel, language, customer.locale)
        elif name == "state":
            value = text(value, "default", language)
        elif value is None:
            value = ""
        out[name] = value
    return out
