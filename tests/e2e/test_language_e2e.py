"""A customer whose locale has a catalogue is answered in it, through the real stack.

The stack has a second language (English with a marker word); Ravi's locale is set to it for
one conversation: Rasa's responses (through the NLG, by the ``language`` slot the gateway's
metadata fills) and the gateway's own words come from it, while other customers stay English.
"""

from __future__ import annotations

import uuid
from typing import Iterator

import httpx
import pytest
from sqlalchemy import update

from assistant.db import session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.models import Customer
from tests.e2e.chat import Chat
from tests.e2e.test_sms_e2e import fresh_sms_state
from tests.e2e.test_sms_e2e import text as sms
from tests.e2e.test_voice_e2e import Call, said
from tests.marker_language import LOCALE, MARKER

pytestmark = pytest.mark.e2e


@pytest.fixture
def ravi_in_marker(stack) -> Iterator[None]:  # noqa: ANN001
    sessions = session_factory(stack.settings.bank_database_url)

    def set_locale(locale: str) -> None:
        with sessions() as session, session.begin():
            session.execute(
                update(Customer).where(Customer.phone == RAVI_PHONE).values(locale=locale)
            )

    set_locale(LOCALE)
    try:
        yield
    finally:
        set_locale("en_US")


def test_a_customer_whose_locale_has_a_catalogue_hears_it_on_every_turn_after_the_pin(
    gateway: httpx.Client, ravi_in_marker: None
) -> None:
    chat = Chat(gateway, RAVI_PHONE)
    # Before the PIN every caller hears the bank's language: a number's own language would
    # tell a stranger that it banks here.
    assert chat.text("hello").startswith("Hello")
    asked = chat.say("what is my balance")
    assert asked["awaiting_pin"] and MARKER not in asked["messages"][-1]["text"]
    answered = [m["text"] for m in chat.say("1357")["messages"]]
    assert len(answered) >= 2 and all(text.startswith(MARKER) for text in answered), answered
    assert chat.text("I want to talk to a person").startswith(
        f"{MARKER} You can talk to a person on 1-800-555-0199"
    )

    english = Chat(gateway, MARGARET_PHONE)
    greeting = english.text("hello")
    assert greeting.startswith("Hello") and "I'm the Kindly Bank helper." in greeting


def test_a_call_and_texts_speak_the_banks_language_before_the_pin_and_the_customers_after(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
    ravi_in_marker: None,
) -> None:
    call = Call(gateway, stack, RAVI_PHONE)
    opening = said(call.start())
    assert opening.startswith("Hello") and MARKER not in opening
    asked = said(call.answer("what's my balance"))
    assert "keypad" in asked and MARKER not in asked
    heard = said(call.answer(digits="1357"))
    # Rasa's response, and the account's kind filled in by the action, both in the catalogue.
    assert heard.startswith(MARKER) and f"{MARKER} checking account" in heard, heard
    quiet = said(call.answer())
    assert quiet.startswith(MARKER), quiet

    fresh_sms_state(stack, RAVI_PHONE)
    (help_before,) = sms(stack, gateway, "HELP", "SM" + uuid.uuid4().hex)
    assert help_before.startswith("Kindly Bank") and MARKER not in help_before
    sms(stack, gateway, "BAL", "SM" + uuid.uuid4().hex)
    (balance,) = sms(stack, gateway, "1357", "SM" + uuid.uuid4().hex)
    assert balance.startswith(MARKER), balance
    (help_after,) = sms(stack, gateway, "HELP", "SM" + uuid.uuid4().hex)
    assert help_after.startswith(MARKER), help_after
