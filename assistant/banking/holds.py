"""Hold rules: what makes a payment wait instead of moving (DESIGN.md section 8).

The ledger asks each rule about every payment, inside the payment's own transaction (after its
accounts are locked and a retry has been told apart from a new request). A rule answers with
the conditions the payment must wait for, each with a deadline; no condition means the money
moves at once. The rules live with what they protect (the co-sign rule in ``family.links``,
a scam's cooling-off in the fraud checks) and are handed to the ledger by ``assistant.bank``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from assistant.money import Money

PAY_PAYEE = "pay_payee"
TRANSFER = "transfer"

# The kinds of condition a held payment can wait for.
COSIGN = "cosign"  # a helper with the permission approves
COOLING_OFF = "cooling_off"  # a scam's pause: waits for its deadline (issue 10)
AGENT_CHECK = "agent_check"  # a member of staff checks it (issue 10)

# What a deadline means, by kind: for these the condition is met when its time is up (the
# pause is over); for every other kind (a co-sign, an agent's check) nobody answered in time
# and the payment expires.
MET_AT_DEADLINE: frozenset[str] = frozenset({COOLING_OFF})


@dataclass(frozen=True)
class PaymentRequest:
    """A money movement the customer asked for, as the hold rules see it.

    ``op`` is "pay_payee" (``payee_id`` set) or "transfer" between the customer's own accounts
    (``to_kind`` set). ``channel``: where it was asked ("voice", "sms", "web", "chat"; may be
    empty). ``signals``: scam signals heard in the customer's words while asking (the NLU's
    ``scam_signal`` names, e.g. "safe_account"); none from a web form.
    """

    customer_id: int
    op: str
    from_kind: str
    amount: Money
    payee_id: int | None = None
    to_kind: str | None = None
    channel: str = ""
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionSpec:
    """One condition a payment waits for, and when waiting ends."""

    kind: str
    deadline: datetime


class HoldRule(Protocol):
    """Called with the payment's database session (read what you need, write nothing), the
    request and the moment it is made; returns the conditions it must wait for, or []."""

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]: ...


class PaymentObserver(Protocol):
    """Told, inside the payment's transaction, what became of each request the hold rules
    were asked about, and when a held payment ends; may write its own records (the fraud
    checks record each intervention with the held payment it made)."""

    def decided(
        self, session: Session, request: PaymentRequest, now: datetime, hold_id: int | None
    ) -> None:
        """The request was held (``hold_id``) or moved at once (None)."""

    def ended(self, session: Session, hold_id: int, status: str, now: datetime) -> None:
        """The held payment ended: released, declined, expired or cancelled."""


class ReleaseGate(Protocol):
    """Asked before a condition met by its deadline (``MET_AT_DEADLINE``) counts as met: False
    keeps it pending past its deadline (a cooling-off whose customer has not been told yet)."""

    def __call__(self, session: Session, hold_id: int, kind: str, now: datetime) -> bool: ...
