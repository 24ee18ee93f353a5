"""Helpers who approve held payments (issue 9 item 5): the text and the portal item, exactly one
outcome however many answer at once, nobody else's payment, and the customer told kindly."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.bank import banking_service
from assistant.models import Customer, LedgerTransaction
from assistant.money import Money
from family.links.permissions import APPROVE_PAYMENTS, RECEIVE_ALERTS
from tests.family_support import LINDA_PHONE, NIECE, SON, Family, make_family


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


@pytest.fixture
def linda(family: Family, margaret_id: int):
    (helper,) = family.links.find_helpers(margaret_id, "Linda")
    return helper


def _tom(bank, customer_id: int) -> int:
    (tom,) = bank.resolve_payee(customer_id, "Tom")
    return tom.id


def _hold(family: Family, customer_id: int, dollars: int = 300, key: str = "k1"):
    bank = banking_service(family.sessions, family.settings)
    receipt = bank.pay_payee(
        customer_id, "checking", _tom(bank, customer_id), Money(dollars * 100, "USD"), key
    )
    assert receipt.held
    (hold,) = [h for h in bank.list_holds(customer_id) if h.reference == receipt.reference]
    return hold


def _payments(family: Family, customer_id: int) -> int:
    with family.sessions() as session:
        return len(
            session.execute(
                select(LedgerTransaction).where(
                    LedgerTransaction.customer_id == customer_id,
                    LedgerTransaction.idempotency_key.is_not(None),
                )
            ).all()
        )


def test_a_held_payment_texts_each_approver_once_and_an_alert_only_helper_without_details(
    family: Family, margaret_id: int, linda
) -> None:
    niece = family.helper_of(margaret_id, "Amy", NIECE)  # default: only alerts
    _hold(family, margaret_id)
    assert family.links.announce_holds() == 2
    assert family.links.announce_holds() == 0
    (to_linda,) = family.outbox(LINDA_PHONE)
    assert "$300.00" in to_linda.body and "Tom" in to_linda.body
    assert "https://bank.example.com/helper" in to_linda.body and "PIN" in to_linda.body
    to_niece = family.outbox(NIECE)[-1]
    assert "waiting for approval" in to_niece.body
    assert "300" not in to_niece.body and "Tom" not in to_niece.body
    assert niece.helper_id != linda.helper_id


def test_approval_releases_the_payment_once_and_a_second_answer_is_told_it_was_decided(
    family: Family, margaret_id: int, linda
) -> None:
    second = family.helper_of(margaret_id, "Sam", SON)
    family.links.set_permission(margaret_id, second.accepted.link_id, APPROVE_PAYMENTS, True)
    hold = _hold(family, margaret_id)
    (item,) = family.links.pending_approvals(linda.helper_id)
    assert (item.hold_id, item.customer_name) == (hold.id, "Margaret Chen")
    first = family.links.answer_approval(linda.helper_id, hold.id, True, "fine by me")
    assert first.outcome.result == "released"
    late = family.links.answer_approval(second.helper_id, hold.id, False)
    assert late.outcome.result == "already" and late.outcome.hold.status == "released"
    assert _payments(family, margaret_id) == 1
    assert family.links.pending_approvals(linda.helper_id) == []
    assert [e.action for e in family.audits("helper_approved_payment")] == [
        "helper_approved_payment"
    ]


@pytest.mark.parametrize("approve", [True, False])
def test_two_helpers_answering_at_the_same_moment_give_exactly_one_outcome(
    family: Family, margaret_id: int, linda, approve: bool
) -> None:
    second = family.helper_of(margaret_id, "Sam", SON)
    family.links.set_permission(margaret_id, second.accepted.link_id, APPROVE_PAYMENTS, True)
    hold = _hold(family, margaret_id)
    start = threading.Barrier(2)
    results = []

    def answer(helper_id: int, yes: bool) -> None:
        start.wait()
        results.append(family.links.answer_approval(helper_id, hold.id, yes).outcome.result)

    threads = [
        threading.Thread(target=answer, args=(linda.helper_id, approve)),
        threading.Thread(target=answer, args=(second.helper_id, not approve)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) in (["already", "released"], ["already", "declined"])
    assert _payments(family, margaret_id) == (1 if "released" in results else 0)


def test_nobody_answers_a_payment_they_may_not_approve(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    hold = _hold(family, margaret_id)
    alerts_only = family.helper_of(margaret_id, "Amy", NIECE)
    ravis_helper = family.helper_of(ravi_id, "Sam", SON)
    family.links.set_permission(ravi_id, ravis_helper.accepted.link_id, APPROVE_PAYMENTS, True)
    for helper_id in (alerts_only.helper_id, ravis_helper.helper_id, 999):
        assert family.links.answer_approval(helper_id, hold.id, True) is None
    assert family.links.answer_approval(linda.helper_id, hold.id + 1000, True) is None
    assert family.links.pending_approvals(ravis_helper.helper_id) == []
    assert len(family.audits("helper_denied")) == 4
    assert _payments(family, margaret_id) == 0
    assert RECEIVE_ALERTS  # the alert-only helper kept only what they were given


def test_a_removed_helper_can_no_longer_approve(family: Family, margaret_id: int, linda) -> None:
    hold = _hold(family, margaret_id)
    assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    assert family.links.answer_approval(linda.helper_id, hold.id, True) is None
    assert family.links.pending_approvals(linda.helper_id) == []


def test_a_customer_who_prefers_texts_is_told_a_decline_once_and_kindly(
    family: Family, margaret_id: int, linda
) -> None:
    with family.sessions.begin() as session:
        session.get(Customer, margaret_id).preferred_channel = "sms"
    hold = _hold(family, margaret_id)
    family.links.answer_approval(linda.helper_id, hold.id, False, "call me first, mum")
    assert family.links.tell_hold_outcomes() == 1
    assert family.links.tell_hold_outcomes() == 0
    told = family.outbox(family.links._ctx.banking.get_customer(margaret_id).phone)[-1]
    assert "Linda" in told.body and "did not approve" in told.body
    assert "back in your account" in told.body


def test_a_caller_is_not_texted_the_outcome_it_waits_for_their_next_call(
    family: Family, margaret_id: int, linda
) -> None:
    hold = _hold(family, margaret_id)
    family.links.answer_approval(linda.helper_id, hold.id, True)
    assert family.links.tell_hold_outcomes() == 0
    bank = banking_service(family.sessions, family.settings)
    assert [h.reference for h in bank.untold_hold_outcomes(customer_id=margaret_id)] == [
        hold.reference
    ]


def test_an_approval_after_the_deadline_is_too_late(
    family: Family, margaret_id: int, linda
) -> None:
    hold = _hold(family, margaret_id)
    late = hold.deadline + timedelta(minutes=1)
    answer = family.links.answer_approval(linda.helper_id, hold.id, True, now=late)
    assert answer.outcome.hold.status == "expired"
    assert _payments(family, margaret_id) == 0


def test_announcing_one_customers_holds_texts_only_their_approvers(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    _hold(family, margaret_id)
    assert family.links.announce_holds(customer_id=ravi_id) == 0
    assert family.links.announce_holds(customer_id=margaret_id) == 1
    assert len(family.outbox(LINDA_PHONE)) == 1
