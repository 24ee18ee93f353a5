"""Held payments in the store (DESIGN.md section 8): placing one with its money reserved, and
giving it exactly one outcome. ``LedgerBankingService`` calls these inside its transactions;
a decision always starts by locking the held payment's row (``lock``), so two decisions on
one hold run one after the other and the second finds it decided."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.errors import InsufficientFunds
from assistant.banking.holds import (
    MET_AT_DEADLINE,
    TRANSFER,
    ConditionSpec,
    HoldRule,
    PaymentRequest,
)
from assistant.banking.ledger import (
    PAYMENTS_CLEARING,
    TransactionKind,
    available_minor,
    internal_account,
    lock_accounts,
    new_reference,
    post,
)
from assistant.banking.views import HeldPaymentView, HoldConditionView
from assistant.models import Account, HeldPayment, HoldCondition, Payee
from assistant.money import Money

# A held payment's status, and its conditions'.
HELD = "held"
RELEASED = "released"
DECLINED = "declined"
EXPIRED = "expired"
CANCELLED = "cancelled"
PENDING = "pending"
MET = "met"
FAILED = "failed"

WAITING = "waiting"  # a decision that left the payment held
SYSTEM = "system"  # the actor when time decides


def conditions_for(
    rules: Iterable[HoldRule], session: Session, request: PaymentRequest, now: datetime
) -> list[ConditionSpec]:
    """Every rule's conditions, one per kind (the latest deadline when two rules agree)."""
    by_kind: dict[str, ConditionSpec] = {}
    for rule in rules:
        for spec in rule(session, request, now):
            known = by_kind.get(spec.kind)
            if known is None or spec.deadline > known.deadline:
                by_kind[spec.kind] = spec
    return sorted(by_kind.values(), key=lambda spec: (spec.deadline, spec.kind))


def place(
    session: Session,
    *,
    request: PaymentRequest,
    source: Account,
    counterparty: str,
    specs: Sequence[ConditionSpec],
    key: str,
    digest: str,
    now: datetime,
) -> HeldPayment:
    """Hold the payment: reserve its money on ``source`` (locked) and record its conditions.

    Raises ``InsufficientFunds`` when the money is not available, exactly as paying would.
    """
    amount = request.amount
    if amount.minor > available_minor(source):
        raise InsufficientFunds(f"account {source.id} has {available_minor(source)} available")
    source.held_minor = (source.held_minor or 0) + amount.minor
    hold = HeldPayment(
        reference=new_reference(),
        customer_id=request.customer_id,
        account_id=source.id,
        idempotency_key=key,
        request_fingerprint=digest,
        op=request.op,
        to_kind=request.to_kind,
        payee_id=request.payee_id,
        counterparty=counterparty,
        amount_minor=amount.minor,
        currency=amount.currency,
        channel=(request.channel or "")[:16],
        status=HELD,
        created_at=now,
    )
    session.add(hold)
    session.flush()
    for spec in specs:
        session.add(
            HoldCondition(hold_id=hold.id, kind=spec.kind, status=PENDING, deadline=spec.deadline)
        )
    session.flush()
    add_audit(
        session,
        f"customer:{request.customer_id}",
        "payment_held",
        request.customer_id,
        {
            "reference": hold.reference,
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "from": request.from_kind,
            "payee_id": request.payee_id,
            "to": request.to_kind,
            "conditions": [spec.kind for spec in specs],
            "channel": hold.channel,
        },
    )
    return hold


def by_key(session: Session, customer_id: int, key: str) -> HeldPayment | None:
    return session.execute(
        select(HeldPayment).where(
            HeldPayment.customer_id == customer_id, HeldPayment.idempotency_key == key
        )
    ).scalar_one_or_none()


def lock(
    session: Session,
    hold_id: int | None = None,
    *,
    customer_id: int | None = None,
    reference: str | None = None,
) -> HeldPayment | None:
    """The held payment, its row locked until the transaction ends (SQLite: the whole
    transaction already holds the write lock)."""
    query = select(HeldPayment).with_for_update().execution_options(populate_existing=True)
    if hold_id is not None:
        query = query.where(HeldPayment.id == hold_id)
    if reference is not None:
        query = query.where(HeldPayment.reference == reference)
    if customer_id is not None:
        query = query.where(HeldPayment.customer_id == customer_id)
    return session.execute(query).scalar_one_or_none()


def conditions_of(session: Session, hold_id: int) -> list[HoldCondition]:
    query = (
        select(HoldCondition)
        .where(HoldCondition.hold_id == hold_id)
        .order_by(HoldCondition.id)
        .execution_options(populate_existing=True)
    )
    return list(session.execute(query).scalars())


def settle_due(
    conditions: Iterable[HoldCondition],
    now: datetime,
    ready: Callable[[HoldCondition], bool] | None = None,
) -> bool:
    """Conditions whose deadline has come: met for a pause (``MET_AT_DEADLINE``), else expired.
    A pause that ``ready`` says is not ready yet (the customer not told) stays pending. True
    if any changed."""
    changed = False
    for condition in conditions:
        if condition.status == PENDING and condition.deadline <= now:
            met = condition.kind in MET_AT_DEADLINE
            if met and ready is not None and not ready(condition):
                continue
            condition.status = MET if met else EXPIRED
            condition.decided_at = now
            condition.decided_by = SYSTEM
            changed = True
    return changed


def decide(condition: HoldCondition, met: bool, actor: str, note: str, now: datetime) -> None:
    condition.status = MET if met else FAILED
    condition.decided_at = now
    condition.decided_by = actor
    condition.note = note[:500] or None


def conclude(
    session: Session,
    hold: HeldPayment,
    conditions: Sequence[HoldCondition],
    actor: str,
    now: datetime,
) -> str:
    """Give a held payment its outcome if its conditions now decide one; the result."""
    failed = [c for c in conditions if c.status == FAILED]
    if failed:
        end(session, hold, DECLINED, failed[0].decided_by or actor, failed[0].note, now)
        return DECLINED
    if any(c.status == EXPIRED for c in conditions):
        end(session, hold, EXPIRED, SYSTEM, None, now)
        return EXPIRED
    if all(c.status == MET for c in conditions):
        release(session, hold, actor, now)
        return RELEASED
    return WAITING


def release(session: Session, hold: HeldPayment, actor: str, now: datetime) -> None:
    """Move the money: unreserve it and post the payment with its original idempotency key,
    fingerprint and reference, in the caller's transaction. It cannot fail for want of
    money: the reserved amount is exactly what the posting needs."""
    ids = [hold.account_id]
    if hold.op == TRANSFER:
        target_id = session.execute(
            select(Account.id).where(
                Account.customer_id == hold.customer_id, Account.kind == hold.to_kind
            )
        ).scalar_one()
        ids.append(target_id)
    locked = lock_accounts(session, ids)
    source = locked[hold.account_id]
    amount = Money(hold.amount_minor, hold.currency)
    source.held_minor -= amount.minor
    detail = {
        "reference": hold.reference,
        "amount_minor": amount.minor,
        "currency": amount.currency,
        "from": source.kind,
        "held": True,
        "channel": hold.channel or "",
    }
    if hold.op == TRANSFER:
        target = locked[target_id]
        legs = [(source, -amount), (target, amount)]
        kind, counterparty, action = TransactionKind.TRANSFER, target.name, "transfer"
        detail["to"] = target.kind
    else:
        payee = session.get(Payee, hold.payee_id)
        clearing = internal_account(session, PAYMENTS_CLEARING, hold.currency)
        legs = [(source, -amount), (clearing, amount)]
        bill = payee is not None and payee.kind == "bill"
        kind = TransactionKind.BILL_PAYMENT if bill else TransactionKind.PAYMENT
        counterparty, action = hold.counterparty, "payment"
        detail["payee_id"] = hold.payee_id
    txn = post(
        session,
        legs=legs,
        kind=kind,
        counterparty=counterparty,
        customer_id=hold.customer_id,
        idempotency_key=hold.idempotency_key,
        fingerprint=hold.request_fingerprint,
        payee_id=hold.payee_id,
        created_at=now,
        reference=hold.reference,
    )
    hold.transaction_reference = txn.reference
    _finish(hold, RELEASED, actor, None, now)
    add_audit(session, f"customer:{hold.customer_id}", action, hold.customer_id, detail)
    add_audit(session, actor, "hold_released", hold.customer_id, _audit_detail(hold))


def end(
    session: Session,
    hold: HeldPayment,
    status: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> None:
    """End a held payment without moving money (declined, expired, cancelled): unreserve it."""
    source = lock_accounts(session, [hold.account_id])[hold.account_id]
    source.held_minor -= hold.amount_minor
    _finish(hold, status, actor, note, now)
    add_audit(session, actor, f"hold_{status}", hold.customer_id, _audit_detail(hold))


def _finish(hold: HeldPayment, status: str, actor: str, note: str | None, now: datetime) -> None:
    hold.status = status
    hold.decided_at = now
    hold.outcome_by = actor
    hold.outcome_note = note[:500] if note else None


def _audit_detail(hold: HeldPayment) -> dict:
    return {
        "reference": hold.reference,
        "amount_minor": hold.amount_minor,
        "currency": hold.currency,
        "status": hold.status,
    }


def views(session: Session, holds: Sequence[HeldPayment]) -> list[HeldPaymentView]:
    """The views of ``holds``, in their order, loading conditions and accounts once."""
    ids = [h.id for h in holds]
    if not ids:
        return []
    conditions: dict[int, list[HoldCondition]] = {}
    query = select(HoldCondition).where(HoldCondition.hold_id.in_(ids)).order_by(HoldCondition.id)
    for condition in session.execute(query).scalars():
        conditions.setdefault(condition.hold_id, []).append(condition)
    kinds = dict(
        session.execute(
            select(Account.id, Account.kind).where(Account.id.in_({h.account_id for h in holds}))
        ).all()
    )
    return [view(h, conditions.get(h.id, []), kinds[h.account_id]) for h in holds]


def view(
    hold: HeldPayment, conditions: Sequence[HoldCondition], account_kind: str
) -> HeldPaymentView:
    waiting = [c for c in conditions if c.status == PENDING] if hold.status == HELD else []
    return HeldPaymentView(
        id=hold.id,
        reference=hold.reference,
        customer_id=hold.customer_id,
        op=hold.op,
        amount=Money(hold.amount_minor, hold.currency),
        counterparty=hold.counterparty,
        payee_id=hold.payee_id,
        from_account_kind=account_kind,
        channel=hold.channel or "",
        status=hold.status,
        pending=tuple(c.kind for c in waiting),
        deadline=min((c.deadline for c in waiting), default=None),
        created_at=hold.created_at,
        decided_at=hold.decided_at,
        outcome_by=hold.outcome_by,
        note=hold.outcome_note,
        transaction_reference=hold.transaction_reference,
        conditions=tuple(
            HoldConditionView(
                kind=c.kind,
                status=c.status,
                deadline=c.deadline,
                decided_at=c.decided_at,
                decided_by=c.decided_by,
                note=c.note,
            )
            for c in conditions
        ),
    )
