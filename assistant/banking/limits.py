"""The safety limits a customer sets, as the payment path reads them (issue 10 item 5).

Inside a payment's own transaction: the limits in effect at a moment (``in_effect``: the
customer's row, with any loosening whose delay is over counted even before the worker's sweep
writes it there), the daily limit that covers a channel, and what the bank day's payments by
that channel already took (``spent_today``). The service that changes limits is
:mod:`assistant.banking.safety`.

Which payments count towards a channel's daily limit: payments to payees (transfers between the
customer's own accounts are not payments out) asked that day by that channel, in the bank's
time zone, whether they moved at once or wait as a held payment (one that was declined,
expired or cancelled moved nothing and does not count). A payment that moved at once is known
by its "payment" audit event, which names its channel; a held one by its row. The JSON API
and terminal chat ("chat") are typed over the internet like the web pages and count as web.
A payment asked without a channel, or by a channel we do not know, could have been any of
them: it is checked against every daily limit and counts towards each.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.errors import DailyLimitReached
from assistant.clock import Zone, bank_today, utc_range
from assistant.models import AuditEvent, Customer, HeldPayment, SafetyLimitChange
from assistant.money import Money

DAILY_SMS = "daily_limit_sms"
DAILY_VOICE = "daily_limit_voice"
DAILY_WEB = "daily_limit_web"
NEW_PAYEE_COOLING_OFF = "new_payee_cooling_off"
COSIGN_ABOVE = "cosign_above"
DAILY = (DAILY_SMS, DAILY_VOICE, DAILY_WEB)
NAMES = (*DAILY, NEW_PAYEE_COOLING_OFF, COSIGN_ABOVE)

#: Each limit's column on ``customers``.
COLUMNS = {
    DAILY_SMS: "daily_limit_sms_minor",
    DAILY_VOICE: "daily_limit_voice_minor",
    DAILY_WEB: "daily_limit_web_minor",
    NEW_PAYEE_COOLING_OFF: "new_payee_cooling_off",
    COSIGN_ABOVE: "cosign_above_minor",
}

#: The daily limit that covers a payment asked on each channel.
CHANNEL_LIMITS = {"sms": DAILY_SMS, "voice": DAILY_VOICE, "web": DAILY_WEB, "chat": DAILY_WEB}

PENDING, APPLIED, CANCELLED = "pending", "applied", "cancelled"
#: Held payments that count towards a day's payments: waiting, or gone.
_COUNTED_HOLDS = ("held", "released")


@dataclass(frozen=True)
class Limits:
    """A customer's safety limits at a moment. Daily limits and the co-sign amount are minor
    units (None: no limit of their own; a daily limit of 0: no payments that way)."""

    daily_limit_sms: int | None = None
    daily_limit_voice: int | None = None
    daily_limit_web: int | None = None
    new_payee_cooling_off: bool = False
    cosign_above: int | None = None

    def value(self, name: str) -> int | bool | None:
        return getattr(self, name)

    def with_value(self, name: str, value: int | bool | None) -> Limits:
        return replace(self, **{name: normalise(name, value)})


def normalise(name: str, value: int | bool | None) -> int | bool | None:
    """A limit's value as ``Limits`` keeps it; a ValueError for an unknown name or a
    negative amount."""
    if name not in NAMES:
        raise ValueError(f"unknown safety limit {name!r}")
    if name == NEW_PAYEE_COOLING_OFF:
        return bool(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a limit is a whole number of minor units, not {value!r}")
    return value


def stored(name: str, value: int | bool | None) -> int | None:
    """The value as ``safety_limit_changes.value_minor`` keeps it (the pause: 1 on, 0 off)."""
    value = normalise(name, value)
    if name == NEW_PAYEE_COOLING_OFF:
        return int(bool(value))
    return value  # type: ignore[return-value]


def from_stored(name: str, value_minor: int | None) -> int | bool | None:
    return bool(value_minor) if name == NEW_PAYEE_COOLING_OFF else value_minor


def loosens(name: str, old: int | bool | None, new: int | bool | None) -> bool:
    """Whether going from ``old`` to ``new`` lets more through: a higher or no limit, the
    pause off, a higher or no co-sign amount. The same value neither loosens nor tightens."""
    old, new = normalise(name, old), normalise(name, new)
    if name == NEW_PAYEE_COOLING_OFF:
        return bool(old) and not new
    if new is None:
        return old is not None
    return old is not None and new > old


def row_limits(customer: Customer) -> Limits:
    """The limits as the customer's row holds them (the sweep has applied)."""
    return Limits(
        **{name: normalise(name, getattr(customer, column)) for name, column in COLUMNS.items()}
    )


def due_changes(session: Session, customer_id: int, now: datetime) -> list[SafetyLimitChange]:
    """Pending loosenings whose delay is over, oldest first."""
    return list(
        session.execute(
            select(SafetyLimitChange)
            .where(
                SafetyLimitChange.customer_id == customer_id,
                SafetyLimitChange.state == PENDING,
                SafetyLimitChange.effective_at <= now,
            )
            .order_by(SafetyLimitChange.effective_at, SafetyLimitChange.id)
        ).scalars()
    )


def waiting_changes(
    session: Session, customer_id: int, now: datetime, name: str | None = None
) -> list[SafetyLimitChange]:
    """Loosenings still waiting for their delay, soonest first."""
    query = select(SafetyLimitChange).where(
        SafetyLimitChange.customer_id == customer_id,
        SafetyLimitChange.state == PENDING,
        SafetyLimitChange.effective_at > now,
    )
    if name is not None:
        query = query.where(SafetyLimitChange.name == name)
    return list(
        session.execute(
            query.order_by(SafetyLimitChange.effective_at, SafetyLimitChange.id)
        ).scalars()
    )


def in_effect(session: Session, customer_id: int, now: datetime) -> Limits:
    """The customer's limits at ``now``: their row, then each loosening whose time has come
    (the sweep may not have written it yet). No such customer: no limits."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return Limits()
    limits = row_limits(customer)
    for change in due_changes(session, customer_id, now):
        if change.name in NAMES:
            limits = limits.with_value(change.name, from_stored(change.name, change.value_minor))
    return limits


def limits_for_channel(channel: str) -> tuple[str, ...]:
    """The daily limits a payment asked on ``channel`` is checked against (every one when
    the channel is not known)."""
    known = CHANNEL_LIMITS.get((channel or "").strip().lower())
    return (known,) if known else DAILY


def spent_today(
    session: Session, customer_id: int, limit_name: str, now: datetime, zone: Zone = None
) -> int:
    """Minor units the bank day's payments covered by ``limit_name`` took so far: those that
    moved at once (their "payment" audit event) and those held that wait or went."""
    today = bank_today(now, zone)
    start, end = utc_range(today, today, zone)
    total = 0
    events = session.execute(
        select(AuditEvent.detail).where(
            AuditEvent.customer_id == customer_id,
            AuditEvent.action == "payment",
            AuditEvent.at >= start,
            AuditEvent.at < end,
        )
    ).scalars()
    for detail in events:
        detail = detail or {}
        if detail.get("held"):
            continue  # a held payment released: counted from its hold below
        if limit_name in limits_for_channel(str(detail.get("channel") or "")):
            total += int(detail.get("amount_minor") or 0)
    holds = session.execute(
        select(HeldPayment.channel, HeldPayment.amount_minor).where(
            HeldPayment.customer_id == customer_id,
            HeldPayment.op == "pay_payee",
            HeldPayment.status.in_(_COUNTED_HOLDS),
            HeldPayment.created_at >= start,
            HeldPayment.created_at < end,
        )
    ).all()
    for channel, amount_minor in holds:
        if limit_name in limits_for_channel(channel or ""):
            total += int(amount_minor)
    return total


def check_daily_limits(
    session: Session,
    customer_id: int,
    channel: str,
    amount: Money,
    now: datetime,
    zone: Zone = None,
) -> None:
    """Raise ``DailyLimitReached`` when paying ``amount`` by ``channel`` now would pass a
    daily limit the customer set (the strictest one passed, for a channel we do not know)."""
    limits = in_effect(session, customer_id, now)
    refusals = []
    for name in limits_for_channel(channel):
        limit = limits.value(name)
        if limit is None:
            continue
        spent = spent_today(session, customer_id, name, now, zone)
        if spent + amount.minor > limit:
            refusals.append(DailyLimitReached(name, int(limit), spent, amount.currency))
    if refusals:
        raise min(refusals, key=lambda refusal: refusal.left.minor)
