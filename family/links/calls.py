"""Who to ring when a customer on a call asks for their helper, and what became of the call.

A helper is rung only through a link that belongs to the customer asking, is active and grants
``join_calls``: any other link id (removed, left, awaiting the customer, without the
permission, another customer's) rings nobody. Each ring ends in one audited outcome, written
as the helper's own action (actor ``helper:<id>``, channel "voice"): they joined the call,
declined it, or missed it (no answer, busy, the call failed, or the customer came back first).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional

from sqlalchemy.orm import sessionmaker

from assistant.banking.audit import add_audit
from assistant.db import read_only
from assistant.models import Customer
from family.links.models import Helper, HelperLink
from family.links.permissions import JOIN_CALLS

JOINED, DECLINED, MISSED = "joined", "declined", "missed"
#: The audit action of each outcome.
OUTCOME_ACTIONS = {
    JOINED: "helper_joined_call",
    DECLINED: "helper_call_declined",
    MISSED: "helper_call_missed",
}
ACTIVE = "active"
CHANNEL = "voice"


@dataclass(frozen=True)
class CallHelper:
    """The helper to ring into a customer's call (and whose call it is)."""

    link_id: int
    helper_id: int
    customer_id: int
    name: str
    phone: str
    customer_name: str

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> CallHelper:
        return cls(
            link_id=int(data["link_id"]),
            helper_id=int(data["helper_id"]),
            customer_id=int(data["customer_id"]),
            name=str(data["name"]),
            phone=str(data["phone"]),
            customer_name=str(data["customer_name"]),
        )


def helper_for_call(sessions: sessionmaker, customer_id: int, link_id: int) -> Optional[CallHelper]:
    """The helper of link ``link_id`` if customer ``customer_id`` may ring them now, else None."""
    with read_only(sessions)() as session:
        link = session.get(HelperLink, link_id)
        if (
            link is None
            or link.customer_id != customer_id
            or link.status != ACTIVE
            or (link.permissions or {}).get(JOIN_CALLS) is not True
        ):
            return None
        helper = session.get(Helper, link.helper_id)
        customer = session.get(Customer, customer_id)
        if helper is None or customer is None:
            return None
        return CallHelper(
            link_id=link.id,
            helper_id=helper.id,
            customer_id=customer_id,
            name=helper.name,
            phone=helper.phone,
            customer_name=customer.name,
        )


def record_call_outcome(
    sessions: sessionmaker,
    helper: CallHelper,
    outcome: str,
    *,
    reason: Optional[str] = None,
    call_sid: Optional[str] = None,
) -> None:
    """Audit how the ring ended: ``outcome`` is JOINED, DECLINED or MISSED (``reason``: e.g.
    "no-answer", "busy", "customer_returned")."""
    action = OUTCOME_ACTIONS[outcome]
    detail: Dict[str, Any] = {"channel": CHANNEL, "link_id": helper.link_id}
    if reason:
        detail["reason"] = reason
    if call_sid:
        detail["call_sid"] = call_sid
    with sessions() as session, session.begin():
        add_audit(
            session,
            f"helper:{helper.helper_id}",
            action,
            customer_id=helper.customer_id,
            detail=detail,
        )
