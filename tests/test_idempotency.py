"""The same idempotency key never moves money twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from assistant.banking import IdempotencyConflict, InsufficientFunds, LedgerBankingService
from assistant.models import LedgerTransaction
from assistant.money import Money


def _ledger_rows(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count(LedgerTransaction.id))).scalar_one()


def test_a_second_request_with_the_same_key_moves_no_money(
    demo_bank, demo_sessions, margaret_id, ledger_invariants
) -> None:
    first = demo_bank.transfer_between_accounts(
        margaret_id, "checking", "savings", Money(25000), "twilio-CA123-turn-4"
    )
    rows = _ledger_rows(demo_sessions)
    again = demo_bank.transfer_between_accounts(
        margaret_id, "checking", "savings", Money(25000), "twilio-CA123-turn-4"
    )
    assert again.replayed is True and first.replayed is False
    assert (again.reference, again.amount, again.to_description, again.created_at) == (
        first.reference,
        first.amount,
        first.to_description,
        first.created_at,
    )
    assert again.from_account.balance == Money(100000)
    assert demo_bank.get_account(margaret_id, "checking").balance == Money(100000)
    assert _ledger_rows(demo_sessions) == rows
    ledger_invariants(demo_sessions)


def test_a_repeated_payment_is_replayed_not_paid_twice(
    demo_bank, margaret_id, ledger_invariants, demo_sessions
) -> None:
    city_power = demo_bank.resolve_payee(margaret_id, "electric")[0]
    first = demo_bank.pay_payee(margaret_id, "checking", city_power.id, Money(8000), "pay-1")
    second = demo_bank.pay_payee(margaret_id, "checking", city_power.id, Money(8000), "pay-1")
    assert second.replayed and second.reference == first.reference
    assert demo_bank.get_account(margaret_id, "checking").balance == Money(117000)
    ledger_invariants(demo_sessions)


def test_the_same_key_for_a_different_request_is_a_conflict(demo_bank, margaret_id) -> None:
    demo_bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(100), "k")
    with pytest.raises(IdempotencyConflict):
        demo_bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(200), "k")
    with pytest.raises(IdempotencyConflict):
        demo_bank.transfer_between_accounts(margaret_id, "savings", "checking", Money(100), "k")
    tom = demo_bank.resolve_payee(margaret_id, "tom")[0]
    with pytest.raises(IdempotencyConflict):
        demo_bank.pay_payee(margaret_id, "checking", tom.id, Money(100), "k")
    assert demo_bank.get_account(margaret_id, "checking").balance == Money(124900)


def test_keys_belong_to_one_customer(demo_bank, margaret_id, ravi_id) -> None:
    demo_bank.transfer_between_accounts(margaret_id, "checking", "savings", Money(100), "k")
    feed = demo_bank.list_payees(ravi_id)[0]
    receipt = demo_bank.pay_payee(ravi_id, "checking", feed.id, Money(100), "k")
    assert receipt.replayed is False


def test_a_declined_request_does_not_use_up_its_key(demo_bank, ravi_id) -> None:
    feed = demo_bank.list_payees(ravi_id)[0]
    with pytest.raises(InsufficientFunds):
        demo_bank.pay_payee(ravi_id, "checking", feed.id, Money(50000), "k-big")
    receipt = demo_bank.pay_payee(ravi_id, "checking", feed.id, Money(50000 - 19000), "k-big2")
    assert receipt.from_account.balance == Money(0)


def test_concurrent_requests_with_one_key_move_money_once(
    demo_sessions, margaret_id, ledger_invariants
) -> None:
    """Twilio retries while the first attempt is still running: one moves money, rest replay."""
    bank = LedgerBankingService(demo_sessions)
    results, errors = [], []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        try:
            results.append(
                bank.transfer_between_accounts(
                    margaret_id, "checking", "savings", Money(10000), "same-key"
                )
            )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert len({r.reference for r in results}) == 1
    assert bank.get_account(margaret_id, "checking").balance == Money(115000)
    ledger_invariants(demo_sessions)
