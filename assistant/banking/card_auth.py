"""Card authorisations: a card network asks "may this card pay this shop this much?".

There is no card network feed yet; :class:`CardAuthoriser` is the service one would call, and
``assistant card-attempt`` (the demo injector) calls it the same way. A request is answered
once per ``request_key`` (a network retries): a retried request gets the first answer and moves
nothing again.

- A frozen card, a card reported lost, or an unknown card: declined, nothing moves, and the
  attempt is recorded (``card_authorisations``) and audited ``card_declined`` with the reason,
  so the account watch (:mod:`fraud.account_watch`) can tell the customer that someone tried a
  frozen card.
- An active card: approved if the account can pay it (the money available, as for any
  payment); the purchase is posted at once (a card purchase to the clearing account) and
  audited ``card_authorised``. Not enough money: declined, reason ``insufficient_funds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.audit import add_audit
from assistant.banking.errors import InsufficientFunds, InvalidAmount
from assistant.banking.ledger import (
    PAYMENTS_CLEARING,
    TransactionKind,
    available_minor,
    internal_account,
    lock_accounts,
    post,
)
from assistant.db import utcnow
from assistant.models import Card, CardAuthorisation, Customer, LedgerTransaction
from assistant.money import Money

APPROVED, DECLINED = "approved", "declined"
#: Why a request was declined.
FROZEN = "card_frozen"
LOST = "card_lost"
UNKNOWN_CARD = "unknown_card"
INSUFFICIENT = "insufficient_funds"


@dataclass(frozen=True)
class Authorisation:
    """The answer to one request: ``decision`` approved or declined, ``reason`` why declined,
    ``reference`` of the posted purchase when approved."""

    request_key: str
    decision: str
    reason: str = ""
    reference: Optional[str] = None

    @property
    def approved(self) -> bool:
        return self.decision == APPROVED


class CardAuthoriser:
    """Decides card authorisation requests against the cards and the ledger."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    def authorise(
        self,
        *,
        request_key: str,
        phone: str,
        last4: str,
        merchant: str,
        amount: Money,
        now: Optional[datetime] = None,
    ) -> Authorisation:
        """Answer a request for the card ending ``last4`` of the customer with ``phone``."""
        if not isinstance(amount, Money) or amount.minor <= 0:
            raise InvalidAmount("a card purchase needs a positive amount")
        request_key = request_key.strip()[:64]
        if not request_key:
            raise ValueError("a card authorisation needs a request key")
        merchant = " ".join(merchant.split())[:200] or "-"
        now = now or utcnow()
        try:
            with self._sessions() as session, session.begin():
                earlier = _earlier(session, request_key)
                if earlier is not None:
                    return earlier
                return self._decide(session, request_key, phone, last4, merchant, amount, now)
        except IntegrityError:
            # The same request decided at the same moment elsewhere: answer as it was answered.
            with self._sessions() as session:
                earlier = _earlier(session, request_key)
            if earlier is None:
                raise
            return earlier

    def _decide(
        self,
        session: Session,
        request_key: str,
        phone: str,
        last4: str,
        merchant: str,
        amount: Money,
        now: datetime,
    ) -> Authorisation:
        customer = session.execute(
            select(Customer).where(Customer.phone == phone).with_for_update(key_share=True)
        ).scalar_one_or_none()
        card = None
        if customer is not None:
            card = (
                session.execute(
                    select(Card)
                    .where(Card.customer_id == customer.id, Card.last4 == str(last4).strip())
                    .order_by(Card.id.desc())
                )
                .scalars()
                .first()
            )
        if customer is None or card is None:
            # Nobody to record it against: the network is told no, the bank keeps nothing.
            return Authorisation(request_key, DECLINED, UNKNOWN_CARD)
        decision, reason, txn = APPROVED, "", None
        if card.status == "frozen":
            decision, reason = DECLINED, FROZEN
        elif card.status == "lost":
            decision, reason = DECLINED, LOST
        else:
            account = lock_accounts(session, [card.account_id])[card.account_id]
            if account.currency != amount.currency or available_minor(account) < amount.minor:
                decision, reason = DECLINED, INSUFFICIENT
            else:
                clearing = internal_account(session, PAYMENTS_CLEARING, amount.currency)
                try:
                    txn = post(
                        session,
                        legs=[(account, Money(-amount.minor, amount.currency)), (clearing, amount)],
                        kind=TransactionKind.CARD_PURCHASE,
                        counterparty=merchant,
                        customer_id=customer.id,
                        created_at=now,
                    )
                except InsufficientFunds:
                    decision, reason = DECLINED, INSUFFICIENT
        row = CardAuthorisation(
            request_key=request_key,
            card_id=card.id,
            customer_id=customer.id,
            at=now,
            merchant=merchant,
            amount_minor=amount.minor,
            currency=amount.currency,
            decision=decision,
            reason=reason,
            transaction_id=txn.id if txn is not None else None,
        )
        session.add(row)
        session.flush()
        detail = {
            "last4": card.last4,
            "merchant": merchant,
            "amount_minor": amount.minor,
            "currency": amount.currency,
            "authorisation": row.id,
        }
        if decision == APPROVED:
            detail["reference"] = txn.reference
            add_audit(session, "card_network", "card_authorised", customer.id, detail)
        else:
            detail["reason"] = reason
            add_audit(session, "card_network", "card_declined", customer.id, detail)
        return Authorisation(
            request_key, decision, reason, txn.reference if txn is not None else None
        )


def _earlier(session: Session, request_key: str) -> Optional[Authorisation]:
    row = session.execute(
        select(CardAuthorisation).where(CardAuthorisation.request_key == request_key)
    ).scalar_one_or_none()
    if row is None:
        return None
    reference = None
    if row.transaction_id is not None:
        reference = session.get(LedgerTransaction, row.transaction_id).reference
    return Authorisation(row.request_key, row.decision, row.reason, reference)
