"""The helper portal's pages (issue 9 items 3, 4, 5 and 7): landmarks and one h1 on each, the
people a helper helps and what each allowed, each page only with its permission, a removed
helper losing the open page at once, approving and declining a held payment end to end (money
moves once; a second answer is told who decided), leaving, and the helper's own history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from assistant.bank import banking_service
from assistant.db import utcnow
from assistant.models import HoldCondition
from family.links.permissions import APPROVE_PAYMENTS, VIEW_PAYMENTS
from tests.portal_support import (
    NIECE,
    SON,
    HelperBrowser,
    audits,
    confirmed_helper,
    family,
    helper_browser,
    hold,
    payments_with_key,
)
from tests.web_support import WebApp, shape, visible_text

PORTAL_CSS = "/static/helper/portal.css?v="


@pytest.fixture
def linda(web: WebApp) -> HelperBrowser:
    """Linda, Margaret's helper in the demo bank: balance, alerts, approvals, calls."""
    browser = helper_browser(web)
    browser.sign_in(web)
    return browser


def _checking(web: WebApp) -> int:
    bank = banking_service(web.sessions, web.settings)
    return bank.get_account(web.customer_id(), "checking").balance.minor


def _check_structure(html: str, h1: str) -> None:
    page = shape(html)
    assert page.lang == "en"
    assert page.h1 == [h1]
    assert page.main_ids == ["main-content"] and page.skip_links == ["#main-content"]
    assert page.header_links == ["Kindly Bank=/helper", "Get help=/helper/help"]
    assert page.inline_scripts == 0 and page.style_attributes == 0 and page.style_elements == 0
    assert re.search(r"<title>[^<]+ - Kindly Bank</title>", html)
    assert PORTAL_CSS in html
    for form in re.findall(r"<form method=\"post\".*?</form>", html, flags=re.S):
        assert 'name="csrf_token" value="' in form


def test_every_portal_page_has_the_landmarks_one_h1_and_the_headers(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    held = hold(web, margaret_id)
    base = f"/helper/customers/{margaret_id}"
    pages = {
        "/helper": "People you help",
        "/helper/help": "Get help",
        "/helper/activity": "What you have seen and done",
        f"{base}/balance": "Balance of Margaret Chen",
        f"{base}/alerts": "Alerts about Margaret Chen",
        f"{base}/approvals": "Payments of Margaret Chen to approve",
        f"{base}/approvals/{held.id}": "A payment waits for your answer",
        f"{base}/leave": "Stop helping Margaret Chen?",
    }
    for path, h1 in pages.items():
        reply = linda.get(path)
        assert reply.status_code == 200, path
        assert reply.headers["content-security-policy"].startswith("default-src 'self'")
        assert reply.headers["cache-control"] == "no-store"
        _check_structure(reply.text, h1)
        sign_out = {"method": "post", "action": "/helper/sign-out"}
        assert sign_out in shape(reply.text).forms, path
    assert linda.get(PORTAL_CSS.split("?")[0]).status_code == 200


def test_home_says_what_each_customer_allowed_in_plain_words(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    html = linda.get("/helper").text
    text = visible_text(html)
    assert "Margaret Chen lets you:" in text
    for words in (
        "See the balance of their accounts",
        "Get alerts when a payment is paused, approved or cancelled",
        "Approve or decline their larger payments",
        "Join their phone calls with us when they ask for you",
    ):
        assert words in text
    assert "See their recent payments" not in text
    choices = re.findall(r'<a class="choice" href="([^"]+)">([^<]+)</a>', html)
    base = f"/helper/customers/{margaret_id}"
    assert choices == [
        (f"{base}/balance", "Balance of Margaret Chen"),
        (f"{base}/alerts", "Alerts about Margaret Chen"),
        (f"{base}/approvals", "Payments of Margaret Chen to approve"),
    ]
    assert f'href="{base}/leave"' in html


def test_a_helper_with_only_alerts_sees_what_happened_never_the_amount_or_payee(
    web: WebApp,
) -> None:
    margaret_id = web.customer_id()
    amy = confirmed_helper(web, margaret_id, "Amy", NIECE)  # default: only alerts
    held = hold(web, margaret_id)
    base = f"/helper/customers/{margaret_id}"
    alerts = amy.get(f"{base}/alerts")
    assert alerts.status_code == 200
    text = visible_text(alerts.text)
    assert "A payment was paused. It waits for a helper to approve it." in text
    assert "300" not in text and "Tom" not in text and "$" not in text
    for path in ("balance", "payments", "approvals", f"approvals/{held.id}"):
        reply = amy.get(f"{base}/{path}")
        assert reply.status_code == 404, path
        assert "$" not in visible_text(reply.text) and "Tom" not in reply.text
    choices = re.findall(r'<a class="choice" href="([^"]+)">', amy.get("/helper").text)
    assert choices == [f"{base}/alerts"]


def test_the_balance_shows_last_four_digits_and_money_set_aside(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    hold(web, margaret_id)
    text = visible_text(linda.get(f"/helper/customers/{margaret_id}/balance").text)
    bank = banking_service(web.sessions, web.settings)
    for account in bank.list_accounts(margaret_id):
        assert f"ending {account.last4}" in text
    assert "$1,250.00" in text and "$8,400.00" in text
    assert "Of this, $300.00 is set aside for a payment that waits." in text
    assert not re.search(r"\d{7,}", text)  # never a whole account number
    assert audits(web, "helper_viewed_balance")


def test_payments_show_only_with_their_permission(web: WebApp, linda: HelperBrowser) -> None:
    margaret_id = web.customer_id()
    path = f"/helper/customers/{margaret_id}/payments"
    assert linda.get(path).status_code == 404
    (info,) = family(web).find_helpers(margaret_id, "Linda")
    assert family(web).set_permission(margaret_id, info.link_id, VIEW_PAYMENTS, True, "web")
    reply = linda.get(path)
    assert reply.status_code == 200
    assert reply.text.count('<li class="payment">') == 10
    assert re.search(r"\$[\d,]+\.\d\d (in|out)", visible_text(reply.text))
    assert audits(web, "helper_viewed_payments")


def test_a_removed_helper_loses_the_open_page_on_the_next_request(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    balance = f"/helper/customers/{margaret_id}/balance"
    assert linda.get(balance).status_code == 200
    (info,) = family(web).find_helpers(margaret_id, "Linda")
    assert family(web).set_permission(margaret_id, info.link_id, "view_balance", False, "sms")
    assert linda.get(balance).status_code == 404
    assert linda.get(f"/helper/customers/{margaret_id}/alerts").status_code == 200
    assert family(web).remove_helper(margaret_id, info.link_id, "voice")
    for path in ("alerts", "approvals", "leave"):
        assert linda.get(f"/helper/customers/{margaret_id}/{path}").status_code == 404, path
    home = visible_text(linda.get("/helper").text)
    assert "Margaret" not in home
    assert "Nobody has shared their account with you yet." in home


def test_approving_in_the_portal_moves_the_money_once_and_a_second_answer_hears_who_decided(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    sam = confirmed_helper(web, margaret_id, "Sam", SON, {APPROVE_PAYMENTS})
    before, moved = _checking(web), payments_with_key(web, margaret_id)
    held = hold(web, margaret_id)
    page = f"/helper/customers/{margaret_id}/approvals/{held.id}"

    listing = visible_text(linda.get(f"/helper/customers/{margaret_id}/approvals").text)
    assert "$300.00 to Tom" in listing and "Answer by tomorrow at" in listing
    ask = visible_text(linda.get(page).text)
    assert "Margaret Chen asks a helper to approve payments over $200.00." in ask
    assert "Please answer by tomorrow at" in ask
    assert "If nobody answers by then, the payment is cancelled" in ask

    answered = linda.post(page, {"decision": "approve", "note": "Fine, she told me"})
    assert answered.headers["location"] == page
    done = visible_text(linda.get(page).text)
    assert "Thank you. We have saved your answer." in done
    assert "You approved this payment. The money has gone to Tom." in done
    assert _checking(web) == before - 30000
    assert payments_with_key(web, margaret_id) == moved + 1

    late = sam.post(page, {"decision": "decline"})
    assert late.headers["location"] == page
    told = visible_text(sam.get(page).text)
    assert "This payment was decided before your answer came" in told
    assert "Linda Chen already approved this payment." in told
    assert _checking(web) == before - 30000
    assert payments_with_key(web, margaret_id) == moved + 1
    assert len(audits(web, "helper_approved_payment")) == 1
    assert len(audits(web, "helper_declined_payment")) == 1  # Sam's late answer, recorded
    again = linda.post(page, {"decision": "approve"})
    assert again.status_code == 303
    assert payments_with_key(web, margaret_id) == moved + 1


def test_declining_in_the_portal_cancels_the_payment_and_keeps_the_money(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    sam = confirmed_helper(web, margaret_id, "Sam", SON, {APPROVE_PAYMENTS})
    before, moved = _checking(web), payments_with_key(web, margaret_id)
    held = hold(web, margaret_id)
    page = f"/helper/customers/{margaret_id}/approvals/{held.id}"
    assert linda.post(page, {"decision": "decline", "note": "Call me first"}).status_code == 303
    text = visible_text(linda.get(page).text)
    assert "You declined this payment. It did not go, and no money moved." in text
    assert "Linda Chen already declined this payment." in visible_text(sam.get(page).text)
    assert (_checking(web), payments_with_key(web, margaret_id)) == (before, moved)
    bank = banking_service(web.sessions, web.settings)
    assert bank.get_hold(held.id).status == "declined"


def test_an_answer_needs_a_choice_and_a_short_note(web: WebApp, linda: HelperBrowser) -> None:
    margaret_id = web.customer_id()
    held = hold(web, margaret_id)
    page = f"/helper/customers/{margaret_id}/approvals/{held.id}"
    none = linda.post(page, {"decision": "", "note": "hm"})
    assert none.status_code == 200
    assert "Choose approve or decline." in visible_text(none.text)
    assert ">hm</textarea>" in none.text
    long = linda.post(page, {"decision": "approve", "note": "x" * 501})
    assert "Your note is too long" in visible_text(long.text)
    assert banking_service(web.sessions, web.settings).get_hold(held.id).status == "held"


def test_after_the_deadline_the_page_says_the_time_ran_out(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    before = _checking(web)
    held = hold(web, margaret_id)
    with web.sessions() as session, session.begin():
        session.execute(
            update(HoldCondition)
            .where(HoldCondition.hold_id == held.id)
            .values(deadline=utcnow() - timedelta(minutes=1))
        )
    page = f"/helper/customers/{margaret_id}/approvals/{held.id}"
    shown = linda.get(page)
    assert 'name="decision"' not in shown.text
    assert "The time to answer ran out" in visible_text(shown.text)
    assert linda.post(page, {"decision": "approve"}, token_from="/helper").status_code == 303
    text = visible_text(linda.get(page).text)
    assert "Sorry, the time to answer had run out before your answer came." in text
    assert "The time to answer ran out, so the payment was cancelled. No money moved." in text
    assert _checking(web) == before


def test_a_payment_the_customer_cancelled_says_so(web: WebApp, linda: HelperBrowser) -> None:
    margaret_id = web.customer_id()
    held = hold(web, margaret_id)
    bank = banking_service(web.sessions, web.settings)
    bank.cancel_hold(margaret_id, held.id, f"customer:{margaret_id}")
    page = f"/helper/customers/{margaret_id}/approvals/{held.id}"
    text = visible_text(linda.get(page).text)
    assert "Margaret Chen cancelled this payment. No money moved." in text
    assert "No payments are waiting for you now." in visible_text(
        linda.get(f"/helper/customers/{margaret_id}/approvals").text
    )


def test_leaving_asks_first_then_ends_the_link_at_once(web: WebApp, linda: HelperBrowser) -> None:
    margaret_id, linda_id = web.customer_id(), _linda_id(web)
    ask = visible_text(linda.get(f"/helper/customers/{margaret_id}/leave").text)
    assert "You will no longer see anything of the account of Margaret Chen" in ask
    assert family(web).customers_of(linda_id)  # asking changed nothing
    left = linda.post(f"/helper/customers/{margaret_id}/leave", {})
    assert left.headers["location"] == "/helper"
    assert "You no longer help Margaret Chen." in visible_text(linda.get("/helper").text)
    assert family(web).customers_of(linda_id) == []
    assert linda.get(f"/helper/customers/{margaret_id}/balance").status_code == 404
    assert audits(web, "helper_left")


def _linda_id(web: WebApp) -> int:
    (linda,) = family(web).find_helpers(web.customer_id(), "Linda")
    return linda.helper_id


def test_the_history_lists_what_the_helper_saw_and_did_newest_first(
    web: WebApp, linda: HelperBrowser
) -> None:
    margaret_id = web.customer_id()
    linda.get(f"/helper/customers/{margaret_id}/balance")
    linda.get(f"/helper/customers/{margaret_id}/payments")  # not allowed
    linda.get(f"/helper/customers/{margaret_id}/alerts")
    html = linda.get("/helper/activity").text
    rows = re.findall(r'<p class="payment-description">([^<]+)</p>', html)
    assert rows == [
        "You looked at the alerts about Margaret Chen.",
        "You tried to open a page of Margaret Chen that you may not see.",
        "You looked at the balance of Margaret Chen.",
        "You signed in.",
    ]
    text = visible_text(html)
    assert "today at" in text and "On this website" in text


def test_the_history_never_names_a_customer_who_is_not_theirs(
    web: WebApp, linda: HelperBrowser
) -> None:
    from assistant.demo import RAVI_PHONE

    ravi_id = web.customer_id(RAVI_PHONE)
    assert linda.get(f"/helper/customers/{ravi_id}/balance").status_code == 404
    text = visible_text(linda.get("/helper/activity").text)
    assert "You tried to open a page that you may not see." in text
    assert "Ravi" not in text


def test_who_looked_names_the_helpers_portal_views(web: WebApp, linda: HelperBrowser) -> None:
    margaret_id = web.customer_id()
    linda.get(f"/helper/customers/{margaret_id}/balance")
    (latest,) = family(web).who_looked(margaret_id, limit=1)
    assert (latest.helper_name, latest.what, latest.channel) == ("Linda Chen", "balance", "portal")
