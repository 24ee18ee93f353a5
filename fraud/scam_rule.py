"""The scam rule: a payment that looks like a scam waits in a cooling-off instead of moving.

``ScamRule`` is both a ``HoldRule`` (asked about every payment inside its transaction) and a
``PaymentObserver`` (told what became of it, and when a held payment ends): it records each
intervention in ``scam_interventions`` with its signals, the scam it named, the held payment and
its outcome, kept in step when the hold ends. Signals come from the customer's words (passed in
the request by the channel) and from the ledger (see :mod:`fraud.scams`); the policy
(:class:`ScamPolicy`, from the settings) says which hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistant.banking.holds import COOLING_OFF, PAY_PAYEE, ConditionSpec, PaymentRequest
from assistant.banking.ledger import TransactionKind
from assistant.banking.limits import in_effect
from assistant.models import Account, HeldPayment, LedgerTransaction, Payee, Posting
from assistant.settings import Settings
from fraud import scams
from fraud.models import ScamIntervention

HELD, WARNED, PENDING = "held", "warned", "pending"
_PAYMENT_KINDS = (TransactionKind.PAYMENT.value, TransactionKind.BILL_PAYMENT.value)
_SCRATCH = "scam_assessments"


@dataclass(frozen=True)
class ScamPolicy:
    """When a payment cools off (amounts in minor units; see ``Settings.scam_*``)."""

    cooling_off: timedelta = timedelta(hours=24)
    new_payee_above: int = 20000
    word_floor: int = 2500
    recent_payee: timedelta = timedelta(hours=24)
    unusual_factor: float = 3.0
    usual_days: int = 90
    rapid_count: int = 3
    rapid_window: timedelta = timedelta(minutes=60)
    hold_unusual_amount: bool = False
    hold_recent_payee: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ScamPolicy:
        return cls(
            cooling_off=timedelta(hours=settings.scam_cooling_off_hours),
            new_payee_above=settings.scam_new_payee_above_minor,
            word_floor=settings.scam_word_floor_minor,
            recent_payee=timedelta(hours=settings.scam_recent_payee_hours),
            unusual_factor=settings.scam_unusual_factor,
            usual_days=settings.scam_usual_days,
            rapid_count=settings.scam_rapid_count,
            rapid_window=timedelta(minutes=settings.scam_rapid_minutes),
            hold_unusual_amount=settings.scam_hold_unusual_amount,
            hold_recent_payee=settings.scam_hold_recent_payee,
        )


@dataclass(frozen=True)
class Assessment:
    """What the rule made of one payment: its signals, the scam named, and whether it holds
    (else it only warns, or is nothing at all when ``action`` is "")."""

    signals: tuple[str, ...]
    scam: str
    action: str  # "held", "warned" or ""


class ScamRule:
    """Holds a payment to a payee in a cooling-off when the policy says so (see the module):
    by default a first payment to a payee above $200, a scam signal in the words or several
    payments in a short time above a small floor, and every first payment of a customer who asked
    for that. An unusual amount or a payee added just now warns (holds if configured)."""

    def __init__(self, policy: ScamPolicy | None = None) -> None:
        self.policy = policy or ScamPolicy()

    # ---- HoldRule ------------------------------------------------------------------------

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]:
        assessment = self.assess(session, request, now)
        session.info.setdefault(_SCRATCH, {})[id(request)] = assessment
        if assessment.action != HELD:
            return []
        return [ConditionSpec(COOLING_OFF, now + self.policy.cooling_off)]

    def assess(self, session: Session, request: PaymentRequest, now: datetime) -> Assessment:
        """The payment's signals and what the policy does about them (reads only)."""
        if request.op != PAY_PAYEE or request.payee_id is None:
            return Assessment((), "", "")
        policy, amount = self.policy, request.amount.minor
        words = scams.word_signals(request.signals)
        seen = self._payment_signals(session, request, now)
        above_floor = amount > policy.word_floor
        hold = (
            (bool(words) and above_floor)
            or (scams.NEW_PAYEE in seen and amount > policy.new_payee_above)
            or (scams.RAPID_PAYMENTS in seen and above_floor)
            or scams.CUSTOMER_CHOICE in seen
            or (policy.hold_unusual_amount and scams.UNUSUAL_AMOUNT in seen and above_floor)
            or (policy.hold_recent_payee and scams.RECENT_PAYEE in seen and above_floor)
        )
        signals = (*words, *seen)
        if hold:
            return Assessment(signals, scams.name_scam(signals), HELD)
        # Told, not held: words with a signal, an unusual amount, a payee added just now. A
        # first payment alone is too ordinary to warn about.
        if words or {scams.UNUSUAL_AMOUNT, scams.RECENT_PAYEE} & set(seen):
            return Assessment(signals, scams.name_scam(signals), WARNED)
        return Assessment(signals, "", "")

    def _payment_signals(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[str]:
        policy = self.policy
        customer_id, payee_id = request.customer_id, request.payee_id
        found: list[str] = []
        paid_before = session.execute(
            select(LedgerTransaction.id).where(
                LedgerTransaction.customer_id == customer_id,
                LedgerTransaction.payee_id == payee_id,
            )
        ).first()
        if paid_before is None:
            found.append(scams.NEW_PAYEE)
            added = session.execute(
                select(Payee.created_at).where(Payee.id == payee_id)
            ).scalar_one_or_none()
            if added is not None and added >= now - policy.recent_payee:
                found.append(scams.RECENT_PAYEE)
            # The customer's own choice, as it is now (a change to it whose delay is over
            # counts before the sweep writes it: assistant.banking.limits).
            if in_effect(session, customer_id, now).new_payee_cooling_off:
                found.append(scams.CUSTOMER_CHOICE)
        largest = session.execute(
            select(func.max(-Posting.amount_minor))
            .join(LedgerTransaction, LedgerTransaction.id == Posting.transaction_id)
            .join(Account, Account.id == Posting.account_id)
            .where(
                Account.customer_id == customer_id,
                LedgerTransaction.kind.in_(_PAYMENT_KINDS),
                LedgerTransaction.created_at >= now - timedelta(days=policy.usual_days),
                Posting.amount_minor < 0,
            )
        ).scalar_one_or_none()
        if largest and request.amount.minor > policy.unusual_factor * largest:
            found.append(scams.UNUSUAL_AMOUNT)
        since = now - policy.rapid_window
        recent = session.execute(
            select(func.count(LedgerTransaction.id)).where(
                LedgerTransaction.customer_id == customer_id,
                LedgerTransaction.kind.in_(_PAYMENT_KINDS),
                LedgerTransaction.created_at >= since,
            )
        ).scalar_one()
        waiting = session.execute(
            select(func.count(HeldPayment.id)).where(
                HeldPayment.customer_id == customer_id,
                HeldPayment.op == PAY_PAYEE,
                HeldPayment.created_at >= since,
                HeldPayment.transaction_reference.is_(None),
            )
        ).scalar_one()
        if recent + waiting + 1 >= policy.rapid_count:
            found.append(scams.RAPID_PAYMENTS)
        return found

    # ---- PaymentObserver -----------------------------------------------------------------

    def decided(
        self, session: Session, request: PaymentRequest, now: datetime, hold_id: int | None
    ) -> None:
        """Record the intervention this rule made on ``request``, if it made one."""
        assessment = session.info.get(_SCRATCH, {}).pop(id(request), None)
        if assessment is None or not assessment.action:
            return
        held = assessment.action == HELD and hold_id is not None
        # A payment another rule held (a co-sign) while this one only warned is linked too,
        # so the warning's outcome follows that payment.
        session.add(
            ScamIntervention(
                customer_id=request.customer_id,
                at=now,
                channel=(request.channel or "")[:16],
                signals=list(assessment.signals),
                scam=assessment.scam,
                amount_minor=request.amount.minor,
                currency=request.amount.currency,
                payee_id=request.payee_id,
                held_payment_id=hold_id,
                action=HELD if held else WARNED,
                outcome=PENDING if hold_id is not None else None,
            )
        )
        session.flush()

    def ended(self, session: Session, hold_id: int, status: str, now: datetime) -> None:
        """The held payment ended: its interventions take its outcome."""
        session.execute(
            update(ScamIntervention)
            .where(ScamIntervention.held_payment_id == hold_id)
            .values(outcome=status, outcome_at=now)
        )
