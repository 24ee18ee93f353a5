"""Signing staff in to the admin console (issue 10 item 2): a username and a password, the same
answer for an unknown username and a wrong password, failures throttled per username and per
client address, a new session owned by the staff user at sign-in, sign-out, CSRF on every form,
the kit's security headers, and its own cookie: a customer's or a helper's is never accepted,
and the console's opens neither of theirs. Every sign-in and sign-out is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from assistant.models import StaffUser
from tests.admin_support import (
    AGENT,
    FRAUDOPS,
    STAFF_PASSWORD,
    StaffBrowser,
    add_staff,
    audits,
    staff_browser,
)
from tests.portal_support import helper_browser
from tests.web_support import Browser, WebApp, shape, visible_text, web_sessions

CONSOLE_PAGES = (
    "/admin",
    "/admin/interventions",
    "/admin/interventions/1",
    "/admin/held-payments",
    "/admin/held-payments/1",
)
FAILED = "The username or password is not right. Check them and try again."
TOO_MANY = "There have been too many tries to sign in. Wait 15 minutes, then try again."


def _main_text(html: str) -> str:
    start, end = html.index("<main"), html.index("</main>")
    return visible_text(html[start:end])


def test_signed_out_every_console_page_sends_you_to_its_own_sign_in(web: WebApp) -> None:
    guest = staff_browser(web)
    for path in CONSOLE_PAGES:
        reply = guest.get(path)
        assert (reply.status_code, reply.headers["location"]) == (303, "/admin/sign-in"), path
    page = guest.get("/admin/sign-in")
    assert page.status_code == 200
    assert shape(page.text).h1 == ["Sign in to the staff console"]
    assert 'autocomplete="current-password"' in page.text and 'type="password"' in page.text


def test_fraud_staff_sign_in_with_a_new_session_and_sign_out_ends_it(web: WebApp) -> None:
    browser = staff_browser(web)
    browser.get("/admin/sign-in")
    before = browser.cookie
    assert before  # the signed-out session carries the form's CSRF token
    browser.signed_in()
    assert browser.cookie and browser.cookie != before  # no session fixation
    (session,) = [s for s in web_sessions(web.sessions) if s.page_set == "admin"]
    assert session.staff_id is not None and session.customer_id is None
    home = browser.get("/admin")
    assert shape(home.text).h1 == ["Staff console"]
    assert "Signed in as fraudops, fraud operations" in visible_text(home.text)
    (signed_in,) = audits(web, "staff_signed_in")
    assert signed_in.actor == "staff:fraudops" and signed_in.detail["role"] == "fraud"

    out = browser.form("/admin/sign-out", {})
    assert out.headers["location"] == "/admin/sign-in?notice=signed-out"
    assert "You are signed out." in visible_text(browser.get(out.headers["location"]).text)
    assert browser.get("/admin").headers["location"] == "/admin/sign-in"
    assert [s for s in web_sessions(web.sessions) if s.staff_id is not None] == []
    (signed_out,) = audits(web, "staff_signed_out")
    assert signed_out.actor == "staff:fraudops"


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(web: WebApp) -> None:
    answers = {}
    for username, password in (("fraudops", "wrong-password"), ("nobody", "fraudops-demo")):
        reply = staff_browser(web).sign_in(username, password)
        assert reply.status_code == 200
        answers[username] = _main_text(reply.text).replace(username, "<typed>")
        assert FAILED in answers[username]
        assert "There is a problem" in reply.text
    assert answers["fraudops"] == answers["nobody"]
    failed = audits(web, "staff_sign_in_failed")
    assert [a.actor for a in failed] == ["system", "system"]
    assert "wrong-password" not in str([a.detail for a in failed])
    assert "fraudops-demo" not in str([a.detail for a in failed])
    assert audits(web, "staff_signed_in") == []


def test_an_empty_username_or_password_is_explained_field_by_field(web: WebApp) -> None:
    reply = staff_browser(web).sign_in("", "")
    text = visible_text(reply.text)
    assert "Enter your username." in text and "Enter your password." in text
    assert 'href="#username"' in reply.text and 'href="#password"' in reply.text
    assert audits(web, "staff_sign_in_failed") == []  # nothing was tried


def test_failures_for_one_username_are_throttled_even_with_the_right_password(
    web: WebApp,
) -> None:
    most = web.settings.staff_sign_in_failures_per_user
    for _ in range(most):
        assert FAILED in visible_text(staff_browser(web).sign_in("fraudops", "guess").text)
    reply = staff_browser(web).sign_in(*FRAUDOPS)
    assert reply.status_code == 200 and TOO_MANY in visible_text(reply.text)
    assert audits(web, "staff_sign_in_throttled")
    # an unknown username is throttled the same way, so the answer never tells which exists
    for _ in range(most):
        staff_browser(web).sign_in("nobody", "guess")
    assert TOO_MANY in visible_text(staff_browser(web).sign_in("nobody", "guess").text)
    # another staff user from the same address is not held up by these
    assert staff_browser(web).sign_in(*AGENT).status_code == 303


def test_failures_from_one_address_are_throttled_across_usernames(web: WebApp) -> None:
    most = web.settings.staff_sign_in_failures_per_address
    for i in range(most):
        staff_browser(web).sign_in(f"user{i}", "guess")
    reply = staff_browser(web).sign_in(*FRAUDOPS)
    assert TOO_MANY in visible_text(reply.text)
    assert audits(web, "staff_signed_in") == []


def test_every_console_form_needs_the_sessions_csrf_token(web: WebApp) -> None:
    guest = staff_browser(web)
    for token in ("", "wrong"):
        reply = guest.post("/admin/sign-in", {"username": "fraudops", "password": "x"}, csrf=token)
        assert reply.status_code == 403
        assert "we could not accept that form" in visible_text(reply.text)
    assert audits(web, "staff_sign_in_failed") == []  # the password was never checked
    browser = staff_browser(web).signed_in()
    assert browser.post("/admin/sign-out", {}, csrf="wrong").status_code == 403
    assert browser.get("/admin").status_code == 200  # still signed in


def test_the_console_has_the_kits_security_headers_and_its_own_cookie(web: WebApp) -> None:
    browser = staff_browser(web).signed_in()
    for path in ("/admin", "/admin/sign-in", "/admin/nothing-here"):
        reply = browser.get(path)
        assert "frame-ancestors 'none'" in reply.headers["content-security-policy"], path
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["cache-control"] == "no-store"
    assert browser.get("/admin/nothing-here").status_code == 404
    css = browser.get("/static/admin/admin.css")
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"
    set_cookie = staff_browser(web).get("/admin/sign-in").headers["set-cookie"]
    assert set_cookie.startswith("kb_staff=") and "HttpOnly" in set_cookie
    assert "samesite=lax" in set_cookie.lower()


def test_a_customers_or_helpers_cookie_never_opens_the_console(
    web: WebApp, margaret: Browser
) -> None:
    linda = helper_browser(web)
    linda.sign_in(web)
    for token in (margaret.cookie, linda.cookie):
        assert token
        stranger = StaffBrowser(web.app)
        stranger.client.cookies.set("kb_staff", token)
        assert stranger.get("/admin").headers["location"] == "/admin/sign-in"
        assert stranger.get("/admin/held-payments").headers["location"] == "/admin/sign-in"
    # and the console's cookie opens neither the customer pages nor the helper portal
    staff = staff_browser(web).signed_in()
    customer = Browser(web.app)
    customer.client.cookies.set("kb_session", staff.cookie)
    assert customer.get("/").headers["location"] == "/sign-in"
    helper = helper_browser(web)
    helper.client.cookies.set("kb_helper", staff.cookie)
    assert helper.get("/helper").headers["location"] == "/helper/sign-in"


def test_a_role_taken_away_counts_on_the_next_request(web: WebApp) -> None:
    add_staff(web, "casey", "admin")
    casey = staff_browser(web).signed_in("casey", STAFF_PASSWORD)
    assert "Signed in as casey, administrator" in visible_text(casey.get("/admin").text)
    assert casey.get("/admin/held-payments").status_code == 200
    with web.sessions() as session, session.begin():
        session.execute(update(StaffUser).where(StaffUser.username == "casey").values(role="agent"))
    assert casey.get("/admin/held-payments").status_code == 403


@pytest.mark.parametrize("path", ["/admin", "/admin/sign-in", "/admin/help"])
def test_every_console_page_has_the_kits_layout_and_its_help_in_the_header(
    web: WebApp, path: str
) -> None:
    reply = staff_browser(web).signed_in().get(path)
    if path == "/admin/sign-in":
        reply = staff_browser(web).get(path)
    page = shape(reply.text)
    assert page.lang == "en" and page.main_ids == ["main-content"]
    assert page.skip_links == ["#main-content"] and len(page.h1) == 1
    assert page.header_links[:2] == ["Kindly Bank=/admin", "Get help=/admin/help"]
    assert page.inline_scripts == 0 and page.style_attributes == 0
