"""Reading the interventions back: which scam a held payment was paused for (the channels
name it in their warning) and the record for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only, utcnow
from assistant.models import HeldPayment
from fraud.models import ScamIntervention


@dataclass(frozen=True)
class InterventionView:
    """One intervention as recorded (see ``fraud.models.ScamIntervention``)."""

    id: int
    customer_id: int
    at: datetime
    channel: str
    signals: tuple[str, ...]
    scam: str
    amount_minor: int | None
    payee_id: int | None
    held_payment_id: int | None
    action: str
    outcome: str | None


def _view(row: ScamIntervention) -> InterventionView:
    return InterventionView(
        id=row.id,
        customer_id=row.customer_id,
        at=row.at,
        channel=row.channel or "",
        signals=tuple(row.signals or ()),
        scam=row.scam or "",
        amount_minor=row.amount_minor,
        payee_id=row.payee_id,
        held_payment_id=row.held_payment_id,
        action=row.action,
        outcome=row.outcome,
    )


class Interventions:
    """Read-only access to ``scam_interventions``."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._readers = read_only(sessions)

    def for_hold(self, customer_id: int, reference: str) -> InterventionView | None:
        """The intervention that paused the customer's held payment ``reference``, if one did."""
        with self._readers() as session:
            row = session.execute(
                select(ScamIntervention)
                .join(HeldPayment, HeldPayment.id == ScamIntervention.held_payment_id)
                .where(
                    HeldPayment.customer_id == customer_id,
                    HeldPayment.reference == reference.strip().upper(),
                )
                .order_by(ScamIntervention.id.desc())
            ).scalar()
            return _view(row) if row is not None else None

    def of_customer(self, customer_id: int, limit: int = 50) -> list[InterventionView]:
        """The customer's interventions, newest first."""
        with self._readers() as session:
            rows = session.execute(
                select(ScamIntervention)
                .where(ScamIntervention.customer_id == customer_id)
                .order_by(ScamIntervention.id.desc())
                .limit(limit)
            ).scalars()
            return [_view(row) for row in rows]

    def latest(self, customer_id: int, within: timedelta) -> InterventionView | None:
        """The customer's newest intervention, if it was made within ``within`` of now."""
        with self._readers() as session:
            row = session.execute(
                select(ScamIntervention)
                .where(
                    ScamIntervention.customer_id == customer_id,
                    ScamIntervention.at >= utcnow() - within,
                )
                .order_by(ScamIntervention.id.desc())
            ).scalar()
            return _view(row) if row is not None else None
