"""What a helper may see (issue 9 items 3 and 7): data only with the permission and an active
link, an audit row for every view and every refusal, never another customer's data; and "who
looked at my account" naming the views."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assistant.models import Account, HeldPayment
from family.links.activity import describe
from family.links.permissions import RECEIVE_ALERTS
from tests.family_support import SON, Family, make_family


@pytest.fixture
def family(demo_sessions, tmp_path) -> Family:
    return make_family(demo_sessions, tmp_path)


@pytest.fixture
def linda(family: Family, margaret_id: int):
    (helper,) = family.links.find_helpers(margaret_id, "Linda")
    return helper


def test_a_helper_with_the_permission_sees_the_balance_with_last_four_digits_only(
    family: Family, margaret_id: int, linda
) -> None:
    accounts = family.links.helper_view_balance(linda.helper_id, margaret_id, "portal")
    assert [(a.kind, a.last4) for a in accounts] == [("checking", "0017"), ("savings", "0025")]
    assert "1100100017" not in repr(accounts)
    (event,) = family.audits("helper_viewed_balance")
    assert (event.actor, event.customer_id) == (f"helper:{linda.helper_id}", margaret_id)
    assert event.detail == {"helper_id": linda.helper_id, "what": "balance", "channel": "portal"}


def test_a_helper_without_the_permission_gets_nothing_and_an_audit_row(
    family: Family, margaret_id: int, linda
) -> None:
    assert family.links.helper_view_payments(linda.helper_id, margaret_id, "portal") is None
    (event,) = family.audits("helper_denied")
    assert (event.actor, event.customer_id) == (f"helper:{linda.helper_id}", margaret_id)
    assert event.detail["what"] == "payments"
    assert family.audits("helper_viewed_payments") == []


@pytest.mark.parametrize("view", ["helper_view_balance", "helper_view_payments", "helper_alerts"])
def test_a_helper_asking_for_another_customers_data_gets_nothing_and_an_audit_row(
    family: Family, margaret_id: int, ravi_id: int, linda, view: str
) -> None:
    assert getattr(family.links, view)(linda.helper_id, ravi_id, "portal") is None
    assert getattr(family.links, view)(linda.helper_id, 999999, "portal") is None
    denied = family.audits("helper_denied")
    assert [(e.customer_id, e.detail["asked_customer_id"]) for e in denied] == [
        (ravi_id, ravi_id),
        (None, 999999),
    ]
    assert all(e.actor == f"helper:{linda.helper_id}" for e in denied)
    assert family.links.link_for(linda.helper_id, ravi_id) is None


def test_someone_who_is_no_helper_at_all_gets_nothing(family: Family, margaret_id: int) -> None:
    assert family.links.helper_view_balance(424242, margaret_id, "portal") is None
    assert family.links.customers_of(424242) == []
    assert [e.actor for e in family.audits("helper_denied")] == ["helper:424242"]


def test_alerts_say_what_happened_and_when_never_the_amount_or_payee(
    family: Family, margaret_id: int, linda
) -> None:
    at = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    with family.sessions() as session:
        account = session.execute(
            select(Account).where(Account.customer_id == margaret_id, Account.kind == "checking")
        ).scalar_one()
        session.add(
            HeldPayment(
                reference="H1",
                customer_id=margaret_id,
                account_id=account.id,
                idempotency_key="k1",
                request_fingerprint="f",
                op="pay_payee",
                counterparty="Tom",
                amount_minor=30000,
                currency="USD",
                created_at=at,
            )
        )
        session.commit()
    alerts = family.links.helper_alerts(linda.helper_id, margaret_id, "portal")
    assert [(a.kind, a.at) for a in alerts] == [("payment_waiting", at)]
    assert "Tom" not in repr(alerts) and "300" not in repr(alerts)


def test_a_helper_lists_only_the_customers_who_confirmed_them(
    family: Family, margaret_id: int, ravi_id: int, linda
) -> None:
    (margaret,) = family.links.customers_of(linda.helper_id)
    assert (margaret.customer_id, margaret.name) == (margaret_id, "Margaret Chen")
    assert margaret.allows(RECEIVE_ALERTS) and not margaret.allows("view_payments")
    assert family.links.link_for(linda.helper_id, margaret_id) == margaret


def test_who_looked_names_the_views_newest_first(family: Family, margaret_id: int, linda) -> None:
    family.links.helper_view_balance(linda.helper_id, margaret_id, "portal")
    family.links.helper_view_payments(linda.helper_id, margaret_id, "portal")  # denied
    family.links.helper_alerts(linda.helper_id, margaret_id, "sms")
    looked = family.links.who_looked(margaret_id, limit=3)
    assert [(e.helper_name, e.what, e.channel) for e in looked] == [
        ("Linda Chen", "alerts", "sms"),
        ("Linda Chen", "balance", "portal"),
    ]
    assert family.links.who_looked(margaret_id, limit=1)[0].what == "alerts"
    sam = family.helper_of(margaret_id, "Sam", SON)
    assert family.links.helper_alerts(sam.helper_id, margaret_id, "portal") is not None
    assert family.links.who_looked(margaret_id, limit=1)[0].helper_name == "Sam"


def test_who_looked_is_said_in_plain_words(family: Family, margaret_id: int, linda) -> None:
    family.links.helper_view_balance(linda.helper_id, margaret_id, "portal")
    (entry,) = family.links.who_looked(margaret_id)
    today = describe(entry, family.settings, now=entry.at)
    assert today.startswith("Linda Chen looked at your balance today at ")
    yesterday = describe(entry, family.settings, now=entry.at + timedelta(days=1))
    assert "balance yesterday at " in yesterday
    later = describe(entry, family.settings, now=entry.at + timedelta(days=9))
    assert " on " in later and later.endswith(".")


def test_a_helpers_own_history_lists_what_they_saw_and_did(
    family: Family, margaret_id: int, linda
) -> None:
    family.links.helper_view_balance(linda.helper_id, margaret_id, "portal")
    family.links.helper_view_payments(linda.helper_id, margaret_id, "portal")
    family.links.leave(linda.helper_id, margaret_id)
    history = family.links.helper_activity(linda.helper_id)
    assert [(e.what, e.customer_name) for e in history] == [
        ("left", "Margaret Chen"),
        ("denied", "Margaret Chen"),
        ("balance", "Margaret Chen"),
    ]
