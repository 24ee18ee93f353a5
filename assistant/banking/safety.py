"""``SafetyLimits``: the limits a customer sets themselves ("multi-level security", issue 10
item 5).

The limits: a daily limit per channel (``daily_limit_sms``, ``daily_limit_voice``,
``daily_limit_web``; 0 means no payments that way), a cooling-off before the first money goes
to a payee (``new_payee_cooling_off``; the scam rule, ``fraud.scam_rule``, holds it) and
"always ask my helper above $X" (``cosign_above``).

A change that tightens (a lower limit, a limit where there was none, the pause on, a lower or
new co-sign amount) counts at once. One that loosens waits ``safety_loosen_hours`` as a
pending change, so whoever talks a customer into loosening (a scammer coaching on the phone)
gains nothing for a day, while the customer and their helpers can notice. A newer change to
the same limit supersedes a waiting one (a tightening, or keeping the limit as it is, cancels
it). A loosening whose time has come counts at once, even before the worker's sweep
(``apply_due``) writes it to the customer's row. Every change is audited:
"limit_tightened", "limit_loosening_requested", "limit_loosened".

The payment path reads the limits in :mod:`assistant.banking.limits`; the co-sign amount is
the family helpers' (``family.links.cosign``): removing the last helper who may approve keeps
the requirement for the loosening delay (``keep_for_delay`` here).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.audit import add_audit
from assistant.banking.errors import CustomerNotFound
from assistant.banking.limits import (
    APPLIED,
    CANCELLED,
    COLUMNS,
    PENDING,
    Limits,
    due_changes,
    from_stored,
    in_effect,
    loosens,
    normalise,
    row_limits,
    stored,
    waiting_changes,
)
from assistant.db import read_only, utcnow
from assistant.models import Customer, SafetyLimitChange
from assistant.settings import Settings, get_settings

log = logging.getLogger(__name__)

TIGHTENED = "limit_tightened"
LOOSENING_REQUESTED = "limit_loosening_requested"
LOOSENED = "limit_loosened"

# What a change did.
AT_ONCE = "at_once"  # a tightening: in effect now
LATER = "later"  # a loosening: in effect at ``effective_at``
KEPT = "kept"  # the value it already has (a waiting loosening of it is cancelled)


@dataclass(frozen=True)
class PendingLimit:
    """A loosening that waits for its delay."""

    name: str
    value: int | bool | None
    effective_at: datetime
    requested_at: datetime


@dataclass(frozen=True)
class LimitsView:
    """The customer's limits in effect now, and the loosenings still waiting."""

    limits: Limits
    pending: tuple[PendingLimit, ...]

    def pending_for(self, name: str) -> PendingLimit | None:
        return next((p for p in self.pending if p.name == name), None)


@dataclass(frozen=True)
class LimitChange:
    """What asking for ``value`` did to limit ``name``: ``outcome`` AT_ONCE (a tightening),
    LATER (a loosening, in effect at ``effective_at``) or KEPT (already so). ``previous`` is
    the value in effect before; ``cancelled`` tells whether a waiting loosening was dropped."""

    name: str
    value: int | bool | None
    previous: int | bool | None
    outcome: str
    effective_at: datetime
    cancelled: bool = False

    @property
    def at_once(self) -> bool:
        return self.outcome != LATER


def _pending_view(change: SafetyLimitChange) -> PendingLimit:
    return PendingLimit(
        name=change.name,
        value=from_stored(change.name, change.value_minor),
        effective_at=change.effective_at,
        requested_at=change.requested_at,
    )


def lock_customer(session: Session, customer_id: int) -> Customer:
    """The customer's row, locked as the payment path locks it (PostgreSQL FOR NO KEY
    UPDATE): a change to a limit and a payment it limits run one after the other."""
    customer = session.execute(
        select(Customer).where(Customer.id == customer_id).with_for_update(key_share=True)
    ).scalar_one_or_none()
    if customer is None:
        raise CustomerNotFound(f"customer {customer_id}")
    return customer


def _apply(session: Session, change: SafetyLimitChange, now: datetime) -> bool:
    """Apply one due loosening, once (a conditional UPDATE: two sweeps at once apply it
    once); True if this call applied it."""
    won = session.execute(
        update(SafetyLimitChange)
        .where(SafetyLimitChange.id == change.id, SafetyLimitChange.state == PENDING)
        .values(state=APPLIED, applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        return False
    value = from_stored(change.name, change.value_minor)
    session.execute(
        update(Customer)
        .where(Customer.id == change.customer_id)
        .values({COLUMNS[change.name]: value})
        .execution_options(synchronize_session=False)
    )
    add_audit(
        session,
        "system",
        LOOSENED,
        change.customer_id,
        {"name": change.name, "value": change.value_minor, "requested_by": change.actor},
    )
    return True


def _cancel_waiting(session: Session, customer_id: int, name: str) -> bool:
    """Cancel the limit's waiting loosenings; True if there was one."""
    result = session.execute(
        update(SafetyLimitChange)
        .where(
            SafetyLimitChange.customer_id == customer_id,
            SafetyLimitChange.name == name,
            SafetyLimitChange.state == PENDING,
        )
        .values(state=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def _settle_due(session: Session, customer_id: int, now: datetime) -> None:
    """Write the customer's due loosenings to their row (as the sweep would)."""
    for change in due_changes(session, customer_id, now):
        _apply(session, change, now)
    session.expire_all()


def loosen_later(
    session: Session,
    customer_id: int,
    name: str,
    value: int | bool | None,
    actor: str,
    channel: str,
    now: datetime,
    hours: float,
    reason: str = "",
) -> SafetyLimitChange:
    """Record a loosening that counts ``hours`` from ``now``, superseding any other waiting
    change to the limit (the same value asked again keeps its first moment). In the
    caller's transaction, with the customer's row locked. ``reason`` (audited) says why,
    when the customer did not ask for it."""
    wanted = stored(name, value)
    waiting = waiting_changes(session, customer_id, now, name)
    if len(waiting) == 1 and waiting[0].value_minor == wanted:
        return waiting[0]
    _cancel_waiting(session, customer_id, name)
    change = SafetyLimitChange(
        customer_id=customer_id,
        name=name,
        value_minor=wanted,
        state=PENDING,
        requested_at=now,
        effective_at=now + timedelta(hours=hours),
        actor=actor[:100],
        channel=(channel or "")[:16],
    )
    session.add(change)
    session.flush()
    add_audit(
        session,
        actor,
        LOOSENING_REQUESTED,
        customer_id,
        {
            "name": name,
            "value": wanted,
            "effective_at": change.effective_at.isoformat(),
            "channel": channel,
            **({"reason": reason} if reason else {}),
        },
    )
    return change


def keep_for_delay(
    session: Session,
    customer_id: int,
    name: str,
    actor: str,
    channel: str,
    now: datetime,
    hours: float,
    reason: str = "",
) -> SafetyLimitChange | None:
    """The limit stops ``hours`` from now instead of at once (the co-sign amount when the
    last helper who may approve goes): a waiting change to no limit, unless the limit is
    already off or a change to no limit already waits. None when nothing was recorded."""
    lock_customer(session, customer_id)
    if in_effect(session, customer_id, now).value(name) in (None, False):
        return None
    off = stored(name, None)
    waiting = waiting_changes(session, customer_id, now, name)
    if any(change.value_minor == off for change in waiting):
        return None
    return loosen_later(session, customer_id, name, None, actor, channel, now, hours, reason)


class SafetyLimits:
    """The customer's safety limits: read them, change them, and apply loosenings when due.

    One short transaction per call; safe on several processes at once (the customer's row is
    locked while a change is decided; a due loosening is applied by a conditional UPDATE).
    """

    def __init__(self, sessions: sessionmaker, settings: Settings | None = None) -> None:
        self._sessions = sessions
        self._readers = read_only(sessions)
        self._settings = settings or get_settings()

    @property
    def loosen_hours(self) -> float:
        return self._settings.safety_loosen_hours

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def limits(self, customer_id: int, now: datetime | None = None) -> LimitsView:
        """The limits in effect at ``now`` and the loosenings still waiting."""
        now = now or utcnow()
        with self._readers() as session, session.begin():
            if session.get(Customer, customer_id) is None:
                raise CustomerNotFound(f"customer {customer_id}")
            limits = in_effect(session, customer_id, now)
            waiting = waiting_changes(session, customer_id, now)
            return LimitsView(limits, tuple(_pending_view(change) for change in waiting))

    def preview(
        self, customer_id: int, name: str, value: int | bool | None, now: datetime | None = None
    ) -> LimitChange:
        """What ``change`` would do now, without doing it (for a read-back)."""
        now = now or utcnow()
        value = normalise(name, value)
        current = self.limits(customer_id, now)
        waiting = current.pending_for(name)
        decided = self._decide(current.limits, name, value, now, waiting is not None)
        if decided.outcome == LATER and waiting is not None and waiting.value == value:
            # The same loosening asked again keeps the moment it was first asked for.
            return LimitChange(name, value, decided.previous, LATER, waiting.effective_at)
        return decided

    def _decide(
        self, limits: Limits, name: str, value: int | bool | None, now: datetime, waiting: bool
    ) -> LimitChange:
        previous = limits.value(name)
        if previous == value:
            return LimitChange(name, value, previous, KEPT, now, cancelled=waiting)
        if loosens(name, previous, value):
            later = now + timedelta(hours=self.loosen_hours)
            return LimitChange(name, value, previous, LATER, later)
        return LimitChange(name, value, previous, AT_ONCE, now, cancelled=waiting)

    def change(
        self,
        customer_id: int,
        name: str,
        value: int | bool | None,
        actor: str,
        channel: str = "",
        now: datetime | None = None,
    ) -> LimitChange:
        """Set limit ``name`` to ``value`` (minor units, None for no limit; for
        ``new_payee_cooling_off`` True or False): a tightening at once, a loosening after
        ``safety_loosen_hours``. A ValueError for an unknown name or a negative amount;
        ``CustomerNotFound`` for no such customer."""
        now = now or utcnow()
        value = normalise(name, value)
        with self._tx() as session:
            customer = lock_customer(session, customer_id)
            _settle_due(session, customer_id, now)  # reloads the row with them applied
            waiting = bool(waiting_changes(session, customer_id, now, name))
            decided = self._decide(row_limits(customer), name, value, now, waiting)
            if decided.outcome == LATER:
                pending = loosen_later(
                    session, customer_id, name, value, actor, channel, now, self.loosen_hours
                )
                return LimitChange(name, value, decided.previous, LATER, pending.effective_at)
            cancelled = _cancel_waiting(session, customer_id, name)
            if decided.outcome == AT_ONCE:
                setattr(customer, COLUMNS[name], value)
            if decided.outcome == AT_ONCE or cancelled:
                add_audit(
                    session,
                    actor,
                    TIGHTENED,
                    customer_id,
                    {
                        "name": name,
                        "value": stored(name, value),
                        "previous": stored(name, decided.previous),
                        "channel": channel,
                        "cancelled_waiting": cancelled,
                    },
                )
            return LimitChange(
                name, value, decided.previous, decided.outcome, now, cancelled=cancelled
            )

    def apply_due(self, now: datetime | None = None) -> int:
        """Write every loosening whose delay is over to its customer's row (the worker's due
        job; several workers may run it at once). Returns how many this call applied."""
        now = now or utcnow()
        with self._readers() as session, session.begin():
            due = list(
                session.execute(
                    select(SafetyLimitChange.id)
                    .where(
                        SafetyLimitChange.state == PENDING,
                        SafetyLimitChange.effective_at <= now,
                    )
                    .order_by(SafetyLimitChange.effective_at, SafetyLimitChange.id)
                ).scalars()
            )
        applied = 0
        for change_id in due:
            try:
                with self._tx() as session:
                    change = session.get(SafetyLimitChange, change_id)
                    if change is None or change.state != PENDING:
                        continue
                    # The customer's row first, as a change and a payment lock it: no
                    # deadlock with a change to the same limit at this moment.
                    lock_customer(session, change.customer_id)
                    applied += _apply(session, change, now)
            except Exception:  # one bad row must not keep the others waiting
                log.exception("could not apply safety limit change %s", change_id)
        if applied:
            log.info("safety limit loosenings applied: %s", applied)
        return applied
