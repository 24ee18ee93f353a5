"""The co-sign rule: a payment above the customer's co-sign amount waits for a helper.

One co-sign amount per customer (``customers.cosign_above_minor``), not per helper: a payment
to a payee above it is held until a helper with the "approve payments" permission approves it,
or expires when nobody answers in time (``hold_cosign_hours``).

The co-sign amount is one of the customer's safety limits (``assistant.banking.safety``):
raising or dropping it waits the loosening delay, and so does losing the last helper who may
approve. Removing that helper (or their permission, or their leaving) ends their access at
once, but the requirement stays for ``safety_loosen_hours`` (a waiting change to no co-sign
amount, ``keep_cosign_for_delay``), because removing the only approver is what a scammer
coaches. Meanwhile nobody can approve, so such a payment waits with a cooling-off instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.holds import COOLING_OFF, COSIGN, PAY_PAYEE, ConditionSpec, PaymentRequest
from assistant.banking.limits import CANCELLED, COSIGN_ABOVE, in_effect, waiting_changes
from assistant.banking.safety import keep_for_delay, lock_customer
from family.links.models import HelperLink
from family.links.permissions import APPROVE_PAYMENTS

ACTIVE = "active"


class CosignRule:
    """A ``HoldRule``: a co-sign condition for a payment to a payee above the co-sign amount
    in effect, when the customer has at least one active helper who may approve payments.

    Transfers between the customer's own accounts are never held: the money stays the
    customer's, so there is nothing a helper would protect it from (and savings moved to
    checking must not wait to pay a bill). With no approver there is no one to ask: while the
    co-sign amount is on its way out (the last approver went, or the customer asked to drop
    or raise it, and the delay is not over) the payment waits ``cooling_off_hours`` with a
    cooling-off instead; otherwise it moves as before rather than waiting for an answer that
    cannot come.
    """

    def __init__(self, hours: float = 24, cooling_off_hours: float = 24) -> None:
        self.wait = timedelta(hours=hours)
        self.cooling_off = timedelta(hours=cooling_off_hours)

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]:
        if request.op != PAY_PAYEE:
            return []
        above = in_effect(session, request.customer_id, now).cosign_above
        if above is None or request.amount.minor <= above:
            return []
        if has_approver(session, request.customer_id):
            return [ConditionSpec(COSIGN, now + self.wait)]
        if waiting_changes(session, request.customer_id, now, COSIGN_ABOVE):
            return [ConditionSpec(COOLING_OFF, now + self.cooling_off)]
        return []


def has_approver(session: Session, customer_id: int) -> bool:
    """Whether an active helper of the customer may approve held payments."""
    links = session.execute(
        select(HelperLink.permissions).where(
            HelperLink.customer_id == customer_id, HelperLink.status == ACTIVE
        )
    ).scalars()
    return any((permissions or {}).get(APPROVE_PAYMENTS) is True for permissions in links)


def is_approver(link: HelperLink) -> bool:
    """Whether this link lets its helper approve payments now."""
    return link.status == ACTIVE and (link.permissions or {}).get(APPROVE_PAYMENTS) is True


NO_APPROVER = "no_approver"  # why the co-sign amount is on its way out (audited)


def keep_cosign_for_delay(
    session: Session, customer_id: int, channel: str, now: datetime, hours: float
) -> bool:
    """After an approver went (in this transaction): when no helper is left who may approve,
    the co-sign amount stays for ``hours`` and then ends (a waiting change to none, by the
    system, for NO_APPROVER). True when that was recorded."""
    session.flush()
    # The customer's row first: two approvers removed at the same moment then see each
    # other's removal, so the second one keeps the co-sign amount.
    lock_customer(session, customer_id)
    if has_approver(session, customer_id):
        return False
    kept = keep_for_delay(
        session, customer_id, COSIGN_ABOVE, "system", channel, now, hours, NO_APPROVER
    )
    return kept is not None


def keep_cosign_for_new_approver(session: Session, customer_id: int, now: datetime) -> bool:
    """A helper who may approve is back (confirmed, or given the approval): the co-sign
    amount the system was about to end for want of an approver stays. True when a waiting
    end was cancelled (audited)."""
    session.flush()
    lock_customer(session, customer_id)
    ending = [
        change
        for change in waiting_changes(session, customer_id, now, COSIGN_ABOVE)
        if change.actor == "system" and change.value_minor is None
    ]
    for change in ending:
        change.state = CANCELLED
        add_audit(
            session,
            "system",
            "limit_loosening_cancelled",
            customer_id,
            {"name": COSIGN_ABOVE, "reason": "approver_again"},
        )
    return bool(ending)
