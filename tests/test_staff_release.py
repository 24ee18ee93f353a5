"""A staff member's release of a held payment (issue 10 item 3), in the banking service, on
SQLite and PostgreSQL: every open condition is met by "staff:<username>" (audited) and the money
moves once with the payment's own idempotency key, under the hold's row lock; a second release,
a release racing another or the customer's cancel, and a release of a payment that has ended
each get one clear answer and change nothing."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.bank import banking_service
from assistant.banking import ConditionSpec, LedgerBankingService, PaymentRequest, UnknownHold
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.db import utcnow
from assistant.models import AuditEvent, LedgerTransaction
from assistant.money import Money

STAFF = "staff:fraudops"
HOUR = timedelta(hours=1)


@pytest.fixture
def bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    return banking_service(demo_sessions)


@pytest.fixture
def held(bank: LedgerBankingService, margaret_id: int) -> int:
    """Margaret's $300 to Tom, above her co-sign amount: it waits for Linda (its id)."""
    (tom,) = bank.resolve_payee(margaret_id, "Tom")
    assert bank.pay_payee(margaret_id, "checking", tom.id, Money(30000), "staff-release").held
    return bank.list_holds(margaret_id)[0].id


@pytest.fixture(autouse=True)
def _ledger_balances_after_every_scenario(demo_sessions, ledger_invariants) -> Any:
    yield
    ledger_invariants(demo_sessions)


def _moved(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.execute(
            select(func.count(LedgerTransaction.id)).where(
                LedgerTransaction.idempotency_key == "staff-release"
            )
        ).scalar_one()


def _audit(sessions: sessionmaker) -> list[tuple[str, str, dict]]:
    with sessions() as session:
        rows = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail))
        return [tuple(row) for row in rows if row.action.startswith("hold_")]


def _checking(bank: LedgerBankingService, customer_id: int) -> tuple[int, int]:
    account = bank.get_account(customer_id, "checking")
    return account.balance.minor, account.held.minor


def _race(n: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_a_release_moves_the_money_once_with_the_payments_own_key_and_is_audited(
    bank, demo_sessions, margaret_id, held
) -> None:
    assert _checking(bank, margaret_id) == (125000, 30000)
    outcome = bank.release_hold(held, STAFF, "Checked with Margaret by phone")
    assert outcome.result == "released" and outcome.decided_now
    assert (outcome.hold.status, outcome.hold.outcome_by) == ("released", STAFF)
    (cosign,) = outcome.hold.conditions
    assert (cosign.kind, cosign.status, cosign.decided_by) == (COSIGN, "met", STAFF)
    assert cosign.note == "Checked with Margaret by phone"
    assert _moved(demo_sessions) == 1
    assert _checking(bank, margaret_id) == (95000, 0)
    audit = _audit(demo_sessions)
    met = [a for a in audit if a[1] == "hold_condition_met"]
    assert [(actor, detail["kind"], detail["released_by_staff"]) for actor, _, detail in met] == [
        (STAFF, COSIGN, True)
    ]
    assert [a[0] for a in audit if a[1] == "hold_released"] == [STAFF]


def test_a_second_release_answers_already_and_changes_nothing(
    bank, demo_sessions, margaret_id, held
) -> None:
    bank.release_hold(held, STAFF)
    audit = _audit(demo_sessions)
    again = bank.release_hold(held, "staff:someone-else", "again")
    assert (again.result, again.decided_now) == ("already", False)
    assert (again.hold.status, again.hold.outcome_by) == ("released", STAFF)
    assert _moved(demo_sessions) == 1
    assert _checking(bank, margaret_id) == (95000, 0)
    assert _audit(demo_sessions) == audit


def test_a_release_of_a_payment_the_customer_cancelled_changes_nothing(
    bank, demo_sessions, margaret_id, held
) -> None:
    bank.cancel_hold(margaret_id, held, f"customer:{margaret_id}")
    outcome = bank.release_hold(held, STAFF)
    assert (outcome.result, outcome.hold.status) == ("already", "cancelled")
    assert _moved(demo_sessions) == 0
    assert _checking(bank, margaret_id) == (125000, 0)


def test_a_co_sign_nobody_answered_in_time_has_expired_the_payment(
    bank, demo_sessions, margaret_id, held
) -> None:
    outcome = bank.release_hold(held, STAFF, now=utcnow() + 25 * HOUR)
    assert (outcome.result, outcome.hold.status, outcome.hold.outcome_by) == (
        "expired",
        "expired",
        "system",
    )
    assert _moved(demo_sessions) == 0
    assert _checking(bank, margaret_id) == (125000, 0)
    assert bank.release_hold(held, STAFF).result == "already"


class _CoolingOff:
    """Every payment pauses for an hour (a stand-in for the scam checks' rule)."""

    def __call__(
        self, session: Session, request: PaymentRequest, now: datetime
    ) -> list[ConditionSpec]:
        return [ConditionSpec(COOLING_OFF, now + HOUR)]


def test_every_open_condition_is_met_by_the_staff_member(demo_sessions, margaret_id) -> None:
    from family.links.cosign import CosignRule

    bank = LedgerBankingService(demo_sessions, hold_rules=(CosignRule(hours=24), _CoolingOff()))
    (tom,) = bank.resolve_payee(margaret_id, "Tom")
    receipt = bank.pay_payee(margaret_id, "checking", tom.id, Money(30000), "staff-release")
    assert set(receipt.hold_conditions) == {COSIGN, COOLING_OFF}
    outcome = bank.release_hold(bank.list_holds(margaret_id)[0].id, STAFF)
    assert outcome.result == "released"
    assert {(c.kind, c.status, c.decided_by) for c in outcome.hold.conditions} == {
        (COSIGN, "met", STAFF),
        (COOLING_OFF, "met", STAFF),
    }
    assert _moved(demo_sessions) == 1


def test_four_releases_at_the_same_moment_move_the_money_once(
    bank, demo_sessions, margaret_id, held
) -> None:
    outcomes = _race(4, lambda i: bank.release_hold(held, f"staff:user{i}"))
    assert Counter(o.result for o in outcomes) == Counter({"released": 1, "already": 3})
    assert _moved(demo_sessions) == 1
    assert _checking(bank, margaret_id) == (95000, 0)


def test_a_release_and_the_customers_cancel_at_once_give_one_outcome(
    bank, demo_sessions, margaret_id, held
) -> None:
    me = f"customer:{margaret_id}"
    outcomes = _race(
        2,
        lambda i: (
            bank.release_hold(held, STAFF) if i == 0 else bank.cancel_hold(margaret_id, held, me)
        ),
    )
    assert sorted(o.result for o in outcomes) in (
        ["already", "released"],
        ["already", "cancelled"],
    ), outcomes
    final = bank.get_hold(held)
    expected = (1, (95000, 0)) if final.status == "released" else (0, (125000, 0))
    assert (_moved(demo_sessions), _checking(bank, margaret_id)) == expected


def test_only_a_member_of_staff_releases_and_an_unknown_hold_is_refused(
    bank, demo_sessions, margaret_id, held
) -> None:
    for actor in (f"customer:{margaret_id}", "helper:1", "system", ""):
        with pytest.raises(ValueError):
            bank.release_hold(held, actor)
    with pytest.raises(UnknownHold):
        bank.release_hold(held + 1000, STAFF)
    assert bank.get_hold(held).status == "held"
    assert _moved(demo_sessions) == 0


def test_staff_see_every_customers_waiting_payments_oldest_first(bank, margaret_id, held) -> None:
    (tom,) = bank.resolve_payee(margaret_id, "Tom")
    bank.pay_payee(margaret_id, "checking", tom.id, Money(25000), "second")
    waiting = bank.waiting_holds()
    assert [h.id for h in waiting] == sorted(h.id for h in waiting) and len(waiting) == 2
    assert waiting[0].id == held
    bank.release_hold(held, STAFF)
    assert [h.amount for h in bank.waiting_holds()] == [Money(25000)]
