"""Accepting, confirming and the customer's say (issue 9 items 2 and 3): nothing is visible to a
helper before the customer's yes; permissions, removal and leaving take effect at once; the
six-monthly review; the texts each step writes and their dedupe keys; racing accepts."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assistant.bank import banking_service
from assistant.money import Money
from family.links.models import HelperInvitation, HelperLink
from family.links.permissions import (
    JOIN_CALLS,
    PERMISSIONS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    VIEW_PAYMENTS,
)
from tests.family_support import (
    LINDA_PHONE,
    NIECE,
    PORTAL,
    RAVI_PHONE,
    SON,
    T0,
    Family,
    make_family,
)


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


def _linda(family: Family, margaret_id: int):
    (linda,) = family.links.find_helpers(margaret_id, "Linda")
    return linda


def test_an_accepted_helper_waits_for_the_customer_and_sees_nothing(
    family: Family, margaret_id: int
) -> None:
    code = family.invite(margaret_id, "Sam", SON)
    with family.sessions() as session:
        invitation = session.execute(select(HelperInvitation)).scalar_one()
        invitation.permissions = {VIEW_BALANCE: True, RECEIVE_ALERTS: True}
        session.commit()
    helper = family.links.sign_in(SON, code, "203.0.113.9")

    with family.sessions() as session:
        link = session.get(HelperLink, helper.accepted.link_id)
        assert (link.status, link.confirmed_at) == ("awaiting_customer", None)
        assert session.get(HelperInvitation, link.invitation_id).status == "accepted"
    assert family.links.customers_of(helper.helper_id) == []
    assert family.links.link_for(helper.helper_id, margaret_id) is None
    assert family.links.helper_view_balance(helper.helper_id, margaret_id, "portal") is None
    assert family.links.helper_alerts(helper.helper_id, margaret_id, "portal") is None
    (pending,) = family.links.pending_confirmations(margaret_id)
    assert (pending.link_id, pending.name) == (helper.accepted.link_id, "Sam")
    assert pending.permissions == (VIEW_BALANCE, RECEIVE_ALERTS)
    assert [h.status for h in family.links.list_helpers(margaret_id)] == [
        "active",
        "awaiting_customer",
    ]


def test_a_voice_customer_hears_of_the_acceptance_at_the_next_call_not_by_text(
    family: Family, margaret_id: int
) -> None:
    family.accept(margaret_id, "Sam", SON)
    assert [m.purpose for m in family.outbox()] == ["helper_invitation"]
    assert len(family.links.pending_confirmations(margaret_id)) == 1


def test_a_customer_who_prefers_texts_is_told_by_text(family: Family, ravi_id: int) -> None:
    helper = family.accept(ravi_id, "Priya", SON)
    (told,) = family.outbox(RAVI_PHONE)
    assert told.dedupe_key == f"helper_accepted:{helper.accepted.invitation_id}"
    assert told.customer_id == ravi_id
    assert "Priya has accepted" in told.body and "will see nothing until you say yes" in told.body


def test_yes_makes_the_helper_active_with_a_review_in_six_months_and_tells_them(
    family: Family, margaret_id: int
) -> None:
    helper = family.accept(margaret_id, "Sam", SON)
    link_id = helper.accepted.link_id
    assert family.links.confirm_helper(margaret_id, link_id, True, "voice", now=T0)

    with family.sessions() as session:
        link = session.get(HelperLink, link_id)
        assert (link.status, link.confirmed_at, link.review_due_at) == (
            "active",
            T0,
            T0 + timedelta(days=182),
        )
        assert session.get(HelperInvitation, link.invitation_id).status == "confirmed"
    (customer,) = family.links.customers_of(helper.helper_id)
    assert (customer.customer_id, customer.name, customer.permissions) == (
        margaret_id,
        "Margaret Chen",
        (RECEIVE_ALERTS,),
    )
    told = family.outbox(SON)[-1]
    assert told.dedupe_key == f"helper_confirmed:{link_id}:{helper.accepted.invitation_id}"
    assert "Margaret Chen has confirmed you" in told.body and PORTAL in told.body
    assert family.links.pending_confirmations(margaret_id) == []
    (event,) = family.audits("helper_confirmed")
    assert (event.actor, event.detail["channel"]) == (f"customer:{margaret_id}", "voice")
    # Answering again changes and sends nothing.
    assert not family.links.confirm_helper(margaret_id, link_id, True, "voice")
    assert len(family.outbox(SON)) == 2


def test_no_removes_the_link_and_declines_the_invitation(family: Family, margaret_id: int) -> None:
    helper = family.accept(margaret_id, "Sam", SON)
    assert family.links.confirm_helper(margaret_id, helper.accepted.link_id, False, "voice")
    with family.sessions() as session:
        link = session.get(HelperLink, helper.accepted.link_id)
        assert link.status == "removed" and link.ended_at is not None
        assert session.get(HelperInvitation, link.invitation_id).status == "declined"
    assert family.links.link_for(helper.helper_id, margaret_id) is None
    assert [h.name for h in family.links.list_helpers(margaret_id)] == ["Linda Chen"]
    assert [e.action for e in family.audits("helper_declined")] == ["helper_declined"]


def test_a_customer_cannot_confirm_another_customers_helper(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    helper = family.accept(margaret_id, "Sam", SON)
    assert not family.links.confirm_helper(ravi_id, helper.accepted.link_id, True)
    assert family.links.link_for(helper.helper_id, margaret_id) is None


def test_withdrawing_a_permission_takes_effect_at_once(family: Family, margaret_id: int) -> None:
    linda = _linda(family, margaret_id)
    assert family.links.helper_view_balance(linda.helper_id, margaret_id, "portal")
    assert family.links.set_permission(margaret_id, linda.link_id, VIEW_BALANCE, False, "voice")
    assert family.links.helper_view_balance(linda.helper_id, margaret_id, "portal") is None
    assert VIEW_BALANCE not in family.links.link_for(linda.helper_id, margaret_id).permissions
    (event,) = family.audits("helper_permission_changed")
    assert event.detail == {
        "link_id": linda.link_id,
        "helper_id": linda.helper_id,
        "permission": VIEW_BALANCE,
        "granted": False,
        "channel": "voice",
    }


def test_granting_a_permission_takes_effect_at_once(family: Family, margaret_id: int) -> None:
    linda = _linda(family, margaret_id)
    assert family.links.helper_view_payments(linda.helper_id, margaret_id, "portal") is None
    assert family.links.set_permission(margaret_id, linda.link_id, VIEW_PAYMENTS, True, "web")
    payments = family.links.helper_view_payments(linda.helper_id, margaret_id, "portal")
    assert payments and all(p.reference for p in payments)


def test_an_unknown_permission_cannot_be_granted(family: Family, margaret_id: int) -> None:
    linda = _linda(family, margaret_id)
    with pytest.raises(ValueError):
        family.links.set_permission(margaret_id, linda.link_id, "move_money", True, "web")
    assert "move_money" not in PERMISSIONS


def test_another_customer_cannot_change_a_helpers_permissions(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    linda = _linda(family, margaret_id)
    assert not family.links.set_permission(ravi_id, linda.link_id, JOIN_CALLS, False, "sms")
    assert JOIN_CALLS in family.links.link_for(linda.helper_id, margaret_id).permissions


def test_removing_a_helper_cuts_access_at_once_and_tells_them_once(
    family: Family, margaret_id: int
) -> None:
    linda = _linda(family, margaret_id)
    assert family.links.link_for(linda.helper_id, margaret_id) is not None
    assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    assert family.links.link_for(linda.helper_id, margaret_id) is None
    assert family.links.customers_of(linda.helper_id) == []
    assert family.links.helper_view_balance(linda.helper_id, margaret_id, "portal") is None
    assert not family.links.remove_helper(margaret_id, linda.link_id, "voice")
    (told,) = family.outbox(LINDA_PHONE)
    assert told.dedupe_key == f"helper_removed:{linda.link_id}:0"
    assert "Margaret Chen has ended your helper access" in told.body
    assert [e.detail["channel"] for e in family.audits("helper_removed")] == ["voice"]


def test_a_removed_helper_invited_again_is_told_again(family: Family, margaret_id: int) -> None:
    first = family.helper_of(margaret_id, "Sam", SON)
    link_id = first.accepted.link_id
    assert family.links.remove_helper(margaret_id, link_id, "sms")
    again = family.helper_of(margaret_id, "Sam", SON)
    assert again.accepted.link_id == link_id  # one row per customer and helper
    assert family.links.remove_helper(margaret_id, link_id, "sms")
    keys = [m.dedupe_key for m in family.outbox(SON)]
    assert len(keys) == len(set(keys)) == 6  # invitation, confirmed, removed; twice
    assert sum(k.startswith("helper_removed:") for k in keys) == 2


def test_a_helper_can_leave_at_once(family: Family, margaret_id: int) -> None:
    linda = _linda(family, margaret_id)
    assert family.links.leave(linda.helper_id, margaret_id)
    assert family.links.link_for(linda.helper_id, margaret_id) is None
    assert family.links.helper_alerts(linda.helper_id, margaret_id, "portal") is None
    assert not family.links.leave(linda.helper_id, margaret_id)
    (event,) = family.audits("helper_left")
    assert event.actor == f"helper:{linda.helper_id}"
    assert family.outbox() == []  # Margaret prefers calls: she hears it when she asks


def test_a_customer_who_prefers_texts_is_told_their_helper_left(
    family: Family, ravi_id: int
) -> None:
    helper = family.helper_of(ravi_id, "Priya", SON)
    assert family.links.leave(helper.helper_id, ravi_id)
    told = family.outbox(RAVI_PHONE)[-1]
    assert (
        told.dedupe_key == f"helper_left:{helper.accepted.link_id}:{helper.accepted.invitation_id}"
    )
    assert "Priya has stopped being your helper" in told.body


def test_a_helper_cannot_leave_someone_elses_link(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    linda = _linda(family, margaret_id)
    assert not family.links.leave(linda.helper_id, ravi_id)
    assert family.links.link_for(linda.helper_id, margaret_id) is not None


def test_the_six_monthly_review_comes_due_and_keeping_moves_it_on(
    family: Family, margaret_id: int
) -> None:
    linda = _linda(family, margaret_id)
    due = linda.review_due_at
    assert family.links.due_reviews(margaret_id, now=due - timedelta(minutes=1)) == []
    assert [h.link_id for h in family.links.due_reviews(margaret_id, now=due)] == [linda.link_id]
    assert family.links.keep_helper(margaret_id, linda.link_id, "voice", now=due)
    assert family.links.due_reviews(margaret_id, now=due + timedelta(days=181)) == []
    (kept,) = family.links.list_helpers(margaret_id)
    assert kept.review_due_at == due + timedelta(days=182)


def test_helpers_are_found_by_name_like_payees(family: Family, margaret_id: int) -> None:
    family.helper_of(margaret_id, "Tom", SON)
    family.helper_of(margaret_id, "Thomas", NIECE)
    assert [h.name for h in family.links.find_helpers(margaret_id, "lynda")] == ["Linda Chen"]
    assert [h.name for h in family.links.find_helpers(margaret_id, "my Linda")] == ["Linda Chen"]
    assert [h.name for h in family.links.find_helpers(margaret_id, "Tom")] == ["Tom"]
    assert family.links.find_helpers(margaret_id, "George") == []
    assert family.links.find_helpers(margaret_id, "the") == []


def test_a_helper_is_called_what_the_customer_called_them(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    """Linda is on file as "Linda Chen"; Ravi invites her as "Aunt Linda"."""
    code = family.invite(ravi_id, "Aunt Linda", LINDA_PHONE)
    family.links.request_sign_in_code(LINDA_PHONE, "203.0.113.9")
    linda = family.links.sign_in(LINDA_PHONE, family.last_code(LINDA_PHONE), "203.0.113.9")
    accepted = family.links.accept_invitation(linda.helper_id, code)
    assert family.links.confirm_helper(ravi_id, accepted.link_id, True, "sms")
    assert [h.name for h in family.links.list_helpers(ravi_id)] == ["Aunt Linda"]
    assert [h.name for h in family.links.find_helpers(ravi_id, "Linda Chen")] == ["Aunt Linda"]
    assert {c.name for c in family.links.customers_of(linda.helper_id)} == {
        "Margaret Chen",
        "Ravi Kumar",
    }


def test_two_accepts_of_one_code_at_the_same_moment_make_one_link(
    family: Family, margaret_id: int
) -> None:
    code = family.invite(margaret_id, "Sam", SON)
    start = threading.Barrier(4)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run() -> None:
        start.wait()
        try:
            helper = family.links.sign_in(SON, code, "203.0.113.9")
            outcome = "accepted" if helper and helper.accepted else "refused"
        except Exception as error:  # noqa: BLE001 - any other outcome fails the test
            outcome = f"error: {error!r}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == Counter({"accepted": 1, "refused": 3})
    with family.sessions() as session:
        links = session.execute(
            select(func.count(HelperLink.id)).where(HelperLink.customer_id == margaret_id)
        ).scalar_one()
    assert links == 2  # Linda's and Sam's
    assert len(family.audits("helper_accepted")) == 1
    assert len(family.links.pending_confirmations(margaret_id)) == 1


def test_news_at_a_pause_is_a_relative_who_accepted_a_review_due_or_an_untold_ending(
    family: Family, margaret_id: int
) -> None:
    links = family.links
    assert not links.has_news(margaret_id)
    sam = family.accept(margaret_id)
    assert links.has_news(margaret_id)
    links.confirm_helper(margaret_id, sam.accepted.link_id, True, "sms")
    assert not links.has_news(margaret_id)
    (linda,) = links.find_helpers(margaret_id, "Linda")
    assert links.has_news(margaret_id, now=linda.review_due_at + timedelta(minutes=1))
    bank = banking_service(family.sessions, family.settings)
    (tom,) = bank.resolve_payee(margaret_id, "Tom")
    receipt = bank.pay_payee(margaret_id, "checking", tom.id, Money(30000, "USD"), "news-1")
    assert not links.has_news(margaret_id)  # waiting is no news yet
    (hold,) = [h for h in bank.list_holds(margaret_id) if h.reference == receipt.reference]
    links.answer_approval(linda.helper_id, hold.id, True)
    assert links.has_news(margaret_id)
    bank.mark_hold_outcome_told(hold.id)
    assert not links.has_news(margaret_id)
