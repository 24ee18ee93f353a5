"""Helpers who may approve payments: what waits for them, their answer, and the texts about it
(issue 9 item 5).

A payment above the customer's co-sign amount waits as a held payment (the bank's mechanism,
``assistant.banking.held_payments``) with a "cosign" condition. Here: each helper with "approve
payments" is texted once per held payment and sees it in the portal; a helper with only
"receive alerts" learns that a payment is waiting, never its amount or payee; a helper's
approve or decline goes to the bank, which gives exactly one outcome however many answer at
once; and the customer who prefers texts (or the web) is told the outcome by text (a caller
hears it at their next call, from the conversation turn).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.banking.views import HeldPaymentView, HoldOutcome
from assistant.messaging import outbox
from assistant.models import Customer, HeldPayment, HoldCondition
from assistant.money import Money, format_money
from assistant.texts import local_time, text
from family.links import permissions as perms
from family.links.context import Context, active_link, customer_language, helper_name
from family.links.models import Helper, HelperLink

log = logging.getLogger(__name__)

APPROVED, DECLINED = "helper_approved_payment", "helper_declined_payment"
VIEWED_APPROVALS = "helper_viewed_approvals"
_TOLD = {"released": "family_hold_released_sms", "declined": "family_hold_declined_sms"}
_TOLD_EXPIRED = "family_hold_expired_sms"
#: What a helper who may approve payments answers: a co-sign, and a scam's cooling-off (their
#: yes releases the payment early, issue 10).
HELPER_ANSWERS = frozenset({COSIGN, COOLING_OFF})


@dataclass(frozen=True)
class ApprovalItem:
    """A held payment for this helper's answer (what the portal shows): ``cosign_above`` is
    the customer's co-sign amount (why it waits for a helper); once the co-sign is answered,
    ``decided_by`` names who answered it (as the customer called them) and ``decided_by_you``
    says whether it was this helper."""

    hold_id: int
    customer_id: int
    customer_name: str
    hold: HeldPaymentView
    cosign_above: Money | None = None
    decided_by: str = ""
    decided_by_you: bool = False

    @property
    def waiting(self) -> bool:
        """Still waiting for a helper's answer."""
        return self.hold.status == "held" and bool(HELPER_ANSWERS & set(self.hold.pending))


@dataclass(frozen=True)
class ApprovalAnswer:
    """What a helper's approve or decline did (``outcome.result``: released, declined,
    waiting, or already when someone answered first or the time ran out)."""

    customer_name: str
    outcome: HoldOutcome


class Approvals:
    _ctx: Context

    def pending_approvals(
        self, helper_id: int, customer_id: int | None = None, channel: str = "portal"
    ) -> list[ApprovalItem]:
        """Held payments waiting for a co-sign, of every customer (or one) who lets this
        helper approve; each customer's view is audited."""
        with self._ctx.write() as writer:
            session = writer.session
            query = (
                select(HelperLink, Customer.name, Customer.cosign_above_minor)
                .join(Customer, Customer.id == HelperLink.customer_id)
                .where(HelperLink.helper_id == helper_id, HelperLink.status == "active")
                .order_by(Customer.name, HelperLink.id)
            )
            if customer_id is not None:
                query = query.where(HelperLink.customer_id == customer_id)
            items: list[ApprovalItem] = []
            for link, name, above in session.execute(query).all():
                if (link.permissions or {}).get(perms.APPROVE_PAYMENTS) is not True:
                    continue
                waiting = [
                    hold
                    for hold in self._ctx.banking.list_holds(link.customer_id)
                    if HELPER_ANSWERS & set(hold.pending)
                ]
                if not waiting:
                    continue
                add_audit(
                    session,
                    f"helper:{helper_id}",
                    VIEWED_APPROVALS,
                    link.customer_id,
                    {"helper_id": helper_id, "channel": channel, "holds": len(waiting)},
                )
                items.extend(
                    ApprovalItem(hold.id, link.customer_id, name, hold, _money(above, hold))
                    for hold in waiting
                )
        return items

    def approval_for(
        self, helper_id: int, customer_id: int, hold_id: int, channel: str = "portal"
    ) -> ApprovalItem | None:
        """One held payment of this customer that this helper may answer, waiting or already
        ended (then with who answered); None, audited as "helper_denied", when it is another
        customer's, has no co-sign, or the helper may not approve this customer's payments."""
        hold = self._ctx.banking.get_hold(hold_id)
        with self._ctx.write() as writer:
            session = writer.session
            link = active_link(session, helper_id, customer_id, perms.APPROVE_PAYMENTS)
            if (
                link is None
                or hold is None
                or hold.customer_id != customer_id
                or not any(c.kind in HELPER_ANSWERS for c in hold.conditions)
            ):
                _deny(session, helper_id, customer_id if link is not None else None, hold_id)
                return None
            customer = session.get(Customer, customer_id)
            add_audit(
                session,
                f"helper:{helper_id}",
                VIEWED_APPROVALS,
                customer_id,
                {"helper_id": helper_id, "channel": channel, "hold_id": hold_id},
            )
            decider = _cosign_decider(hold)
            return ApprovalItem(
                hold.id,
                customer_id,
                customer.name,
                hold,
                _money(customer.cosign_above_minor, hold),
                decided_by=_helper_called(session, decider, customer_id) if decider else "",
                decided_by_you=decider == helper_id,
            )

    def answer_approval(
        self,
        helper_id: int,
        hold_id: int,
        approve: bool,
        note: str = "",
        channel: str = "portal",
        now: datetime | None = None,
        customer_id: int | None = None,
    ) -> ApprovalAnswer | None:
        """Approve (or decline) a held payment for a helper allowed to; None when the hold
        is not one this helper may answer (another customer's, no permission, unknown, or not
        of ``customer_id`` when the caller names the customer), with an audit row
        "helper_denied"."""
        hold = self._ctx.banking.get_hold(hold_id)
        asked_customer = customer_id
        with self._ctx.write() as writer:
            session = writer.session
            customer_id = hold.customer_id if hold is not None else None
            link = (
                active_link(session, helper_id, customer_id, perms.APPROVE_PAYMENTS)
                if customer_id is not None
                else None
            )
            if (
                link is None
                or hold is None
                or not any(c.kind in HELPER_ANSWERS for c in hold.conditions)
                or (asked_customer is not None and asked_customer != customer_id)
            ):
                _deny(session, helper_id, customer_id if link is not None else None, hold_id)
                return None
            name = session.get(Customer, customer_id).name
        note = " ".join((note or "").split())[:500]
        # The co-sign first; a yes also ends a scam's cooling-off (a no to either declines).
        kinds = sorted(
            {c.kind for c in hold.conditions if c.kind in HELPER_ANSWERS},
            key=lambda kind: kind != COSIGN,
        )
        for kind in kinds:
            outcome = self._ctx.banking.decide_hold_condition(
                hold_id, kind, approve, f"helper:{helper_id}", note, now
            )
            if outcome.result != "waiting":
                break
        with self._ctx.write() as writer:
            add_audit(
                writer.session,
                f"helper:{helper_id}",
                APPROVED if approve else DECLINED,
                customer_id,
                {
                    "helper_id": helper_id,
                    "hold_id": hold_id,
                    "result": outcome.result,
                    "channel": channel,
                },
            )
        return ApprovalAnswer(name, outcome)

    # ---- texts the worker's sweep sends --------------------------------------------------

    def announce_holds(self, now: datetime | None = None, customer_id: int | None = None) -> int:
        """Text each helper who may approve (or is only alerted) about each held payment
        waiting for a co-sign, once (the outbox's dedupe key); how many texts were queued.
        The channel that held a payment calls it for that customer at once; the worker's
        sweep calls it for everyone, in case that call did not happen."""
        now = self._ctx.now(now)
        settings = self._ctx.settings
        queued = 0
        with self._ctx.write() as writer:
            session = writer.session
            rows = session.execute(
                select(HeldPayment, HoldCondition)
                .join(HoldCondition, HoldCondition.hold_id == HeldPayment.id)
                .where(
                    HeldPayment.status == "held",
                    HoldCondition.kind == COSIGN,
                    HoldCondition.status == "pending",
                    HoldCondition.deadline > now,
                    *([HeldPayment.customer_id == customer_id] if customer_id is not None else []),
                )
            ).all()
            for hold, condition in rows:
                customer = session.get(Customer, hold.customer_id)
                language = customer_language(customer, settings)
                links = session.execute(
                    select(HelperLink, Helper)
                    .join(Helper, Helper.id == HelperLink.helper_id)
                    .where(
                        HelperLink.customer_id == hold.customer_id,
                        HelperLink.status == "active",
                    )
                ).all()
                for link, helper in links:
                    granted = link.permissions or {}
                    if granted.get(perms.APPROVE_PAYMENTS) is True:
                        key = "family_hold_approval_sms"
                        dedupe = f"hold_approval:{hold.id}:{link.id}"
                    elif granted.get(perms.RECEIVE_ALERTS) is True:
                        key = "family_hold_alert_sms"
                        dedupe = f"hold_alert:{hold.id}:{link.id}"
                    else:
                        continue
                    body = text(
                        key,
                        "sms",
                        language,
                        customer=customer.name,
                        amount=format_money(hold_money(hold), customer.locale),
                        payee=hold.counterparty,
                        deadline=local_time(condition.deadline, settings, customer.locale),
                        portal=settings.helper_portal_url,
                    )
                    if outbox.queued(session, dedupe):
                        continue
                    writer.send(
                        dedupe_key=dedupe,
                        to_phone=helper.phone,
                        body=body,
                        purpose="helper_notice",
                        customer_id=customer.id,
                    )
                    queued += 1
        return queued

    def hold_decider(self, hold: HeldPaymentView) -> str:
        """The helper who answered a held payment, as its customer called them; "" when the
        bank or the time decided (the customer hears "Linda approved your payment")."""
        with self._ctx.readers() as session:
            return _decider_name(session, hold)

    def tell_hold_outcomes(self, now: datetime | None = None) -> int:
        """Text customers who prefer texts (or the web) how their held payments ended; a
        caller hears it at their next call instead. How many were told."""
        settings = self._ctx.settings
        told = 0
        for hold in self._ctx.banking.untold_hold_outcomes():
            with self._ctx.write() as writer:
                customer = writer.session.get(Customer, hold.customer_id)
                if customer is None or customer.preferred_channel not in ("sms", "web"):
                    continue
                key = _TOLD.get(hold.status, _TOLD_EXPIRED)
                helper = _decider_name(writer.session, hold)
                if hold.status == "released" and not helper:
                    key = "hold_released_after_pause_sms"  # the pause ended, nobody approved
                body = text(
                    key,
                    "sms",
                    customer_language(customer, settings),
                    amount=format_money(hold.amount, customer.locale),
                    payee=hold.counterparty,
                    helper=helper,
                    bank_phone=settings.bank_phone,
                )
                writer.send(
                    dedupe_key=f"hold_outcome:{hold.id}",
                    to_phone=customer.phone,
                    body=body,
                    purpose="hold_outcome",
                    customer_id=customer.id,
                )
            self._ctx.banking.mark_hold_outcome_told(hold.id)
            told += 1
        return told


def _deny(session: Session, helper_id: int, customer_id: int | None, hold_id: int) -> None:
    add_audit(
        session,
        f"helper:{helper_id}",
        "helper_denied",
        customer_id,
        {"helper_id": helper_id, "what": "approval", "asked_hold_id": hold_id},
    )
    log.warning("helper %s denied an answer to hold %s", helper_id, hold_id)


def _money(minor: int | None, hold: HeldPaymentView) -> Money | None:
    return Money(minor, hold.amount.currency) if minor is not None else None


def _cosign_decider(hold: HeldPaymentView) -> int | None:
    """The helper whose answer decided the co-sign, if a helper's did."""
    for condition in hold.conditions:
        by = condition.decided_by or ""
        if condition.kind in HELPER_ANSWERS and by.startswith("helper:") and by[7:].isdigit():
            return int(by[7:])
    return None


def _helper_called(session: Session, helper_id: int, customer_id: int) -> str:
    link = session.execute(
        select(HelperLink).where(
            HelperLink.helper_id == helper_id, HelperLink.customer_id == customer_id
        )
    ).scalar_one_or_none()
    return helper_name(session, link) if link is not None else ""


def hold_money(hold: HeldPayment) -> Money:
    return Money(hold.amount_minor, hold.currency)


def _decider_name(session: Session, hold: HeldPaymentView) -> str:
    """The helper who answered, as the customer called them; "" for the bank or time."""
    by = hold.outcome_by or ""
    if not by.startswith("helper:") or not by[7:].isdigit():
        return ""
    link = session.execute(
        select(HelperLink).where(
            HelperLink.helper_id == int(by[7:]), HelperLink.customer_id == hold.customer_id
        )
    ).scalar_one_or_none()
    return helper_name(session, link) if link is not None else ""
