"""The safety limits at work in the payment service (issue 10 item 5): a channel's daily limit
refuses a payment that would pass it and moves nothing (held payments count); "no payments by
text"; the pause on new payees; and "always ask my helper above $X" kept for a day, with a
cooling-off instead of a co-sign, when the last helper who may approve is removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from assistant.bank import banking_service
from assistant.banking import DailyLimitReached, LedgerBankingService
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.banking.limits import (
    COSIGN_ABOVE,
    DAILY_SMS,
    DAILY_VOICE,
    DAILY_WEB,
    NEW_PAYEE_COOLING_OFF,
)
from assistant.banking.safety import SafetyLimits
from assistant.db import utcnow
from assistant.models import AuditEvent, LedgerTransaction, SafetyLimitChange
from assistant.money import Money
from family.links.cosign import CosignRule
from family.links.permissions import APPROVE_PAYMENTS
from tests.family_support import Family, make_family

DAY = timedelta(hours=24)


@pytest.fixture
def bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    """The ledger with the co-sign rule (the scam rule has its own tests: the several payments
    in a row these tests make would trip its rapid-payments signal)."""
    return LedgerBankingService(demo_sessions, hold_rules=(CosignRule(hours=24),))


@pytest.fixture
def every_rule(demo_sessions: sessionmaker) -> LedgerBankingService:
    """The ledger as every process builds it: with every hold rule."""
    return banking_service(demo_sessions)


@pytest.fixture
def safety(demo_sessions: sessionmaker) -> SafetyLimits:
    return SafetyLimits(demo_sessions)


@pytest.fixture
def payees(bank: LedgerBankingService, margaret_id: int) -> dict[str, int]:
    return {p.name: p.id for p in bank.list_payees(margaret_id)}


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


@pytest.fixture(autouse=True)
def _ledger_balances_after_every_scenario(demo_sessions: sessionmaker, ledger_invariants):
    yield
    ledger_invariants(demo_sessions)


def _checking(bank: LedgerBankingService, customer_id: int) -> tuple[int, int]:
    account = bank.get_account(customer_id, "checking")
    return account.balance.minor, account.held.minor


def _moved(sessions: sessionmaker, key: str) -> int:
    with sessions() as session:
        return session.execute(
            select(func.count(LedgerTransaction.id)).where(LedgerTransaction.idempotency_key == key)
        ).scalar_one()


def _limit(safety: SafetyLimits, customer_id: int, name: str, value) -> None:
    assert safety.change(customer_id, name, value, f"customer:{customer_id}").at_once


def _no_cosign(sessions: sessionmaker, customer_id: int) -> None:
    """Margaret without her co-sign amount, so only the daily limits are at work."""
    from assistant.models import Customer

    with sessions.begin() as session:
        session.execute(
            update(Customer).where(Customer.id == customer_id).values(cosign_above_minor=None)
        )


# ---- daily limits per channel -------------------------------------------------------------


def test_a_phone_limit_refuses_the_payment_that_would_pass_it_and_moves_nothing(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, DAILY_VOICE, 50000)
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "v1", channel="voice")
    with pytest.raises(DailyLimitReached) as refused:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(25000), "v2", channel="voice")
    error = refused.value
    assert (error.limit_name, error.limit, error.left) == (DAILY_VOICE, Money(50000), Money(20000))
    assert error.code == "daily_limit"
    assert _moved(demo_sessions, "v2") == 0
    assert _checking(bank, margaret_id) == (95000, 0)
    # Exactly up to the limit is allowed, and other channels have their own limits.
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(20000), "v3", channel="voice")
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(25000), "w1", channel="web")
    assert _checking(bank, margaret_id) == (50000, 0)


def test_no_payments_by_text_refuses_every_payment_by_text(
    bank, safety, demo_sessions, ravi_id
) -> None:
    feed = bank.list_payees(ravi_id)[0].id
    _limit(safety, ravi_id, DAILY_SMS, 0)
    with pytest.raises(DailyLimitReached) as refused:
        bank.pay_payee(ravi_id, "checking", feed, Money(1), "s1", channel="sms")
    assert (refused.value.limit, refused.value.left) == (Money(0), Money(0))
    assert _moved(demo_sessions, "s1") == 0
    assert bank.pay_payee(ravi_id, "checking", feed, Money(1000), "v1", channel="voice")


def test_held_payments_count_and_one_that_ended_without_moving_does_not(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _limit(safety, margaret_id, DAILY_VOICE, 50000)
    held = bank.pay_payee(
        margaret_id, "checking", payees["Tom"], Money(30000), "h1", channel="voice"
    )
    assert held.held and held.hold_conditions == (COSIGN,)
    with pytest.raises(DailyLimitReached):
        bank.pay_payee(
            margaret_id, "checking", payees["Linda"], Money(20001), "h2", channel="voice"
        )
    bank.cancel_hold(margaret_id, held.reference, f"customer:{margaret_id}")
    paid = bank.pay_payee(
        margaret_id, "checking", payees["Linda"], Money(20000), "h3", channel="voice"
    )
    assert not paid.held


def test_a_released_hold_counts_once(
    bank, safety, family, demo_sessions, margaret_id, payees
) -> None:
    _limit(safety, margaret_id, DAILY_WEB, 40000)
    held = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "r1", channel="web")
    [hold] = bank.list_holds(margaret_id)
    linda = family.links.list_helpers(margaret_id)[0]
    assert family.links.answer_approval(linda.helper_id, hold.id, True) is not None
    assert _moved(demo_sessions, "r1") == 1 and held.held
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(10000), "r2", channel="web")
    with pytest.raises(DailyLimitReached) as refused:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(1), "r3", channel="web")
    assert refused.value.left == Money(0)


def test_transfers_between_own_accounts_are_not_payments_out(
    bank, safety, demo_sessions, margaret_id
) -> None:
    _limit(safety, margaret_id, DAILY_VOICE, 0)
    moved = bank.transfer_between_accounts(
        margaret_id, "savings", "checking", Money(500000), "t1", channel="voice"
    )
    assert not moved.held and _moved(demo_sessions, "t1") == 1


def test_chat_counts_as_the_web_and_an_unknown_channel_meets_every_limit(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, DAILY_WEB, 10000)
    _limit(safety, margaret_id, DAILY_SMS, 30000)
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(8000), "c1", channel="chat")
    with pytest.raises(DailyLimitReached) as by_chat:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(2001), "c2", channel="chat")
    assert by_chat.value.limit_name == DAILY_WEB
    with pytest.raises(DailyLimitReached) as unknown:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(2001), "c3")
    assert unknown.value.limit_name == DAILY_WEB  # the strictest that it passes
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(2000), "c4")
    # The unknown one could have been any channel: it counts towards the text limit too.
    with pytest.raises(DailyLimitReached) as by_text:
        bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(28001), "c5", channel="sms")
    assert by_text.value.left == Money(28000)


def test_only_the_bank_days_payments_count(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, DAILY_VOICE, 50000)
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(50000), "d1", channel="voice")
    with demo_sessions.begin() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.action == "payment")
            .values(at=utcnow() - timedelta(days=1, hours=1))
        )
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(50000), "d2", channel="voice")
    assert _moved(demo_sessions, "d2") == 1


def test_a_retry_of_a_payment_made_before_the_limit_replays(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    first = bank.pay_payee(
        margaret_id, "checking", payees["Tom"], Money(30000), "again", channel="sms"
    )
    _limit(safety, margaret_id, DAILY_SMS, 0)
    again = bank.pay_payee(
        margaret_id, "checking", payees["Tom"], Money(30000), "again", channel="sms"
    )
    assert (again.replayed, again.reference) == (True, first.reference)


def test_a_loosened_limit_counts_when_its_delay_is_over(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, DAILY_VOICE, 0)
    asked = safety.change(margaret_id, DAILY_VOICE, None, "customer", now=utcnow() - DAY)
    assert not asked.at_once
    # Due but not swept: the payment goes.
    bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(1000), "l1", channel="voice")
    assert _moved(demo_sessions, "l1") == 1


# ---- a pause for new payees ---------------------------------------------------------------


def test_the_pause_holds_the_first_payment_to_a_new_payee(
    every_rule, safety, demo_sessions, margaret_id, payees
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, NEW_PAYEE_COOLING_OFF, True)
    rosa = every_rule.add_payee(margaret_id, "Rosa Diaz", "12345678")
    before = utcnow()
    receipt = every_rule.pay_payee(
        margaret_id, "checking", rosa.id, Money(5000), "n1", channel="web"
    )
    assert receipt.held and receipt.hold_conditions == (COOLING_OFF,)
    assert before + DAY <= receipt.hold_deadline <= utcnow() + DAY
    # A payee paid before is paid at once.
    assert not every_rule.pay_payee(margaret_id, "checking", payees["Tom"], Money(100), "n2").held
    assert _moved(demo_sessions, "n1") == 0


def test_the_pause_switched_off_counts_when_its_delay_is_over(
    every_rule, safety, demo_sessions, margaret_id
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    _limit(safety, margaret_id, NEW_PAYEE_COOLING_OFF, True)
    assert not safety.change(
        margaret_id, NEW_PAYEE_COOLING_OFF, False, "customer", now=utcnow() - DAY
    ).at_once
    rosa = every_rule.add_payee(margaret_id, "Rosa Diaz", "12345678")
    # Due but not swept: a small first payment to Rosa goes.
    assert not every_rule.pay_payee(margaret_id, "checking", rosa.id, Money(5000), "o1").held


def test_without_the_pause_a_small_first_payment_is_paid_at_once(
    every_rule, margaret_id, demo_sessions
) -> None:
    _no_cosign(demo_sessions, margaret_id)
    rosa = every_rule.add_payee(margaret_id, "Rosa Diaz", "12345678")
    assert not every_rule.pay_payee(margaret_id, "checking", rosa.id, Money(5000), "p1").held


# ---- "always ask my helper above $X" ------------------------------------------------------


def _waiting_cosign(sessions: sessionmaker, customer_id: int) -> list[tuple[int | None, str]]:
    with sessions() as session:
        rows = session.execute(
            select(SafetyLimitChange).where(
                SafetyLimitChange.customer_id == customer_id,
                SafetyLimitChange.name == COSIGN_ABOVE,
            )
        ).scalars()
        return [(row.value_minor, row.state) for row in rows]


@pytest.mark.parametrize("how", ["removed", "permission withdrawn", "left"])
def test_losing_the_last_approver_keeps_the_cosign_amount_for_a_day_with_a_cooling_off(
    bank, family, demo_sessions, margaret_id, payees, how
) -> None:
    linda = family.links.list_helpers(margaret_id)[0]
    if how == "removed":
        assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    elif how == "permission withdrawn":
        assert family.links.set_permission(
            margaret_id, linda.link_id, APPROVE_PAYMENTS, False, "voice"
        )
    else:
        assert family.links.leave(linda.helper_id, margaret_id)
    # Linda's approval is over at once...
    assert family.links.pending_approvals(linda.helper_id) == []
    # ...but the co-sign amount stays for the delay, and ends after it.
    assert _waiting_cosign(demo_sessions, margaret_id) == [(None, "pending")]
    before = utcnow()
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k1")
    assert receipt.held and receipt.hold_conditions == (COOLING_OFF,)
    assert before + DAY <= receipt.hold_deadline <= utcnow() + DAY
    assert not bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(20000), "k2").held
    [event] = [
        e for e in family.audits("limit_loosening_requested") if e.detail["name"] == COSIGN_ABOVE
    ]
    assert (event.actor, event.detail["value"], event.detail["reason"]) == (
        "system",
        None,
        "no_approver",
    )
    # A day on: the requirement has ended; the cooling-off is over too.
    assert SafetyLimits(demo_sessions).apply_due(utcnow() + DAY) == 1
    assert not bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "k3").held
    assert bank.expire_due_holds(utcnow() + DAY + timedelta(minutes=1)) == 1
    assert _moved(demo_sessions, "k1") == 1


def test_removing_a_helper_who_could_not_approve_changes_no_limit(
    family, demo_sessions, margaret_id
) -> None:
    amy = family.helper_of(margaret_id, "Amy")  # only alerts
    assert family.links.remove_helper(margaret_id, amy.accepted.link_id, "sms")
    assert _waiting_cosign(demo_sessions, margaret_id) == []


def test_a_new_approver_during_the_delay_keeps_the_cosign_amount(
    bank, family, demo_sessions, margaret_id, payees
) -> None:
    linda = family.links.list_helpers(margaret_id)[0]
    assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    assert _waiting_cosign(demo_sessions, margaret_id) == [(None, "pending")]
    sam = family.helper_of(margaret_id, "Sam")  # only alerts: the end still waits
    assert _waiting_cosign(demo_sessions, margaret_id) == [(None, "pending")]
    family.links.set_permission(margaret_id, sam.accepted.link_id, APPROVE_PAYMENTS, True)
    assert _waiting_cosign(demo_sessions, margaret_id) == [(None, "cancelled")]
    assert SafetyLimits(demo_sessions).apply_due(utcnow() + DAY) == 0
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "n1")
    assert receipt.hold_conditions == (COSIGN,)  # Sam's approval, as before Linda went


def test_another_approver_left_keeps_the_cosign_as_it_is(
    bank, family, demo_sessions, margaret_id, payees
) -> None:
    sam = family.helper_of(margaret_id, "Sam")
    family.links.set_permission(margaret_id, sam.accepted.link_id, APPROVE_PAYMENTS, True)
    linda = next(h for h in family.links.list_helpers(margaret_id) if h.name != "Sam")
    assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    assert _waiting_cosign(demo_sessions, margaret_id) == []
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "s1")
    assert receipt.hold_conditions == (COSIGN,)


def test_a_customer_who_asked_to_drop_the_cosign_still_has_it_for_the_delay(
    bank, safety, demo_sessions, margaret_id, payees
) -> None:
    assert not safety.change(margaret_id, COSIGN_ABOVE, None, "customer").at_once
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "c1")
    assert receipt.hold_conditions == (COSIGN,)  # Linda is still there to ask
    assert safety.apply_due(utcnow() + DAY) == 1
    assert not bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(30000), "c2").held


def test_a_lower_cosign_amount_counts_at_once(bank, safety, margaret_id, payees) -> None:
    _limit(safety, margaret_id, COSIGN_ABOVE, 5000)
    receipt = bank.pay_payee(margaret_id, "checking", payees["Tom"], Money(6000), "low")
    assert receipt.held and receipt.hold_conditions == (COSIGN,)


def test_two_approvers_removed_at_the_same_moment_keep_the_cosign_amount(
    family, demo_sessions, margaret_id, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each removal asks whether an approver is left; both ask at the same moment when they
    can (PostgreSQL), and must still see each other's removal."""
    import threading

    import family.links.cosign as cosign

    sam = family.helper_of(margaret_id, "Sam")
    family.links.set_permission(margaret_id, sam.accepted.link_id, APPROVE_PAYMENTS, True)
    links = [h.link_id for h in family.links.list_helpers(margaret_id)]
    assert len(links) == 2
    together = threading.Barrier(2)
    asked = cosign.has_approver

    def at_the_same_moment(session, customer_id: int) -> bool:  # noqa: ANN001
        try:
            together.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass  # the other one waits for this one's commit: it cannot be here now
        return asked(session, customer_id)

    monkeypatch.setattr(cosign, "has_approver", at_the_same_moment)
    start = threading.Barrier(2)
    results: list = [None, None]

    def remove(i: int) -> None:
        start.wait()
        results[i] = family.links.remove_helper(margaret_id, links[i], "voice")

    threads = [threading.Thread(target=remove, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [True, True]
    assert _waiting_cosign(demo_sessions, margaret_id) == [(None, "pending")]
