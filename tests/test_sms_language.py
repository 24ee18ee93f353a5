"""Texts speak the bank's language before the PIN and the customer's after it; a security text
to the customer's own number is in their language.

The marker language (``tests/marker_language.py``: English with a marker word) stands in for a
translation; Margaret's locale is that language. The gateway app runs in process, driven by
signed webhooks (``tests/test_sms_webhooks.py``), its outbound texts going to a fake Twilio.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from assistant import texts
from assistant.db import dispose
from assistant.demo import MARGARET_PHONE
from assistant.gateway.app import create_app
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.pin_alerts import PinLockoutTexts
from assistant.models import Customer
from assistant.settings import Settings
from tests.fakes import ASK_PIN_TEXT, BALANCE_TEXT, copy_of_bank
from tests.marker_language import LANGUAGE, LOCALE, MARKER
from tests.test_conversation_language import marker
from tests.test_sms_webhooks import PUBLIC_BASE, ScriptedRasa, SmsGateway

__all__ = ["marker"]  # the fixture

TWILIO_SID, TWILIO_TOKEN = "AC" + "5" * 32, "test-twilio-auth-token"
MARGARET_PIN, WRONG_PIN = "2468", "1111"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(TWILIO_SID, TWILIO_TOKEN) as server:
        yield server


@pytest.fixture
def marked_sms(
    demo_template: Path, tmp_path: Path, marker: Path, fake_twilio: FakeTwilio
) -> Iterator[SmsGateway]:
    """The SMS channel, Margaret's locale the marker language; texts sent go to a fake Twilio."""
    url = copy_of_bank(demo_template, tmp_path)
    settings = Settings(
        database_url=url,
        home=tmp_path / "home",
        rasa_token="test-token",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_api_base=fake_twilio.base_url,
        public_base_url=PUBLIC_BASE,
    )
    app = create_app(settings)
    app.state.turns.rasa = ScriptedRasa(app.state.turns.conversations)
    gateway = SmsGateway(app, settings)
    margaret = app.state.banking.find_customer_by_phone(MARGARET_PHONE).id
    with app.state.store() as session, session.begin():
        session.execute(update(Customer).where(Customer.id == margaret).values(locale=LOCALE))
    yield gateway
    app.state.pin_alerts.close()
    app.state.rasa.close()
    dispose(url)


def marked(key: str) -> str:
    return texts.text(key, "sms", LANGUAGE)


def english(key: str) -> str:
    return texts.text(key, "sms", "en")


def test_keyword_replies_are_the_banks_before_the_pin_and_the_customers_after_it(
    marked_sms: SmsGateway,
) -> None:
    sms = marked_sms
    assert sms.text("HELP", MARGARET_PHONE).text == english("sms_help")
    assert sms.text("BAL", MARGARET_PHONE).text == ASK_PIN_TEXT
    assert sms.text("HELP", MARGARET_PHONE).text == english("sms_help")

    answered = sms.text(MARGARET_PIN, MARGARET_PHONE).text
    assert answered == f"{marked('pin_thanks')}\n{BALANCE_TEXT}"
    assert sms.text("HELP", MARGARET_PHONE).text == marked("sms_help")
    sms.rasa.scripted["tell me everything"] = [{"text": "A long answer. " * 60}]
    cut = sms.text("tell me everything", MARGARET_PHONE).text
    assert cut.endswith(marked("sms_cut"))
    assert sms.text("STOP", MARGARET_PHONE).text == marked("sms_stopped")


def test_the_lockout_text_to_the_customers_own_number_is_in_their_language(
    marked_sms: SmsGateway, fake_twilio: FakeTwilio
) -> None:
    sms = marked_sms
    sms.text("BAL", MARGARET_PHONE)
    for _ in range(5):
        locked = sms.text(WRONG_PIN, MARGARET_PHONE).text
    # What the texter is told is the bank's language and time: they have not given the PIN.
    state = sms.app.state
    until = state.identity.locked_until(state.banking.find_customer_by_phone(MARGARET_PHONE).id)
    until_words = texts.local_time(until, sms.settings)
    assert locked == texts.text("pin_locked", "sms", "en", until=until_words)
    assert MARKER not in locked
    sms.app.state.pin_alerts.drain()
    (sent,) = fake_twilio.messages
    assert sent.to == MARGARET_PHONE
    assert sent.params["Body"] == marked("sms_pin_lockout_alert")


def test_a_security_text_without_a_customers_language_is_in_the_banks(marker: Path) -> None:
    sent = []

    class Transport:
        def send_sms(self, phone: str, body: str, purpose: str) -> str:
            sent.append((phone, body, purpose))
            return "SM1"

    PinLockoutTexts(Transport, background=False)(7, MARGARET_PHONE)
    languages = {7: LANGUAGE}
    PinLockoutTexts(Transport, background=False, language_of=languages.get)(7, MARGARET_PHONE)
    assert sent == [
        (MARGARET_PHONE, english("sms_pin_lockout_alert"), "security"),
        (MARGARET_PHONE, texts.text("sms_pin_lockout_alert", "sms", LANGUAGE), "security"),
    ]
