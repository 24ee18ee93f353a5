"""Inviting a relative (issue 9 item 1): each refusal, the STOP case, the text the relative
gets, its outbox row and dedupe key, and the invitations' expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.messaging.models import OutboxMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.settings import Settings
from family.links import views
from family.links.models import HelperCode, HelperInvitation, HelperLink
from family.links.permissions import RECEIVE_ALERTS, VIEW_BALANCE
from tests.family_support import (
    LINDA_PHONE,
    MARGARET_PHONE,
    NIECE,
    PORTAL,
    SON,
    T0,
    Family,
    make_family,
)


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


def test_the_invitation_text_names_the_customer_gives_the_code_and_full_address_asks_no_pin(
    family: Family, margaret_id: int
) -> None:
    result = family.links.invite(
        margaret_id, "Sam", "+1 (555) 010-0077", [VIEW_BALANCE], channel="voice", now=T0
    )

    assert (result.status, result.reason, result.phone) == ("sent", None, SON)
    assert result.expires_at == T0 + timedelta(hours=72)
    (message,) = family.outbox(SON)
    assert message.dedupe_key == f"helper_invitation:{result.invitation_id}"
    assert (message.purpose, message.customer_id, message.status) == (
        "helper_invitation",
        margaret_id,
        "pending",
    )
    body = message.body
    assert "Margaret Chen" in body
    assert f"{PORTAL} " in body  # the full address, never shortened
    assert "never ask for your PIN or password" in body
    assert "If you did not expect this, ignore it or call the number on the back" in body
    assert len(family.last_code(SON)) == 6
    assert family.woken == [message.id]


def test_the_invitation_keeps_the_chosen_permissions_and_defaults_to_alerts_only(
    family: Family, margaret_id: int
) -> None:
    chosen = family.links.invite(margaret_id, "Sam", SON, [VIEW_BALANCE, "move_money"])
    default = family.links.invite(margaret_id, "Nia", NIECE)
    with family.sessions() as session:
        assert session.get(HelperInvitation, chosen.invitation_id).permissions == {
            "view_balance": True,
            "view_payments": False,
            "receive_alerts": False,
            "approve_payments": False,
            "join_calls": False,
        }
        granted = session.get(HelperInvitation, default.invitation_id).permissions
    assert [name for name, value in granted.items() if value] == [RECEIVE_ALERTS]


def test_the_invitation_is_audited_without_its_code(family: Family, margaret_id: int) -> None:
    code = family.invite(margaret_id)
    (event,) = family.audits("helper_invited")
    assert (event.actor, event.customer_id) == (f"customer:{margaret_id}", margaret_id)
    assert event.detail["channel"] == "sms"
    assert code not in str(event.detail)


@pytest.mark.parametrize(
    "phone, reason",
    [
        ("12345", views.BAD_NUMBER),
        ("", views.BAD_NUMBER),
        ("+1 555 010 0001", views.OWN_NUMBER),
        (LINDA_PHONE, views.ALREADY_LINKED),
    ],
)
def test_a_bad_own_or_linked_number_is_refused_and_nothing_is_sent(
    family: Family, margaret_id: int, phone: str, reason: str
) -> None:
    result = family.links.invite(margaret_id, "Sam", phone)
    assert (result.status, result.reason, result.sent) == ("refused", reason, False)
    assert result.invitation_id is None
    assert family.outbox() == [] and family.woken == []
    assert family.audits("helper_invited") == []


def test_a_number_already_invited_is_refused_until_that_invitation_ends(
    family: Family, margaret_id: int
) -> None:
    first = family.links.invite(margaret_id, "Sam", SON, now=T0)
    again = family.links.invite(margaret_id, "Sammy", SON, now=T0 + timedelta(hours=1))
    assert (again.status, again.reason) == ("refused", views.ALREADY_INVITED)
    assert family.links.cancel_invitation(margaret_id, first.invitation_id, "web")
    assert family.links.invite(margaret_id, "Sammy", SON, now=T0 + timedelta(hours=2)).sent


def test_another_customer_may_invite_the_same_relative(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    assert family.links.invite(margaret_id, "Sam", SON).sent
    assert family.links.invite(ravi_id, "Sam", SON).sent


def test_a_sixth_helper_is_refused_counting_active_awaiting_and_invited(
    family: Family, margaret_id: int
) -> None:
    # Linda is active; one accepts (awaiting Margaret), three are invited: five in all.
    family.accept(margaret_id, "Sam", SON)
    for n in range(3):
        assert family.links.invite(margaret_id, f"Friend {n}", f"+1555010009{n}").sent
    assert not family.links.has_room_for_helper(margaret_id)
    sixth = family.links.invite(margaret_id, "Nia", NIECE)
    assert (sixth.status, sixth.reason) == ("refused", views.TOO_MANY)
    # Removing one makes room again.
    (linda,) = family.links.find_helpers(margaret_id, "Linda")
    assert family.links.remove_helper(margaret_id, linda.link_id, "voice")
    assert family.links.has_room_for_helper(margaret_id)
    assert family.links.invite(margaret_id, "Nia", NIECE).sent


def test_a_number_that_texted_stop_gets_no_invitation_and_the_result_says_so(
    family: Family, margaret_id: int
) -> None:
    OptOutStore(family.sessions).opt_out(SON)
    result = family.links.invite(margaret_id, "Sam", SON)
    assert (result.status, result.reason, result.sent) == ("not_sent", views.OPTED_OUT, False)
    with family.sessions() as session:
        assert session.get(HelperInvitation, result.invitation_id).status == "not_sent"
        assert session.execute(select(HelperCode)).first() is None
    assert family.outbox() == []
    assert [e.detail["invitation_id"] for e in family.audits("helper_invitation_not_sent")] == [
        result.invitation_id
    ]
    # The relative texts START; the customer asks again and it goes.
    OptOutStore(family.sessions).opt_in(SON)
    assert family.links.invite(margaret_id, "Sam", SON).sent


def test_an_invitation_code_lasts_72_hours(family: Family, margaret_id: int) -> None:
    code = family.links.invite(margaret_id, "Sam", SON, now=T0) and family.last_code(SON)
    late = T0 + timedelta(hours=72)
    assert family.links.sign_in(SON, code, "203.0.113.9", now=late) is None
    assert family.links.sign_in(SON, code, "203.0.113.9", now=late - timedelta(minutes=1))


def test_expired_invitations_are_marked_once_by_the_due_job(
    family: Family, margaret_id: int
) -> None:
    invited = family.links.invite(margaret_id, "Sam", SON, now=T0)
    assert family.links.expire_due_invitations(now=T0 + timedelta(hours=71)) == 0
    assert family.links.expire_due_invitations(now=T0 + timedelta(hours=72)) == 1
    assert family.links.expire_due_invitations(now=T0 + timedelta(hours=73)) == 0
    with family.sessions() as session:
        assert session.get(HelperInvitation, invited.invitation_id).status == "expired"
    assert len(family.audits("helper_invitation_expired")) == 1
    # The number may be invited again.
    assert family.links.invite(margaret_id, "Sam", SON, now=T0 + timedelta(hours=74)).sent


def test_an_acceptance_the_customer_does_not_confirm_in_14_days_ends(
    family: Family, margaret_id: int
) -> None:
    code = family.links.invite(margaret_id, "Sam", SON, now=T0) and family.last_code(SON)
    helper = family.links.sign_in(SON, code, "203.0.113.9", now=T0 + timedelta(hours=1))
    assert family.links.expire_due_invitations(now=T0 + timedelta(days=14)) == 0
    assert family.links.expire_due_invitations(now=T0 + timedelta(days=14, hours=1)) == 1
    assert family.links.expire_due_invitations(now=T0 + timedelta(days=15)) == 0
    with family.sessions() as session:
        link = session.get(HelperLink, helper.accepted.link_id)
        assert link.status == "removed"
        assert session.get(HelperInvitation, link.invitation_id).status == "expired"
    assert family.links.pending_confirmations(margaret_id) == []
    assert not family.links.confirm_helper(margaret_id, helper.accepted.link_id, True)


def test_the_portal_address_is_the_public_one_else_the_gateway(tmp_path) -> None:
    assert Settings(home=tmp_path, public_base_url="https://b.example/").helper_portal_url == (
        "https://b.example/helper"
    )
    local = Settings(home=tmp_path, public_base_url="", gateway_port=8000)
    assert local.helper_portal_url == "http://127.0.0.1:8000/helper"


def test_a_cancelled_invitation_code_no_longer_works(family: Family, margaret_id: int) -> None:
    invited = family.links.invite(margaret_id, "Sam", SON)
    code = family.last_code(SON)
    assert family.links.cancel_invitation(margaret_id, invited.invitation_id, "sms")
    assert not family.links.cancel_invitation(margaret_id, invited.invitation_id, "sms")
    assert family.links.sign_in(SON, code, "203.0.113.9") is None
    assert family.links.list_invitations(margaret_id) == []


def test_only_the_customer_can_cancel_their_invitation(
    family: Family, margaret_id: int, ravi_id: int
) -> None:
    invited = family.links.invite(margaret_id, "Sam", SON)
    assert not family.links.cancel_invitation(ravi_id, invited.invitation_id)
    assert [i.id for i in family.links.list_invitations(margaret_id)] == [invited.invitation_id]


def test_the_outbox_row_is_committed_before_the_wake_up(demo_sessions, tmp_path, margaret_id):
    seen = []

    def wake(outbox_id: int) -> None:
        with demo_sessions() as session:
            seen.append(session.get(OutboxMessage, outbox_id).to_phone)

    family = make_family(demo_sessions, tmp_path)
    family.links._ctx.wake = wake
    family.links.invite(margaret_id, "Sam", SON)
    assert seen == [SON]


def test_a_failing_wake_up_loses_nothing(demo_sessions, tmp_path, margaret_id) -> None:
    def wake(outbox_id: int) -> None:
        raise ConnectionError("queue down")

    family = make_family(demo_sessions, tmp_path)
    family.links._ctx.wake = wake
    assert family.links.invite(margaret_id, "Sam", SON).sent
    assert [m.to_phone for m in family.outbox()] == [SON]


def test_margaret_is_not_asked_twice_for_a_number_she_already_has(
    family: Family, margaret_id: int
) -> None:
    assert MARGARET_PHONE != SON
    family.helper_of(margaret_id, "Sam", SON)
    again = family.links.invite(margaret_id, "Sam", SON)
    assert again.reason == views.ALREADY_LINKED
