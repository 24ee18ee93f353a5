"""What the family-helper services give the portal (on SQLite and PostgreSQL): a link checked
and audited when refused, the customers a helper still waits for, one held payment with who
answered it, an answer refused for a payment of another customer than the page's, and a
history that never names a customer who is not theirs."""

from __future__ import annotations

import pytest

from assistant.bank import banking_service
from assistant.money import Money
from family.links.permissions import APPROVE_PAYMENTS, VIEW_BALANCE, VIEW_PAYMENTS
from tests.family_support import SON, Family, make_family


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


@pytest.fixture
def linda(family: Family, margaret_id: int):
    (helper,) = family.links.find_helpers(margaret_id, "Linda")
    return helper


def _hold(family: Family, customer_id: int):
    bank = banking_service(family.sessions, family.settings)
    (tom,) = bank.resolve_payee(customer_id, "Tom")
    receipt = bank.pay_payee(customer_id, "checking", tom.id, Money(30000, "USD"), "k1")
    (hold,) = [h for h in bank.list_holds(customer_id) if h.reference == receipt.reference]
    return hold


def test_a_link_is_checked_with_its_permission_and_a_refusal_is_audited(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    links = family.links
    assert links.check_link(linda.helper_id, margaret_id).name == "Margaret Chen"
    assert links.check_link(linda.helper_id, margaret_id, VIEW_BALANCE) is not None
    assert family.audits("helper_denied") == []
    assert links.check_link(linda.helper_id, margaret_id, VIEW_PAYMENTS, "payments") is None
    assert links.check_link(linda.helper_id, ravi_id, None, "leave") is None
    assert links.check_link(linda.helper_id, 424242) is None
    denied = family.audits("helper_denied")
    assert [(e.customer_id, e.detail["what"], e.detail["asked_customer_id"]) for e in denied] == [
        (margaret_id, "payments", margaret_id),
        (ravi_id, "leave", ravi_id),
        (None, "customer", 424242),
    ]


def test_a_helper_waiting_for_the_customer_sees_only_their_name(
    family: Family, margaret_id: int
) -> None:
    sam = family.accept(margaret_id, "Sam", SON)
    assert family.links.customers_awaiting(sam.helper_id) == ["Margaret Chen"]
    assert family.links.customers_of(sam.helper_id) == []
    assert family.links.check_link(sam.helper_id, margaret_id) is None
    assert family.links.confirm_helper(margaret_id, sam.accepted.link_id, True, "sms")
    assert family.links.customers_awaiting(sam.helper_id) == []


def test_one_held_payment_says_why_it_waits_and_then_who_answered(
    family: Family, margaret_id: int, linda
) -> None:
    sam = family.helper_of(margaret_id, "Sam", SON)
    family.links.set_permission(margaret_id, sam.accepted.link_id, APPROVE_PAYMENTS, True)
    hold = _hold(family, margaret_id)
    item = family.links.approval_for(linda.helper_id, margaret_id, hold.id)
    assert item.waiting and item.cosign_above == Money(20000, "USD")
    assert (item.decided_by, item.decided_by_you) == ("", False)
    assert family.audits("helper_viewed_approvals")[-1].detail["hold_id"] == hold.id
    family.links.answer_approval(linda.helper_id, hold.id, True, customer_id=margaret_id)
    mine = family.links.approval_for(linda.helper_id, margaret_id, hold.id)
    assert not mine.waiting and mine.decided_by_you and mine.hold.status == "released"
    theirs = family.links.approval_for(sam.helper_id, margaret_id, hold.id)
    assert (theirs.decided_by, theirs.decided_by_you) == ("Linda Chen", False)


def test_a_payment_is_not_answered_under_another_customer(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    hold = _hold(family, margaret_id)
    assert family.links.approval_for(linda.helper_id, ravi_id, hold.id) is None
    assert family.links.answer_approval(linda.helper_id, hold.id, True, customer_id=ravi_id) is None
    assert len(family.audits("helper_denied")) == 2
    bank = banking_service(family.sessions, family.settings)
    assert bank.get_hold(hold.id).status == "held"


def test_the_history_names_only_customers_the_helper_helps_or_helped(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    family.links.helper_view_payments(linda.helper_id, margaret_id)  # not granted
    family.links.helper_view_balance(linda.helper_id, ravi_id)  # not theirs
    history = family.links.helper_activity(linda.helper_id)
    assert [(e.what, e.customer_name, e.customer_id) for e in history] == [
        ("denied", "", None),
        ("denied", "Margaret Chen", margaret_id),
    ]
