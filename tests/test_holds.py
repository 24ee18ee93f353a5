"""Held payments (DESIGN.md section 8) and the co-sign rule: a payment above Margaret's co-sign
amount ($200, Linda approves) waits with its money reserved, and ends in exactly one outcome."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.bank import banking_service
from assistant.banking import (
    ConditionSpec,
    HoldEnded,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerBankingService,
    PaymentRequest,
    UnknownHold,
)
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.db import utcnow
from assistant.models import Account, AuditEvent, HeldPayment, LedgerTransaction
from assistant.money import Money
from family.links.models import Helper, HelperLink
from family.links.permissions import APPROVE_PAYMENTS

HOUR = timedelta(hours=1)


@pytest.fixture
def bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    """The ledger as every process builds it: with the co-sign rule."""
    return banking_service(demo_sessions)


@pytest.fixture
def payees(bank: LedgerBankingService, margaret_id: int) -> dict[str, int]:
    return {p.name: p.id for p in bank.list_payees(margaret_id)}


@pytest.fixture
def linda(demo_sessions: sessionmaker) -> str:
    """Linda's actor name in the audit ("helper:<id>")."""
    with demo_sessions() as session:
        return f"helper:{session.execute(select(Helper.id)).scalar_one()}"


@pytest.fixture(autouse=True)
def _invariants_hold_after_every_scenario(request: pytest.FixtureRequest, ledger_invariants) -> Any:
    sessions = None
    if "demo_sessions" in request.fixturenames:
        sessions = request.getfixturevalue("demo_sessions")
    yield
    if sessions is not None:
        ledger_invariants(sessions)
        _reservations_match_the_holds(sessions)


def _reservations_match_the_holds(sessions: sessionmaker) -> None:
    with sessions() as session:
        held = dict(
            session.execute(
                select(HeldPayment.account_id, func.sum(HeldPayment.amount_minor))
                .where(HeldPayment.status == "held")
                .group_by(HeldPayment.account_id)
            ).all()
        )
        for account in session.execute(select(Account)).scalars():
            assert account.held_minor == int(held.get(account.id, 0)), account.number


def _ledger_rows(sessions: sessionmaker, key: str | None = None) -> int:
    query = select(func.count(LedgerTransaction.id))
    if key is not None:
        query = query.where(LedgerTransaction.idempotency_key == key)
    with sessions() as session:
        return session.execute(query).scalar_one()


def _audit(sessions: sessionmaker, action: str) -> list[tuple[str, dict]]:
    with sessions() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ).all()
    return [(actor, detail) for actor, detail in rows]


def _checking(bank: LedgerBankingService, customer_id: int) -> tuple[int, int, int]:
    account = bank.get_account(customer_id, "checking")
    return account.balance.minor, account.held.minor, account.available.minor


def _race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released at the same moment; results or exceptions."""
    results: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


# ---- waiting --------------------------------------------------------------------------


def test_a_300_dollar_payment_waits_moves_nothing_and_reduces_the_money_available(
    bank, demo_sessions, margaret_id, payees
) -> None:
    before = utcnow()
    receipt = bank.pay_payee(
        margaret_id, "checking", payees["Tom"], Money(30000), "pay-tom-300", channel="voice"
    )
    assert receipt.held is True and receipt.replayed is False
    assert receipt.hold_conditions == (COSIGN,)
    assert before + 24 * HOUR <= receipt.hold_deadline <= utcnow() + 24 * HOUR
    assert (receipt.amount, receipt.to_description) == (Money(30000), "Tom")
    assert receipt.from_account.held == Money(30000)
    assert _checking(bank, margaret_id) == (125000, 30000, 95000)
    assert _ledger_rows(demo_sessions, "pay-tom-300") == 0

    [hold] = bank.list_holds(margaret_id)
    assert (hold.reference, hold.status, hold.pending) == (receipt.reference, "held", (COSIGN,))
    assert (hold.amount, hold.counterparty, hold.from_account_kind) == (
        Money(30000),
        "Tom",
        "checking",
    )
    assert (hold.channel, hold.deadline, hold.outcome_by) == ("voice", receipt.hold_deadline, None)
    assert bank.get_hold(hold.id) == hold
    assert bank.find_payment(margaret_id, "pay-tom-300").held is True
    [(actor, detail)] = _audit(demo_sessions, "payment_held")
    assert actor == f"customer:{margaret_id}"
    assert (detail["reference"], detail["conditions"]) == (receipt.reference, [COSIGN])


def test_exactly_200_dollars_and_own_account_transfers_move_at_once(
    bank, demo_sessions, margaret_id, payees
) -> None:
    paid = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(20000), "pay-200")
    moved = bank.transfer_between_accounts(
        margaret_id, "savings", "checking", Money(500000), "to-checking"
    )
    assert (paid.held, moved.held) == (False, False)
    assert _ledger_rows(demo_sessions, "pay-200") == _ledger_rows(demo_sessions, "to-checking") == 1
    assert bank.list_holds(margaret_id) == []
    assert _checking(bank, margaret_id) == (605000, 0, 605000)


@pytest.mark.parametrize(
    "change",
    [
        {"status": "removed"},
        {"permissions": {"view_balance": True, "receive_alerts": True, APPROVE_PAYMENTS: False}},
    ],
    ids=["link removed", "no approve permission"],
)
def test_without_a_helper_who_may_approve_nothing_is_held(
    bank, demo_sessions, margaret_id, payees, change
) -> None:
    with demo_sessions.begin() as session:
        session.execute(update(HelperLink).values(**change))
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "pay-300")
    assert receipt.held is False
    assert _checking(bank, margaret_id) == (95000, 0, 95000)


def test_a_customer_without_a_cosign_amount_is_never_held(bank, ravi_id) -> None:
    feed = bank.list_payees(ravi_id)[0]
    assert bank.pay_payee(ravi_id, "checking", feed.id, Money(30000), "feed").held is False


def test_held_money_cannot_be_spent_twice(bank, margaret_id, payees) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(100000), "big")
    assert _checking(bank, margaret_id) == (125000, 100000, 25000)
    with pytest.raises(InsufficientFunds):
        bank.pay_payee(margaret_id, "checking", payees["Linda"], Money(25001), "second-hold")
    with pytest.raises(InsufficientFunds):
        bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(25001), "t1")
    bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(25000), "t2")
    assert _checking(bank, margaret_id) == (100000, 100000, 0)
    with pytest.raises(InsufficientFunds):
        bank.pay_payee(margaret_id, "checking", payees["City Power"], Money(1), "bill")


def test_the_database_refuses_a_reservation_beyond_the_limit(demo_sessions, margaret_id) -> None:
    with pytest.raises(IntegrityError), demo_sessions.begin() as session:
        session.execute(
            update(Account)
            .where(Account.customer_id == margaret_id, Account.kind == "checking")
            .values(held_minor=Account.balance_minor + Account.overdraft_limit_minor + 1)
        )
    with pytest.raises(IntegrityError), demo_sessions.begin() as session:
        session.execute(update(Account).values(held_minor=-1))


# ---- retries --------------------------------------------------------------------------


def test_a_retry_while_held_returns_the_same_hold_and_reserves_once(
    bank, demo_sessions, margaret_id, payees
) -> None:
    first = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    again = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    assert again.held and again.replayed
    assert (again.reference, again.hold_deadline) == (first.reference, first.hold_deadline)
    assert len(bank.list_holds(margaret_id)) == 1
    assert _checking(bank, margaret_id) == (125000, 30000, 95000)
    with pytest.raises(IdempotencyConflict):
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30001), "k")
    with pytest.raises(IdempotencyConflict):
        bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(30000), "k")


def test_two_identical_requests_at_the_same_moment_make_one_hold(bank, margaret_id, payees) -> None:
    results = _race(
        6,
        lambda i: bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "twice"),
    )
    assert all(r.held for r in results), results
    assert len({r.reference for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    assert len(bank.list_holds(margaret_id)) == 1
    assert _checking(bank, margaret_id) == (125000, 30000, 95000)


# ---- outcomes -------------------------------------------------------------------------


def test_approval_releases_the_payment_once_with_the_original_key(
    bank, demo_sessions, margaret_id, payees, linda
) -> None:
    held = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "pay-tom")
    hold = bank.list_holds(margaret_id)[0]
    outcome = bank.decide_hold_condition(hold.id, COSIGN, True, linda, note="Fine, Mum")
    assert outcome.result == "released" and outcome.decided_now
    assert (outcome.hold.status, outcome.hold.outcome_by) == ("released", linda)
    assert outcome.hold.transaction_reference == held.reference
    assert outcome.hold.conditions[0].note == "Fine, Mum"
    assert _checking(bank, margaret_id) == (95000, 0, 95000)
    with demo_sessions() as session:
        [txn] = session.execute(
            select(LedgerTransaction).where(LedgerTransaction.idempotency_key == "pay-tom")
        ).scalars()
    assert (txn.reference, txn.kind, txn.counterparty) == (held.reference, "payment", "Tom")

    again = bank.decide_hold_condition(hold.id, COSIGN, True, "helper:99")
    assert (again.result, again.hold.status, again.hold.outcome_by) == (
        "already",
        "released",
        linda,
    )
    retry = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "pay-tom")
    assert (retry.held, retry.replayed, retry.reference) == (False, True, held.reference)
    assert bank.find_payment(margaret_id, "pay-tom").held is False
    assert _ledger_rows(demo_sessions, "pay-tom") == 1
    assert [t.counterparty for t in bank.recent_transactions(margaret_id, limit=1)] == ["Tom"]
    assert [actor for actor, _ in _audit(demo_sessions, "hold_released")] == [linda]


def test_a_decline_unreserves_the_money_and_records_who(
    bank, demo_sessions, margaret_id, payees, linda
) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    hold = bank.list_holds(margaret_id)[0]
    outcome = bank.decide_hold_condition(hold.id, COSIGN, False, linda, note="Call me first")
    assert (outcome.result, outcome.hold.outcome_by, outcome.hold.note) == (
        "declined",
        linda,
        "Call me first",
    )
    assert _checking(bank, margaret_id) == (125000, 0, 125000)
    assert _ledger_rows(demo_sessions, "k") == 0
    assert [a for a, _ in _audit(demo_sessions, "hold_declined")] == [linda]
    with pytest.raises(HoldEnded) as ended:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    assert ended.value.status == "declined"
    assert bank.find_payment(margaret_id, "k") is None
    assert bank.decide_hold_condition(hold.id, COSIGN, True, linda).result == "already"


def test_no_answer_in_time_expires_the_payment(bank, demo_sessions, margaret_id, payees) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    assert bank.expire_due_holds(utcnow() + 23 * HOUR) == 0
    assert bank.expire_due_holds(utcnow() + 25 * HOUR) == 1
    assert bank.expire_due_holds(utcnow() + 26 * HOUR) == 0
    [hold] = bank.list_holds(margaret_id, statuses=("expired",))
    assert (hold.outcome_by, hold.conditions[0].status) == ("system", "expired")
    assert _checking(bank, margaret_id) == (125000, 0, 125000)
    assert [a for a, _ in _audit(demo_sessions, "hold_expired")] == ["system"]


def test_an_approval_after_the_deadline_finds_the_payment_expired(
    bank, margaret_id, payees, linda
) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    hold = bank.list_holds(margaret_id)[0]
    late = bank.decide_hold_condition(hold.id, COSIGN, True, linda, now=utcnow() + 25 * HOUR)
    assert (late.result, late.hold.outcome_by) == ("expired", "system")
    assert _checking(bank, margaret_id) == (125000, 0, 125000)


def test_the_customer_can_cancel_by_reference_and_has_been_told(
    bank, demo_sessions, margaret_id, ravi_id, payees, linda
) -> None:
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    with pytest.raises(UnknownHold):
        bank.cancel_hold(ravi_id, receipt.reference, f"customer:{ravi_id}")
    me = f"customer:{margaret_id}"
    outcome = bank.cancel_hold(margaret_id, receipt.reference.lower(), me)
    assert (outcome.result, outcome.hold.outcome_by) == ("cancelled", me)
    assert _checking(bank, margaret_id) == (125000, 0, 125000)
    assert [a for a, _ in _audit(demo_sessions, "hold_cancelled")] == [me]
    assert bank.cancel_hold(margaret_id, outcome.hold.id, me).result == "already"
    late = bank.decide_hold_condition(outcome.hold.id, COSIGN, True, linda)
    assert (late.result, late.hold.status, late.hold.outcome_by) == ("already", "cancelled", me)
    assert bank.untold_hold_outcomes(10) == []


def test_outcomes_wait_to_be_told_until_marked(bank, margaret_id, payees, linda) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "a")
    # Tom again, not Linda: a first payment to Linda over $200 would cool off as well.
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(40000), "b")
    first, second = reversed(bank.list_holds(margaret_id))
    assert bank.untold_hold_outcomes(10) == []
    bank.decide_hold_condition(first.id, COSIGN, False, linda)
    bank.decide_hold_condition(second.id, COSIGN, True, linda)
    untold = bank.untold_hold_outcomes(10)
    assert [(h.reference, h.status) for h in untold] == [
        (first.reference, "declined"),
        (second.reference, "released"),
    ]
    assert bank.untold_hold_outcomes(10, customer_id=margaret_id + 1000) == []
    bank.mark_hold_outcome_told(first.id)
    assert [h.id for h in bank.untold_hold_outcomes(10)] == [second.id]


def test_unknown_holds_and_conditions_are_refused(bank, margaret_id, payees, linda) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k")
    hold = bank.list_holds(margaret_id)[0]
    with pytest.raises(UnknownHold):
        bank.decide_hold_condition(hold.id + 1000, COSIGN, True, linda)
    with pytest.raises(UnknownHold):
        bank.decide_hold_condition(hold.id, COOLING_OFF, True, linda)
    assert bank.get_hold(hold.id + 1000) is None
    assert bank.list_holds(margaret_id)[0].status == "held"


# ---- exactly one outcome at the same moment --------------------------------------------


def test_two_approvals_at_the_same_moment_move_the_money_once(
    bank, demo_sessions, margaret_id, payees, linda
) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "race")
    hold = bank.list_holds(margaret_id)[0]
    outcomes = _race(4, lambda i: bank.decide_hold_condition(hold.id, COSIGN, True, f"{linda}-{i}"))
    assert Counter(o.result for o in outcomes) == Counter({"released": 1, "already": 3})
    winner = next(o.hold.outcome_by for o in outcomes if o.result == "released")
    assert all(o.hold.outcome_by == winner for o in outcomes)
    assert _ledger_rows(demo_sessions, "race") == 1
    assert _checking(bank, margaret_id) == (95000, 0, 95000)


def test_approve_and_cancel_at_the_same_moment_give_one_outcome(
    bank, demo_sessions, margaret_id, payees, linda
) -> None:
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "race")
    hold = bank.list_holds(margaret_id)[0]
    me = f"customer:{margaret_id}"
    outcomes = _race(
        2,
        lambda i: (
            bank.decide_hold_condition(hold.id, COSIGN, True, linda)
            if i == 0
            else bank.cancel_hold(margaret_id, hold.id, me)
        ),
    )
    results = sorted(o.result for o in outcomes)
    assert results in (["already", "released"], ["already", "cancelled"]), outcomes
    final = bank.get_hold(hold.id)
    moved = _ledger_rows(demo_sessions, "race")
    if final.status == "released":
        assert (moved, final.outcome_by, _checking(bank, margaret_id)) == (
            1,
            linda,
            (95000, 0, 95000),
        )
    else:
        assert (moved, final.outcome_by, _checking(bank, margaret_id)) == (
            0,
            me,
            (125000, 0, 125000),
        )


def test_two_workers_expiring_at_once_end_each_hold_once(bank, margaret_id, payees) -> None:
    for key in ("a", "b", "c"):
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), key)
    later = utcnow() + 25 * HOUR
    assert sum(_race(3, lambda i: bank.expire_due_holds(later))) == 3
    assert len(bank.list_holds(margaret_id, statuses=("expired",))) == 3


# ---- the mechanism is general ---------------------------------------------------------


class _CoolingOff:
    """A stand-in for the fraud issue's rule: every payment pauses for an hour."""

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]:
        return [ConditionSpec(COOLING_OFF, now + HOUR)]


@pytest.fixture
def paused_bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    from family.links.cosign import CosignRule

    return LedgerBankingService(demo_sessions, hold_rules=(CosignRule(hours=24), _CoolingOff()))


def test_a_cooling_off_that_ends_releases_the_payment(
    paused_bank, demo_sessions, margaret_id
) -> None:
    receipt = paused_bank.transfer_between_accounts(
        margaret_id, "checking", "savings", Money(30000), "pause"
    )
    assert receipt.held and receipt.hold_conditions == (COOLING_OFF,)
    assert paused_bank.expire_due_holds(utcnow() + 2 * HOUR) == 1
    [hold] = paused_bank.list_holds(margaret_id, statuses=("released",))
    assert (hold.outcome_by, hold.conditions[0].status) == ("system", "met")
    assert _ledger_rows(demo_sessions, "pause") == 1
    assert paused_bank.get_account(margaret_id, "savings").balance == Money(870000)


def test_a_payment_is_released_only_when_every_condition_is_met(
    paused_bank, demo_sessions, margaret_id, payees, linda
) -> None:
    receipt = paused_bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "both")
    assert set(receipt.hold_conditions) == {COOLING_OFF, COSIGN}
    assert receipt.hold_deadline < utcnow() + 2 * HOUR  # the earliest: the cooling-off's
    hold = paused_bank.list_holds(margaret_id)[0]
    early = paused_bank.decide_hold_condition(hold.id, COSIGN, True, linda)
    assert (early.result, early.hold.pending) == ("waiting", (COOLING_OFF,))
    assert _ledger_rows(demo_sessions, "both") == 0
    assert paused_bank.expire_due_holds(utcnow() + 2 * HOUR) == 1
    assert paused_bank.get_hold(hold.id).status == "released"
    assert _ledger_rows(demo_sessions, "both") == 1
