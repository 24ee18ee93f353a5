"""Every web page: landmarks, one h1, the same "Get help" link, no inline script or style; the
balance, payments, talk, help and settings pages' content."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.demo import MARGARET_PHONE
from tests.fakes import transaction_words
from tests.web_support import (
    Browser,
    WebApp,
    check_structure,
    customer_row,
    fill_drafts,
    shape,
    visible_text,
)

SIGNED_IN_PAGES = {
    "/": "What would you like to do?",
    "/balance": "Your balance",
    "/payments": "Recent payments",
    "/send": "Who do you want to send money to?",
    "/send/amount": "How much do you want to send?",
    "/send/from": "Which account should the money come from?",
    "/send/check": "Check before you send",
    "/pay-bill": "Which bill do you want to pay?",
    "/pay-bill/amount": "How much do you want to pay?",
    "/pay-bill/from": "Which account should the money come from?",
    "/pay-bill/check": "Check before you pay",
    "/talk": "Talk to someone",
    "/ask": "Ask me",
    "/settings": "Settings",
    "/help": "Get help",
}


@pytest.mark.parametrize(("path", "h1"), list(SIGNED_IN_PAGES.items()))
def test_every_signed_in_page_has_the_landmarks_and_one_h1(
    web: WebApp, margaret: Browser, path: str, h1: str
) -> None:
    fill_drafts(web, margaret)
    reply = margaret.get(path)
    assert reply.status_code == 200, reply.headers.get("location")
    assert reply.headers["content-type"].startswith("text/html")
    check_structure(reply.text, h1, signed_in=True)


@pytest.mark.parametrize(
    ("path", "h1"), [("/sign-in", "Sign in"), ("/help", "Get help"), ("/talk", "Talk to someone")]
)
def test_the_signed_out_pages_have_the_landmarks_too(web: WebApp, path: str, h1: str) -> None:
    reply = web.browser().get(path)
    assert reply.status_code == 200
    check_structure(reply.text, h1, signed_in=False)


@pytest.mark.parametrize(
    "path", ["/balance", "/payments", "/send", "/pay-bill/check", "/ask", "/settings"]
)
def test_signed_out_the_private_pages_send_you_to_sign_in(web: WebApp, path: str) -> None:
    reply = web.browser().get(path)
    assert reply.status_code == 303
    assert reply.headers["location"] == "/sign-in"


def test_home_offers_six_big_choices_in_order_and_settings(margaret: Browser) -> None:
    html = margaret.get("/").text
    choices = re.findall(r'<a class="choice" href="([^"]+)">([^<]+)</a>', html)
    assert choices == [
        ("/balance", "My balance"),
        ("/payments", "Recent payments"),
        ("/send", "Send money"),
        ("/pay-bill", "Pay a bill"),
        ("/talk", "Talk to someone"),
        ("/ask", "Ask a question"),
    ]
    assert '<a href="/settings" class="settings-link">Settings</a>' in html


def test_the_balance_page_lists_each_account(margaret: Browser) -> None:
    html = margaret.get("/balance").text
    assert '<dl class="summary-list">' in html
    text = visible_text(html)
    assert "Checking $1,250.00" in text
    assert "Savings $8,400.00" in text


def test_recent_payments_show_date_description_and_amount(web: WebApp, margaret: Browser) -> None:
    html = margaret.get("/payments").text
    latest = web.bank.recent_transactions(web.customer_id(), limit=1)[0]
    text = visible_text(html)
    assert transaction_words(latest) in text
    assert html.count('<li class="payment">') == 10
    assert re.search(r"\$[\d,]+\.\d\d (in|out)", text)
    assert re.search(
        r"(January|February|March|April|May|June|July|August|September|October|"
        r"November|December) \d{1,2}, \d{4}",
        text,
    )


def test_talk_to_someone_gives_the_number_and_says_someone_is_always_there(
    web: WebApp,
) -> None:
    html = web.browser().get("/talk").text
    assert '<a href="tel:+18005550199">1-800-555-0199</a>' in html
    assert "A person is there to help you at any time" in visible_text(html)


def test_help_explains_the_pages_the_keyboard_and_the_number(web: WebApp) -> None:
    text = visible_text(web.browser().get("/help").text)
    for words in ("Each page asks you one thing", "Press Tab", "1-800-555-0199", "Settings"):
        assert words in text


def test_an_unknown_web_page_is_a_kind_404(margaret: Browser) -> None:
    for path in ("/send/done/NOPE", "/send/nothing"):
        reply = margaret.get(path)
        assert reply.status_code == 404
        assert shape(reply.text).h1 == ["Page not found"]


def test_a_get_on_a_post_only_page_is_a_kind_page(margaret: Browser) -> None:
    reply = margaret.get("/sign-out")
    assert reply.status_code == 405
    assert shape(reply.text).h1 == ["Sorry, there is a problem"]


# ---- settings ------------------------------------------------------------------------------


def test_the_settings_page_shows_the_current_choices(margaret: Browser) -> None:
    html = margaret.get("/settings").text
    assert 'name="text_size" value="large" checked' in html  # Margaret's "large text"
    assert 'name="preferred_channel" value="voice" checked' in html
    for label in (
        "Large",
        "Larger",
        "Largest",
        "High contrast (yellow on black)",
        "Read pages aloud",
        "Phone call",
        "Text message",
        "This website",
    ):
        assert f">{label}</label>" in html
    assert 'name="high_contrast" value="on">' in html
    assert ">Save settings</button>" in html
    assert '<form method="post" action="/sign-out-everywhere"' in html
    assert ">Sign out everywhere</button>" in html


def test_settings_are_saved_to_the_customer_and_change_every_page(
    web: WebApp, margaret: Browser
) -> None:
    reply = margaret.post(
        "/settings",
        {
            "text_size": "largest",
            "high_contrast": "on",
            "read_aloud": "on",
            "preferred_channel": "sms",
        },
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/settings"
    saved = margaret.get("/settings")
    assert "Your settings are saved." in visible_text(saved.text)
    assert "Your settings are saved." not in margaret.get("/settings").text  # shown once

    row = customer_row(web.sessions, MARGARET_PHONE)
    assert (row.text_size, row.high_contrast, row.read_aloud, row.preferred_channel) == (
        "largest",
        True,
        True,
        "sms",
    )
    home = shape(margaret.get("/").text)
    assert home.html_class == "text-largest high-contrast"
    assert 'data-read-aloud="on" data-speech-rate="slow"' in margaret.get("/").text

    margaret.post("/settings", {"text_size": "larger", "preferred_channel": "web"})
    row = customer_row(web.sessions, MARGARET_PHONE)
    assert (row.text_size, row.high_contrast, row.read_aloud, row.preferred_channel) == (
        "larger",
        False,
        False,
        "web",
    )
    assert shape(margaret.get("/").text).html_class == "text-larger"
    assert "data-read-aloud" not in margaret.get("/").text


def test_unknown_setting_values_keep_the_current_ones(web: WebApp, margaret: Browser) -> None:
    margaret.post("/settings", {"text_size": "gigantic", "preferred_channel": "pigeon"})
    row = customer_row(web.sessions, MARGARET_PHONE)
    assert (row.text_size, row.preferred_channel) == ("large", "voice")


def test_the_stylesheet_meets_the_size_rules(web: WebApp) -> None:
    root = Path(__file__).parents[1]
    css = (root / "assistant/webkit/static/web.css").read_text()
    assert "html.text-larger { font-size: 125%; }" in css
    assert "html.text-largest { font-size: 150%; }" in css
    assert "font-size: 1.25rem; /* 20px" in css
    for stylesheet in (css, (root / "assistant/web/static/customer.css").read_text()):
        assert "px" not in re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S).replace("1px", "")
