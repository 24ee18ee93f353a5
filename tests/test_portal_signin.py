"""Signing in to the helper portal (issue 9 item 2): a phone number, then a code by text. Every
number gets the same answer and only invited or linked numbers get a text; wrong, used and old
codes get one kind answer; an invitation's code signs in and accepts at once, and nothing of the
customer shows until they confirm; the portal's cookie and the customer pages' never open each
other; every form needs its CSRF token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from assistant.db import utcnow
from assistant.demo import RAVI_PHONE
from family.links.models import HelperCode
from family.links.permissions import APPROVE_PAYMENTS, VIEW_BALANCE
from tests.portal_support import (
    LINDA_PHONE,
    SON,
    STRANGER,
    HelperBrowser,
    audits,
    confirmed_helper,
    family,
    helper_browser,
    hold,
    invite,
    last_code,
    texts_to,
)
from tests.web_support import Browser, WebApp, shape, visible_text

KIND_NO = "That code did not work. It may be mistyped, used already or too old."


@pytest.fixture
def linda(web: WebApp) -> HelperBrowser:
    browser = helper_browser(web)
    browser.sign_in(web)
    return browser


def _main_text(html: str) -> str:
    """The words of the page's main content (no token, no cookie)."""
    start, end = html.index("<main"), html.index("</main>")
    return visible_text(html[start:end])


def test_signed_out_the_portal_sends_you_to_its_own_sign_in(web: WebApp) -> None:
    guest = helper_browser(web)
    for path in ("/helper", "/helper/activity", "/helper/customers/1/balance"):
        reply = guest.get(path)
        assert reply.status_code == 303, path
        assert reply.headers["location"] == "/helper/sign-in", path
    page = guest.get("/helper/sign-in")
    assert page.status_code == 200
    assert shape(page.text).h1 == ["Sign in as a helper"]
    assert "never ask for a PIN" in visible_text(page.text)
    assert guest.get("/helper/sign-in/code").headers["location"] == "/helper/sign-in"


def test_every_number_gets_the_same_answer_and_only_helpers_get_a_text(web: WebApp) -> None:
    margaret_id = web.customer_id()
    invite(web, margaret_id, "Sam", SON)
    answers = {}
    for phone in (LINDA_PHONE, SON, STRANGER, RAVI_PHONE):
        browser = helper_browser(web)
        reply = browser.ask_code(phone)
        assert reply.status_code == 303
        assert reply.headers["location"] == "/helper/sign-in/code"
        answers[phone] = _main_text(browser.get("/helper/sign-in/code").text)
    assert len(set(answers.values())) == 1
    assert "If this number can use the helper service, we have sent it a code." in answers[SON]
    assert len(texts_to(web, LINDA_PHONE)) == 1
    assert len(texts_to(web, SON)) == 2  # the invitation, then a sign-in code
    assert texts_to(web, STRANGER) == []
    assert texts_to(web, RAVI_PHONE) == []  # a customer, but nobody's helper
    sign_in_text = texts_to(web, LINDA_PHONE)[0].body
    assert "sign-in code" in sign_in_text and "never ask for it" in sign_in_text


def test_past_the_cap_a_number_gets_the_same_answer_and_no_more_texts(web: WebApp) -> None:
    most = web.settings.helper_codes_per_number_per_hour
    for _ in range(most + 2):
        browser = helper_browser(web)
        assert browser.ask_code(LINDA_PHONE).headers["location"] == "/helper/sign-in/code"
    assert len(texts_to(web, LINDA_PHONE)) == most


def test_a_number_is_read_with_its_area_code_and_a_wrong_one_is_explained(web: WebApp) -> None:
    browser = helper_browser(web)
    empty = browser.ask_code("")
    assert empty.status_code == 200
    assert "Enter your mobile phone number." in visible_text(empty.text)
    assert "There is a problem" in empty.text
    wrong = browser.ask_code("12")
    assert "Enter a mobile phone number with its area code" in visible_text(wrong.text)
    assert 'value="12"' in wrong.text
    assert browser.ask_code("(555) 010-0003").status_code == 303  # Linda, typed locally
    assert len(texts_to(web, LINDA_PHONE)) == 1


def test_the_code_from_the_text_signs_in_and_sign_out_ends_the_session(web: WebApp) -> None:
    browser = helper_browser(web)
    browser.sign_in(web)
    assert browser.cookie
    home = browser.get("/helper")
    assert home.status_code == 200
    assert shape(home.text).h1 == ["People you help"]
    assert "Hello Linda Chen" in visible_text(home.text)
    assert audits(web, "helper_signed_in")
    out = browser.post("/helper/sign-out", {}, token_from="/helper")
    assert out.headers["location"] == "/helper/sign-in?notice=signed-out"
    assert "You are signed out." in visible_text(browser.get(out.headers["location"]).text)
    assert browser.get("/helper").headers["location"] == "/helper/sign-in"


@pytest.mark.parametrize("typed", ["", "12345", "abcdef", "1234567"])
def test_a_code_that_is_not_six_numbers_is_explained(web: WebApp, typed: str) -> None:
    browser = helper_browser(web)
    browser.ask_code(LINDA_PHONE)
    reply = browser.enter_code(typed)
    assert reply.status_code == 200
    text = visible_text(reply.text)
    assert "There is a problem" in text
    assert ("Enter the code" in text) if not typed else ("The code is 6 numbers" in text)


def test_a_wrong_code_gets_a_kind_answer_and_five_wrong_ones_end_the_code(web: WebApp) -> None:
    browser = helper_browser(web)
    browser.ask_code(LINDA_PHONE)
    right = last_code(web, LINDA_PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(web.settings.helper_code_max_tries):
        reply = browser.enter_code(wrong)
        assert reply.status_code == 200
        assert KIND_NO in visible_text(reply.text)
    late = browser.enter_code(right)
    assert KIND_NO in visible_text(late.text)
    assert not browser.cookie or browser.get("/helper").status_code == 303


def test_a_used_code_does_not_sign_in_again(web: WebApp) -> None:
    first = helper_browser(web)
    first.sign_in(web)
    code = last_code(web, LINDA_PHONE)
    second = helper_browser(web)
    second.ask_code(LINDA_PHONE)  # a new code is sent; the old one stays used
    reply = second.enter_code(code)
    assert KIND_NO in visible_text(reply.text)
    assert second.get("/helper").headers["location"] == "/helper/sign-in"


def test_an_old_code_does_not_sign_in(web: WebApp) -> None:
    browser = helper_browser(web)
    browser.ask_code(LINDA_PHONE)
    code = last_code(web, LINDA_PHONE)
    with web.sessions() as session, session.begin():
        session.execute(update(HelperCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert KIND_NO in visible_text(browser.enter_code(code).text)
    assert browser.get("/helper").headers["location"] == "/helper/sign-in"


def test_the_invitation_code_signs_in_and_accepts_but_nothing_shows_until_the_customer_confirms(
    web: WebApp,
) -> None:
    margaret_id = web.customer_id()
    code = invite(web, margaret_id, "Sam", SON, {VIEW_BALANCE})
    sam = helper_browser(web)
    sam.ask_code(SON)
    signed_in = sam.enter_code(code)
    assert signed_in.headers["location"] == "/helper"
    home = visible_text(sam.get("/helper").text)
    assert "You accepted the invitation from Margaret Chen." in home
    assert "Margaret Chen has not confirmed you yet." in home
    assert "Balance of Margaret Chen" not in home
    before = sam.get(f"/helper/customers/{margaret_id}/balance")
    assert before.status_code == 404 and "$" not in visible_text(before.text)
    assert audits(web, "helper_accepted")

    (pending,) = family(web).pending_confirmations(margaret_id)
    assert family(web).confirm_helper(margaret_id, pending.link_id, True, "sms")
    after = visible_text(sam.get("/helper").text)
    assert "has not confirmed you yet" not in after
    assert "Balance of Margaret Chen" in after
    assert "$1,250.00" in visible_text(sam.get(f"/helper/customers/{margaret_id}/balance").text)


def test_a_signed_in_helper_accepts_another_invitation_with_its_code(
    web: WebApp, linda: HelperBrowser
) -> None:
    ravi_id = web.customer_id(RAVI_PHONE)
    code = invite(web, ravi_id, "Linda", LINDA_PHONE)
    home = visible_text(linda.get("/helper").text)
    assert "Invitations for you" in home and "Ravi Kumar has asked you to help." in home
    wrong = linda.post("/helper/invitations", {"code": "999999" if code != "999999" else "1"})
    assert wrong.status_code == 200
    assert KIND_NO in visible_text(wrong.text)
    accepted = linda.post("/helper/invitations", {"code": code}, token_from="/helper")
    assert accepted.headers["location"] == "/helper"
    home = visible_text(linda.get("/helper").text)
    assert "You accepted the invitation from Ravi Kumar." in home
    assert "Ravi Kumar has not confirmed you yet." in home
    again = linda.post("/helper/invitations", {"code": code}, token_from="/helper")
    assert KIND_NO in visible_text(again.text)


def test_the_portal_cookie_opens_no_customer_page_and_the_customer_cookie_no_portal_page(
    web: WebApp, linda: HelperBrowser, margaret: Browser
) -> None:
    helper_token, customer_token = linda.cookie, margaret.cookie
    assert helper_token and customer_token
    stranger = web.browser()
    stranger.client.cookies.set("kb_session", helper_token)
    assert stranger.get("/balance").headers["location"] == "/sign-in"
    other = helper_browser(web)
    other.client.cookies.set("kb_helper", customer_token)
    assert other.get("/helper").headers["location"] == "/helper/sign-in"
    assert other.get(f"/helper/customers/{web.customer_id()}/balance").status_code == 303
    # each still works with its own
    assert linda.get("/helper").status_code == 200
    assert margaret.get("/balance").status_code == 200


def _posts(web: WebApp) -> list[tuple[str, dict]]:
    margaret_id = web.customer_id()
    held = hold(web, margaret_id)
    return [
        ("/helper/sign-in", {"phone": SON}),
        ("/helper/sign-in/code", {"code": "123456"}),
        ("/helper/sign-out", {}),
        ("/helper/invitations", {"code": "123456"}),
        (f"/helper/customers/{margaret_id}/approvals/{held.id}", {"decision": "approve"}),
        (f"/helper/customers/{margaret_id}/leave", {}),
    ]


def test_every_form_of_the_portal_needs_its_csrf_token(web: WebApp, linda: HelperBrowser) -> None:
    posts = _posts(web)
    assert {path.split("/")[-1] for path, _ in posts} >= {"sign-in", "code", "leave"}
    for path, form in posts:
        for token in (None, "not-the-token"):
            data = dict(form)
            if token is not None:
                data["csrf_token"] = token
            reply = linda.client.post(path, data=data, follow_redirects=False)
            assert reply.status_code == 403, path
            assert shape(reply.text).h1 == ["Sorry, that did not work"], path
    # nothing happened: still signed in, still Margaret's helper, the payment still waits
    assert linda.get("/helper").status_code == 200
    margaret_id = web.customer_id()
    (item,) = family(web).pending_approvals(_linda_id(web), margaret_id)
    assert item.waiting
    assert texts_to(web, SON) == []


def test_each_route_is_covered_by_the_csrf_test(web: WebApp) -> None:
    """Every POST route of the portal is in the CSRF test's list (a new one must be added)."""
    from family.portal.routes import router

    posted = {
        route.path.replace("{customer_id:int}", "C").replace("{hold_id:int}", "H")
        for route in router.routes
        if "POST" in getattr(route, "methods", set())
    }
    assert posted == {
        "/helper/sign-in",
        "/helper/sign-in/code",
        "/helper/sign-out",
        "/helper/invitations",
        "/helper/customers/C/approvals/H",
        "/helper/customers/C/leave",
    }


def _linda_id(web: WebApp) -> int:
    (linda,) = family(web).find_helpers(web.customer_id(), "Linda")
    return linda.helper_id


def test_a_new_helper_who_may_approve_sees_the_approvals_page(web: WebApp) -> None:
    margaret_id = web.customer_id()
    sam = confirmed_helper(web, margaret_id, "Sam", SON, {APPROVE_PAYMENTS})
    reply = sam.get(f"/helper/customers/{margaret_id}/approvals")
    assert reply.status_code == 200
    assert "No payments are waiting for you now." in visible_text(reply.text)
