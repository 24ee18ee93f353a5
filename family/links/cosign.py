"""The co-sign rule: a payment above the customer's co-sign amount waits for a helper.

One co-sign amount per customer (``customers.cosign_above_minor``), not per helper: a payment
to a payee above it is held until a helper with the "approve payments" permission approves it,
or expires when nobody answers in time (``hold_cosign_hours``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.holds import COSIGN, PAY_PAYEE, ConditionSpec, PaymentRequest
from assistant.models import Customer
from family.links.models import HelperLink
from family.links.permissions import APPROVE_PAYMENTS

ACTIVE = "active"


class CosignRule:
    """A ``HoldRule``: a co-sign condition for a payment to a payee above the co-sign amount,
    when the customer has at least one active helper who may approve payments.

    Transfers between the customer's own accounts are never held: the money stays the
    customer's, so there is nothing a helper would protect it from (and savings moved to
    checking must not wait to pay a bill).  With no approver there is no one to ask, so the
    payment moves as before rather than waiting for an answer that cannot come.
    """

    def __init__(self, hours: float = 24) -> None:
        self.wait = timedelta(hours=hours)

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]:
        if request.op != PAY_PAYEE:
            return []
        above = session.execute(
            select(Customer.cosign_above_minor).where(Customer.id == request.customer_id)
        ).scalar_one_or_none()
        if above is None or request.amount.minor <= above:
            return []
        if not has_approver(session, request.customer_id):
            return []
        return [ConditionSpec(COSIGN, now + self.wait)]


def has_approver(session: Session, customer_id: int) -> bool:
    """Whether an active helper of the customer may approve held payments."""
    links = session.execute(
        select(HelperLink.permissions).where(
            HelperLink.customer_id == customer_id, HelperLink.status == ACTIVE
        )
    ).scalars()
    return any((permissions or {}).get(APPROVE_PAYMENTS) is True for permissions in links)
