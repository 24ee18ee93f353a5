"""The web pages' sign-in, sign-out and session security (server-side sessions, CSRF, cookies,
headers). The real conversation store, identity service and ledger on a seeded SQLite bank;
only Rasa is faked."""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, List

import pytest
from sqlalchemy import update

from assistant import identity as identity_module
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.models import utcnow
from assistant.texts import text as say
from assistant.webkit.models import WebSession
from tests.web_support import (
    MARGARET_PIN,
    RAVI_PIN,
    Browser,
    WebApp,
    customer_row,
    make_web_app,
    shape,
    visible_text,
    web_sessions,
)

# The same words for every failed sign-in (the English catalogue's source text).
SIGN_IN_FAILED = (
    "The phone number or PIN is not right, or the PIN has been tried too many times. "
    "Check them and try again, or call us on 1-800-555-0199."
)

# ---- sign in ----------------------------------------------------------------------------------


def test_signed_out_the_start_page_sends_you_to_sign_in(web: WebApp) -> None:
    reply = web.browser().get("/")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/sign-in"


def test_the_sign_in_page_has_the_fields_the_contract_names(web: WebApp) -> None:
    page = web.browser().get("/sign-in")
    assert page.status_code == 200
    html = page.text
    assert shape(html).h1 == ["Sign in"]
    assert '<form method="post" action="/sign-in"' in html
    for needle in (
        'id="phone" name="phone" type="tel" autocomplete="tel"',
        '<label class="label" for="phone">Your phone number</label>',
        '<label class="label" for="pin">Your PIN</label>',
        'id="pin" name="pin" type="password" inputmode="numeric" autocomplete="current-password"',
        'name="csrf_token"',
        ">Show PIN</button>",
        '<button type="submit" class="button" data-prevent-double-click>Sign in</button>',
    ):
        assert needle in html
    assert "onpaste" not in html  # pasting a PIN is allowed


def test_the_right_pin_signs_in_and_verifies_the_web_conversation(web: WebApp) -> None:
    browser = web.browser()
    browser.get("/sign-in")
    before = browser.cookie
    reply = browser.sign_in()
    assert reply.status_code == 303
    assert reply.headers["location"] == "/"
    assert browser.cookie and browser.cookie != before  # a new session at sign-in

    (row,) = web_sessions(web.sessions)
    margaret = web.customer_id()
    assert row.customer_id == margaret
    conversation = web.conversations.get(row.conversation_id)
    assert conversation.channel == "web"
    assert web.conversations.verified_customer_id(row.conversation_id) == margaret

    home = browser.get("/")
    assert home.status_code == 200
    assert shape(home.text).h1 == ["What would you like to do?"]
    assert "Hello Margaret" in visible_text(home.text)


def test_a_local_phone_number_is_read_as_the_banks_country(web: WebApp) -> None:
    reply = web.browser().sign_in(phone="(555) 010-0001")
    assert reply.status_code == 303


def test_the_old_session_token_is_worthless_after_sign_in(web: WebApp) -> None:
    browser = web.browser()
    browser.get("/sign-in")
    planted = browser.cookie
    browser.sign_in()
    attacker = web.browser()
    attacker.client.cookies.set("kb_session", planted)
    assert attacker.get("/balance").status_code == 303


def test_a_wrong_pin_shows_an_error_summary_linked_to_the_pin(web: WebApp) -> None:
    browser = web.browser()
    reply = browser.sign_in(pin="1111")
    assert reply.status_code == 200
    html = reply.text
    text = visible_text(html)
    assert "There is a problem" in text
    assert SIGN_IN_FAILED in text
    assert "tries left" not in text  # the same words for every failure
    assert '<a href="#pin">The phone number or PIN is not right,' in html
    assert 'id="pin-error"' in html
    assert shape(html).h1 == ["Sign in"]
    assert "<title>Error: Sign in - Kindly Bank</title>" in html
    assert 'value="1111"' not in html  # the PIN is never sent back
    assert f'value="{MARGARET_PHONE}"' in html  # the phone number is kept
    assert customer_row(web.sessions).pin_failed_count == 1


@pytest.mark.parametrize(
    ("phone", "pin", "field", "message"),
    [
        ("", MARGARET_PIN, "phone", "Enter your phone number."),
        (
            "12",
            MARGARET_PIN,
            "phone",
            "Enter your phone number with its area code, like (555) 010-0001.",
        ),
        (MARGARET_PHONE, "", "pin", "Enter your PIN."),
        (MARGARET_PHONE, "24a8", "pin", "Your PIN is 4 to 6 numbers. Enter only numbers."),
        ("+15559990000", MARGARET_PIN, "pin", SIGN_IN_FAILED),
    ],
)
def test_missing_or_unusable_answers_are_explained_and_not_counted(
    web: WebApp, phone: str, pin: str, field: str, message: str
) -> None:
    reply = web.browser().sign_in(phone=phone, pin=pin)
    assert reply.status_code == 200
    assert f'<a href="#{field}">{message}</a>' in reply.text
    assert customer_row(web.sessions).pin_failed_count == 0


def test_the_lockout_is_shared_with_the_other_channels(web: WebApp) -> None:
    margaret = web.customer_id()
    for _ in range(4):  # four wrong PINs on the phone
        assert not web.identity.verify_pin(margaret, "1111", "voice").ok
    browser = web.browser()
    locked = browser.sign_in(pin="1111")  # the fifth, on the web, locks
    assert web.identity.locked_until(margaret) is not None
    message = SIGN_IN_FAILED  # the same words as any failure
    assert message in visible_text(locked.text)

    again = browser.sign_in()  # even the right PIN is refused while locked
    assert again.status_code == 200
    assert message in visible_text(again.text)
    assert web_sessions(web.sessions)[0].customer_id is None
    # ... and the lock holds on the phone too
    assert web.identity.verify_pin(margaret, MARGARET_PIN, "voice").locked_until is not None


def _sign_in_error(reply: Any) -> str:
    match = re.search(r'<a href="#pin">([^<]*)</a>', reply.text)
    assert reply.status_code == 200 and match, reply.text
    return html.unescape(match.group(1))


def at_address(app: Any, host: str) -> Any:
    """``app`` as reached from ``host`` (the peer address of every request)."""

    async def asgi(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (host, 50123)}
        await app(scope, receive, send)

    return asgi


def test_every_failed_sign_in_gets_the_same_words_after_the_same_argon2_work(
    web: WebApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: List[str] = []
    real_check = identity_module.check_pin
    monkeypatch.setattr(
        identity_module, "check_pin", lambda h, p: checks.append(p) or real_check(h, p)
    )
    margaret = web.customer_id()
    errors = {"unknown number": _sign_in_error(web.browser().sign_in(phone="+15559990000"))}
    unknown_checks, checks[:] = len(checks), []
    errors["wrong PIN"] = _sign_in_error(web.browser().sign_in(pin="1111"))
    wrong_checks = len(checks)
    for _ in range(3):
        web.identity.verify_pin(margaret, "1111", "sms")
    errors["last try"] = _sign_in_error(web.browser().sign_in(pin="1111"))
    assert web.identity.locked_until(margaret) is not None
    errors["locked"] = _sign_in_error(web.browser().sign_in())  # the right PIN, while locked
    assert set(errors.values()) == {SIGN_IN_FAILED}, errors
    assert unknown_checks == wrong_checks == 1  # one argon2 check each (a dummy hash for one)


def test_one_address_trying_many_numbers_is_throttled_before_it_locks_out_two(
    web: WebApp,
) -> None:
    attacker = Browser(at_address(web.app, "203.0.113.9"))
    numbers = [MARGARET_PHONE, RAVI_PHONE, "+15559990000", "+15559990001"]
    replies = [attacker.sign_in(phone=number, pin="1111") for number in numbers for _ in range(5)]
    margaret, ravi = web.customer_id(), web.customer_id(RAVI_PHONE)
    assert web.identity.locked_until(margaret) is not None
    assert web.identity.locked_until(ravi) is None
    assert customer_row(web.sessions, RAVI_PHONE).pin_failed_count == 3  # then no more checks
    throttled = _sign_in_error(replies[-1])
    assert throttled == say("pin_throttled", "web", minutes=15)
    assert _sign_in_error(replies[7]) == SIGN_IN_FAILED  # the 8th was still checked
    assert _sign_in_error(replies[8]) == throttled
    # Ravi, from his own address, signs in.
    ravi_browser = Browser(at_address(web.app, "198.51.100.7"))
    assert ravi_browser.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    demo_template: Path, tmp_path: Path
) -> None:
    web = make_web_app(demo_template, tmp_path, trusted_proxies="10.0.0.0/8")
    try:
        proxy = Browser(at_address(web.app, "10.1.2.3"))
        proxy.client.headers["X-Forwarded-For"] = "203.0.113.9"
        for _ in range(8):
            assert _sign_in_error(proxy.sign_in(phone="+15559990000")) == SIGN_IN_FAILED
        throttled = say("pin_throttled", "web", minutes=15)
        assert _sign_in_error(proxy.sign_in(phone="+15559990001")) == throttled
        # Another client behind the same proxy is not throttled ...
        proxy.client.headers["X-Forwarded-For"] = "198.51.100.7"
        assert _sign_in_error(proxy.sign_in(phone="+15559990001")) == SIGN_IN_FAILED
        # ... and a client that is not a proxy cannot borrow (or shed) an address.
        direct = Browser(at_address(web.app, "192.0.2.5"))
        direct.client.headers["X-Forwarded-For"] = "203.0.113.9"
        assert _sign_in_error(direct.sign_in(phone="+15559990001")) == SIGN_IN_FAILED
        direct = Browser(at_address(web.app, "203.0.113.9"))
        direct.client.headers["X-Forwarded-For"] = "198.51.100.8"
        assert _sign_in_error(direct.sign_in(phone="+15559990001")) == throttled
    finally:
        web.close()


def test_the_pin_never_reaches_the_logs_or_the_session_table(
    web: WebApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    browser = web.browser()
    browser.sign_in(pin="9753")
    browser.sign_in()
    browser.post("/ask", {"message": f"is {MARGARET_PIN} my pin", "message_id": "m" * 12})
    for row in web_sessions(web.sessions):
        stored = f"{row.id} {row.csrf_token} {row.data}"
        assert MARGARET_PIN not in stored and "9753" not in stored
    assert MARGARET_PIN not in caplog.text and "9753" not in caplog.text


# ---- sign out ---------------------------------------------------------------------------------


def test_sign_out_ends_this_session_only(web: WebApp) -> None:
    here, elsewhere = web.browser(), web.browser()
    here.sign_in()
    elsewhere.sign_in()
    conversation = next(
        row.conversation_id for row in web_sessions(web.sessions) if row.id
    )  # any one: both verified
    assert web.conversations.verified_customer_id(conversation) is not None

    reply = here.post("/sign-out", {}, token_from="/")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/sign-in?notice=signed-out"
    assert "kb_session" not in here.client.cookies
    assert here.get("/balance").status_code == 303
    assert elsewhere.get("/balance").status_code == 200
    assert len(web_sessions(web.sessions)) == 1
    assert "You are signed out." in visible_text(here.client.get(reply.headers["location"]).text)


def test_sign_out_everywhere_revokes_every_session_of_the_customer(web: WebApp) -> None:
    here, laptop, ravi = web.browser(), web.browser(), web.browser()
    here.sign_in()
    laptop.sign_in()
    ravi.sign_in(phone="+15550100002", pin="1357")
    conversations = [
        row.conversation_id
        for row in web_sessions(web.sessions)
        if row.customer_id == web.customer_id()
    ]

    reply = here.post("/sign-out-everywhere", {}, token_from="/settings")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/sign-in?notice=signed-out-everywhere"
    assert laptop.get("/balance").status_code == 303
    assert here.get("/").headers["location"] == "/sign-in"
    assert ravi.get("/balance").status_code == 200  # other customers are untouched
    for conversation in conversations:
        assert web.conversations.verified_customer_id(conversation) is None


# ---- sessions expire, but not quickly -----------------------------------------------------------


def _age_sessions(web: WebApp, minutes: int) -> None:
    with web.sessions() as session, session.begin():
        session.execute(
            update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )


def test_an_hour_away_keeps_the_session_and_a_half_filled_form(web: WebApp) -> None:
    browser = web.browser()
    browser.sign_in()
    browser.post("/send", {"recipient": _payee_value(web, "Tom")})
    _age_sessions(web, 61)
    page = browser.get("/send/amount")
    assert page.status_code == 200
    assert "How much do you want to send?" in page.text


def test_a_long_idle_session_expires(web: WebApp) -> None:
    browser = web.browser()
    browser.sign_in()
    _age_sessions(web, web.settings.web_session_idle_minutes + 1)
    assert browser.get("/balance").headers["location"] == "/sign-in"
    assert web_sessions(web.sessions) == []


def _payee_value(web: WebApp, name: str) -> str:
    payee = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == name)
    return f"payee:{payee.id}"


# ---- CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_form_without_the_sessions_token_is_refused_kindly(web: WebApp, token: str) -> None:
    browser = web.browser()
    browser.sign_in()
    form = {"recipient": _payee_value(web, "Tom")}
    if token is not None:
        form["csrf_token"] = token
    reply = browser.client.post("/send", data=form, follow_redirects=False)
    assert reply.status_code == 403
    assert shape(reply.text).h1 == ["Sorry, that did not work"]
    assert "no money has moved" in visible_text(reply.text)
    assert reply.headers["content-security-policy"].startswith("default-src 'self'")


def test_another_sessions_token_is_refused(web: WebApp) -> None:
    mine, theirs = web.browser(), web.browser()
    mine.sign_in()
    theirs.sign_in(phone="+15550100002", pin="1357")
    reply = mine.post("/settings", {"text_size": "largest"}, csrf=theirs.csrf("/settings"))
    assert reply.status_code == 403
    assert customer_row(web.sessions).text_size != "largest"


def test_sign_in_needs_the_token_too(web: WebApp) -> None:
    browser = web.browser()
    browser.get("/sign-in")
    reply = browser.client.post(
        "/sign-in", data={"phone": MARGARET_PHONE, "pin": MARGARET_PIN}, follow_redirects=False
    )
    assert reply.status_code == 403
    assert customer_row(web.sessions).pin_failed_count == 0


def test_sign_out_and_confirm_need_the_token(web: WebApp) -> None:
    browser = web.browser()
    browser.sign_in()
    for path in ("/sign-out", "/sign-out-everywhere", "/send/confirm", "/ask", "/settings"):
        assert browser.client.post(path, data={}, follow_redirects=False).status_code == 403
    assert browser.get("/balance").status_code == 200


def test_the_json_api_and_twilio_routes_get_no_csrf_or_page_headers(web: WebApp) -> None:
    browser = web.browser()
    created = browser.client.post("/api/conversations", json={"phone": MARGARET_PHONE})
    assert created.status_code == 201
    assert "content-security-policy" not in created.headers
    assert "content-security-policy" not in browser.client.get("/healthz").headers
    schema = browser.client.get("/openapi.json")
    assert schema.status_code == 200 and "content-security-policy" not in schema.headers
    unknown = browser.client.get("/api/nothing-here")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}


# ---- cookies and headers ----------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_samesite_lax(web: WebApp) -> None:
    header = web.browser().get("/sign-in").headers["set-cookie"]
    assert header.startswith("kb_session=")
    assert "HttpOnly" in header
    assert "SameSite=lax" in header
    assert "Path=/" in header
    assert "Secure" not in header  # the demo runs on plain http://127.0.0.1
    assert "Max-Age" not in header and "expires" not in header.lower()


@pytest.mark.parametrize(
    ("overrides", "secure"),
    [
        ({"public_base_url": "https://bank.example"}, True),
        ({"public_base_url": "http://bank.example"}, False),
        ({"public_base_url": "http://bank.example", "cookie_secure": True}, True),
        ({"public_base_url": "https://bank.example", "cookie_secure": False}, False),
    ],
)
def test_the_cookie_is_secure_unless_the_site_is_plain_http(
    demo_template: Path, tmp_path: Path, overrides: dict, secure: bool
) -> None:
    app = make_web_app(demo_template, tmp_path, **overrides)
    try:
        header = app.browser().get("/sign-in").headers["set-cookie"]
        assert ("Secure" in header) is secure
    finally:
        app.close()


def test_every_web_response_has_the_security_headers(web: WebApp) -> None:
    browser = web.browser()
    browser.sign_in()
    for path in ("/", "/sign-in", "/balance", "/help", "/send/done/NOPE", "/nowhere/../balance"):
        reply = browser.get(path)
        headers = reply.headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ), path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert "camera=()" in headers["permissions-policy"]
        assert "microphone=()" in headers["permissions-policy"]
        assert "geolocation=()" in headers["permissions-policy"]
        assert headers["cache-control"] == "no-store"


def test_the_static_files_are_served_with_nosniff_and_may_be_cached(web: WebApp) -> None:
    browser = web.browser()
    html = browser.get("/sign-in").text
    for name, kind in (("web.css", "text/css"), ("web.js", "javascript")):
        url = next(part.split('"')[0] for part in html.split('="') if f"/{name}?v=" in part)
        reply = browser.get(url)
        assert reply.status_code == 200
        assert kind in reply.headers["content-type"]
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.headers["cache-control"].startswith("public")
