"""Scam interventions as staff review them (the admin console): the newest first, one by one,
and a review note (audited). The interventions themselves are recorded by the scam checks; this
module only reads them, and writes nothing but the reviewer and their note.

An intervention's outcome follows its held payment: while the payment waits, or once it ended,
the held payment's own status is what the view says (the recorded ``outcome`` may lag behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.banking.audit import add_audit
from assistant.db import read_only
from assistant.models import Customer, HeldPayment
from assistant.money import Money
from fraud.models import ScamIntervention

REVIEW_NOTE_CHARS = 2000


@dataclass(frozen=True)
class ReviewItem:
    """One intervention. ``signals``: the signal names seen (from the words and the payment);
    ``action``: warned or held; ``outcome``: pending, released, declined, expired, cancelled,
    or None when nothing was held."""

    id: int
    customer_id: int
    customer_name: str
    at: datetime
    channel: str
    signals: tuple[str, ...]
    scam: str
    amount: Optional[Money]
    held_payment_id: Optional[int]
    hold_reference: Optional[str]
    action: str
    outcome: Optional[str]
    reviewed_by: Optional[str]
    review_note: Optional[str]


def _signal_name(signal: Any) -> str:
    """A signal as recorded: a name, or a mapping that names it."""
    if isinstance(signal, dict):
        for key in ("name", "signal", "kind"):
            if signal.get(key):
                return str(signal[key])
        return ""
    return str(signal)


def _outcome(row: ScamIntervention, hold_status: Optional[str]) -> Optional[str]:
    if hold_status is None:
        return row.outcome
    return "pending" if hold_status == "held" else hold_status


class InterventionReview:
    """Staff's view of the scam interventions and their review notes; one short transaction
    per call. (The channels' own reading of an intervention is :mod:`fraud.interventions`.)"""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    def _query(self) -> Any:
        return (
            select(ScamIntervention, Customer.name, HeldPayment.status, HeldPayment.reference)
            .join(Customer, Customer.id == ScamIntervention.customer_id)
            .outerjoin(HeldPayment, HeldPayment.id == ScamIntervention.held_payment_id)
        )

    def recent(self, limit: int = 100) -> list[ReviewItem]:
        """The newest interventions first."""
        query = self._query().order_by(ScamIntervention.at.desc(), ScamIntervention.id.desc())
        with self._readers() as session:
            rows = session.execute(query.limit(max(limit, 0))).all()
            return [_view(*row) for row in rows]

    def get(self, intervention_id: int) -> Optional[ReviewItem]:
        query = self._query().where(ScamIntervention.id == intervention_id)
        with self._readers() as session:
            row = session.execute(query).first()
            return _view(*row) if row is not None else None

    def review(self, intervention_id: int, actor: str, note: str) -> Optional[ReviewItem]:
        """Keep a staff member's review note (``actor`` "staff:<username>"; audited); a later
        review replaces it. None when there is no such intervention."""
        note = note.strip()[:REVIEW_NOTE_CHARS]
        with self._sessions() as session, session.begin():
            row = session.get(ScamIntervention, intervention_id, with_for_update=True)
            if row is None:
                return None
            row.reviewed_by = actor[:100]
            row.review_note = note
            add_audit(
                session,
                actor,
                "scam_intervention_reviewed",
                row.customer_id,
                {"intervention_id": row.id, "note_chars": len(note)},
            )
        return self.get(intervention_id)


def _view(
    row: ScamIntervention, name: str, hold_status: Optional[str], reference: Optional[str]
) -> ReviewItem:
    amount = (
        Money(int(row.amount_minor), row.currency or "USD")
        if row.amount_minor is not None
        else None
    )
    signals = tuple(s for s in (_signal_name(x) for x in (row.signals or [])) if s)
    return ReviewItem(
        id=row.id,
        customer_id=row.customer_id,
        customer_name=name,
        at=row.at,
        channel=row.channel or "",
        signals=signals,
        scam=row.scam or "",
        amount=amount,
        held_payment_id=row.held_payment_id,
        hold_reference=reference,
        action=row.action,
        outcome=_outcome(row, hold_status),
        reviewed_by=row.reviewed_by,
        review_note=row.review_note,
    )
