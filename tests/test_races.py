"""Transfers racing on one account can never overdraw it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from assistant.banking import InsufficientFunds, LedgerBankingService
from assistant.money import Money


def _race(n: int, work) -> Counter:
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
            outcome = "ok"
        except InsufficientFunds:
            outcome = "insufficient"
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
            outcome = f"error: {exc!r}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_twenty_racing_transfers_never_overdraw_checking(
    demo_sessions, margaret_id, ledger_invariants
) -> None:
    bank = LedgerBankingService(demo_sessions)
    outcomes = _race(
        20,
        lambda i: bank.transfer_between_accounts(
            margaret_id, "checking", "savings", Money(10000), f"race-{uuid.uuid4()}"
        ),
    )
    assert outcomes == Counter({"ok": 12, "insufficient": 8})
    assert bank.get_account(margaret_id, "checking").balance == Money(5000)
    assert bank.get_account(margaret_id, "savings").balance == Money(960000)
    ledger_invariants(demo_sessions)


def test_racing_payments_never_overdraw(demo_sessions, ravi_id, ledger_invariants) -> None:
    bank = LedgerBankingService(demo_sessions)
    feed = bank.list_payees(ravi_id)[0]
    outcomes = _race(
        10, lambda i: bank.pay_payee(ravi_id, "checking", feed.id, Money(10000), f"pay-{i}")
    )
    assert outcomes == Counter({"ok": 3, "insufficient": 7})
    assert bank.get_account(ravi_id, "checking").balance == Money(1000)
    ledger_invariants(demo_sessions)


def test_transfers_both_ways_at_once_neither_deadlock_nor_lose_money(
    demo_sessions, margaret_id, ledger_invariants
) -> None:
    bank = LedgerBankingService(demo_sessions)

    def work(i: int) -> None:
        source, target = ("checking", "savings") if i % 2 else ("savings", "checking")
        bank.transfer_between_accounts(margaret_id, source, target, Money(100), f"both-{i}")

    outcomes = _race(16, work)
    assert outcomes == Counter({"ok": 16})
    total = sum(a.balance.minor for a in bank.list_accounts(margaret_id))
    assert total == 125000 + 840000
    assert bank.get_account(margaret_id, "checking").balance == Money(125000)
    ledger_invariants(demo_sessions)
