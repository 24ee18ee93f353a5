"""The "Ask me" page: the same assistant on the ``web`` channel through ``TurnHandler``, its
suggested replies as big buttons, and every word escaped."""

from __future__ import annotations

import html as html_lib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from assistant.texts import text as say
from tests.fakes import BALANCE_TEXT, FakeRasa
from tests.web_support import (
    MARGARET_PIN,
    Browser,
    WebApp,
    customer_row,
    make_web_app,
    shape,
    visible_text,
    web_sessions,
)

EVIL = '<script>alert("hi")</script><img src=x onerror=alert(1)>'


class ScriptedRasa(FakeRasa):
    """The fake Rasa, plus: "evil" gets markup back, "menu" gets buttons, "card" asks for the
    PIN every time (as if verification had lapsed)."""

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        if "evil" in text:
            super().send(channel, sender_id, "x", metadata)
            return [{"recipient_id": sender_id, "text": EVIL}]
        if "menu" in text:
            super().send(channel, sender_id, "x", metadata)
            return [
                {
                    "recipient_id": sender_id,
                    "text": "What would you like?",
                    "buttons": [
                        {"title": "My balance", "payload": "/check_balance"},
                        {"title": 'Say "<b>hi</b>"', "payload": '/inform{"x": "<i>"}'},
                    ],
                }
            ]
        if "card" in text:
            super().send(channel, sender_id, "x", metadata)
            return [
                {
                    "recipient_id": sender_id,
                    "text": "Please type your PIN.",
                    "custom": {"pin_request": True},
                }
            ]
        return super().send(channel, sender_id, text, metadata)


@pytest.fixture
def web(demo_template: Path, tmp_path: Path) -> Iterator[WebApp]:
    app = make_web_app(demo_template, tmp_path)
    app.rasa = ScriptedRasa(app.conversations)
    app.app.state.turns.rasa = app.rasa
    yield app
    app.close()


def ask(browser: Browser, words: str, **extra: str) -> Any:
    reply = browser.post("/ask", {"message": words, **extra})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/ask#latest"
    return browser.get("/ask")


def test_the_ask_page_has_a_labelled_box_and_a_send_button(margaret: Browser) -> None:
    html = margaret.get("/ask").text
    assert shape(html).h1 == ["Ask me"]
    assert '<label class="label" for="message">Your question</label>' in html
    assert 'id="message" name="message"' in html
    assert '<form method="post" action="/ask"' in html
    assert ">Send</button>" in html


def test_a_question_reaches_the_same_assistant_on_the_web_channel_already_verified(
    web: WebApp, margaret: Browser
) -> None:
    page = ask(margaret, "what is my balance")
    (row,) = web_sessions(web.sessions)
    call = web.rasa.calls[-1]
    assert (call.channel, call.sender_id, call.text) == (
        "web",
        row.conversation_id,
        "what is my balance",
    )
    assert call.metadata["payees"]  # the same turn path as every channel
    text = visible_text(page.text)
    assert f"You what is my balance Kindly Bank {BALANCE_TEXT}" in text  # no PIN asked
    assert 'id="latest"' in page.text
    assert 'name="pin"' not in page.text


def test_an_assistant_reply_with_markup_is_shown_as_text(margaret: Browser) -> None:
    page = ask(margaret, "say something evil")
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert html_lib.escape(EVIL, quote=True) in page.text or "&lt;script&gt;" in page.text
    assert EVIL in visible_text(page.text)


def test_what_the_customer_typed_is_escaped_too(margaret: Browser) -> None:
    page = ask(margaret, "<script>document.cookie</script>")
    assert "<script>document" not in page.text
    assert "&lt;script&gt;document.cookie&lt;/script&gt;" in page.text


def test_suggested_replies_are_big_buttons_each_its_own_form(
    web: WebApp, margaret: Browser
) -> None:
    page = ask(margaret, "show me the menu")
    html = page.text
    assert html.count('<input type="hidden" name="message" value="/check_balance">') == 1
    assert ">My balance</button>" in html
    assert "&lt;b&gt;hi&lt;/b&gt;" in html and "<b>hi</b>" not in html
    assert 'value="/inform{&#34;x&#34;: &#34;&lt;i&gt;&#34;}"' in html
    form = html[html.index('value="/check_balance"') - 400 : html.index('value="/check_balance"')]
    assert '<form method="post" action="/ask"' in form and 'name="csrf_token"' in form

    pressed = ask(margaret, "/check_balance", label="My balance", message_id="press-1-abc")
    assert web.rasa.calls[-1].text == "check_balance"
    assert "You My balance" in visible_text(pressed.text)  # the button's words, not its payload


def test_the_same_form_sent_twice_asks_once(web: WebApp, margaret: Browser) -> None:
    ask(margaret, "hello there", message_id="abcdefgh12")
    calls = len(web.rasa.calls)
    page = ask(margaret, "hello there", message_id="abcdefgh12")
    assert len(web.rasa.calls) == calls
    assert visible_text(page.text).count("You said: hello there") == 1


def test_an_empty_question_is_explained(margaret: Browser) -> None:
    reply = margaret.post("/ask", {"message": "   "})
    assert reply.status_code == 200
    assert '<a href="#message">Type your question.</a>' in reply.text


def test_only_the_last_twenty_messages_are_kept(web: WebApp, margaret: Browser) -> None:
    for n in range(12):
        margaret.post("/ask", {"message": f"message {n}"})
    (row,) = web_sessions(web.sessions)
    kept = row.data["ask"]["messages"]
    assert len(kept) == 20
    assert kept[-1] == {"who": "bank", "text": "You said: message 11"}
    assert "message 1" not in [m["text"] for m in kept]


def test_when_the_assistant_asks_for_the_pin_a_pin_field_is_shown(
    web: WebApp, margaret: Browser
) -> None:
    page = ask(margaret, "freeze my card")
    html = page.text
    assert '<label class="label" for="pin">Your PIN</label>' in html
    assert 'id="pin" name="pin" type="password" inputmode="numeric"' in html

    wrong = margaret.post("/ask", {"pin": "1111"})
    assert wrong.status_code == 303
    text = visible_text(margaret.get("/ask").text)
    assert say("pin_wrong", "web", attempts_left=4) in text
    assert customer_row(web.sessions).pin_failed_count == 1

    margaret.post("/ask", {"pin": MARGARET_PIN})
    text = visible_text(margaret.get("/ask").text)
    assert say("pin_thanks", "web") in text
    assert "(your PIN, kept hidden)" in text
    assert customer_row(web.sessions).pin_failed_count == 0
    for row in web_sessions(web.sessions):
        assert MARGARET_PIN not in str(row.data) and "1111" not in str(row.data)
    assert not any(MARGARET_PIN in call.text or "1111" in call.text for call in web.rasa.calls)


def test_a_pin_typed_in_the_question_box_is_not_kept(web: WebApp, margaret: Browser) -> None:
    ask(margaret, f"my pin is {MARGARET_PIN} ok")
    (row,) = web_sessions(web.sessions)
    assert MARGARET_PIN not in str(row.data)
    assert "my pin is **** ok" in str(row.data)


def test_a_bad_pin_answer_is_explained_on_the_page(margaret: Browser) -> None:
    ask(margaret, "freeze my card")
    reply = margaret.post("/ask", {"pin": "12"})
    assert reply.status_code == 200
    assert '<a href="#pin">' in reply.text
    assert 'id="pin"' in reply.text


def test_the_ask_page_works_after_the_conversation_verification_lapses(
    web: WebApp, margaret: Browser
) -> None:
    (row,) = web_sessions(web.sessions)
    web.conversations.clear_verified(row.conversation_id)
    page = ask(margaret, "what is my balance")
    assert BALANCE_TEXT in visible_text(page.text)
