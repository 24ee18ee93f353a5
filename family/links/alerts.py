"""Who is alerted about a customer's account: the helpers with an active link that grants
``receive_alerts`` (the customer's own choice, DESIGN 9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

from sqlalchemy import select
from sqlalchemy.orm import Session

from family.links.context import helper_name
from family.links.models import Helper, HelperLink
from family.links.permissions import APPROVE_PAYMENTS, RECEIVE_ALERTS


@dataclass(frozen=True)
class AlertRecipient:
    """A helper to alert: the link (for dedupe keys), their number, and their name as the
    customer calls them."""

    link_id: int
    helper_id: int
    phone: str
    name: str


def alert_recipients(
    session: Session, customer_id: int, *, approvers_too: bool = False
) -> List[AlertRecipient]:
    """The helpers who receive alerts about ``customer_id`` (and, with ``approvers_too``,
    those who may approve their payments), in link order."""
    granting = {RECEIVE_ALERTS, APPROVE_PAYMENTS} if approvers_too else {RECEIVE_ALERTS}
    rows = session.execute(
        select(HelperLink, Helper)
        .join(Helper, Helper.id == HelperLink.helper_id)
        .where(HelperLink.customer_id == customer_id, HelperLink.status == "active")
        .order_by(HelperLink.id)
    ).all()
    return [
        AlertRecipient(link.id, helper.id, helper.phone, helper_name(session, link))
        for link, helper in rows
        if any((link.permissions or {}).get(name) is True for name in granting)
    ]
