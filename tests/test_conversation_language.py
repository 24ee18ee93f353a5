"""The customer's language reaches every word the gateway says and Rasa, from their locale.

A second catalogue (``tests/marker_language.py``: English with a marker word) stands in for a
translation: a customer whose locale is that language gets it; everyone else gets English.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

from actions.language import ActionConversationLanguage
from assistant import texts
from assistant.demo import MARGARET_PHONE
from assistant.models import Customer
from assistant.money import Money, money_in_words
from assistant.readbacks import PAYMENT, is_cancel, is_plain_yes
from assistant.settings import Settings, get_settings
from tests.marker_language import LANGUAGE, LOCALE, MARKER, RECOGNISED_ONLY, write_marker_language
from tests.test_gateway_readbacks import DETAILS as READBACK_DETAILS
from tests.test_gateway_readbacks import Gateway as ReadbackGateway
from tests.test_gateway_turns import MARGARET_PIN, UNKNOWN_PHONE, WRONG_PIN, Gateway, gateway
from tests.test_gateway_turns import texts as said
from voice.hours import OpeningHours

__all__ = ["gateway"]  # the fixture, shared with the gateway's turn tests


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    write_marker_language(tmp_path / "catalogues")
    monkeypatch.setenv("ASSISTANT_TEXTS_DIRS", str(tmp_path / "catalogues"))
    get_settings.cache_clear()
    texts.reload()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()
    texts.reload()


@pytest.fixture
def margaret_in_marker(gateway: Gateway, marker: Path) -> Gateway:
    with gateway.sessions() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == gateway.margaret).values(locale=LOCALE)
        )
    return gateway


PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A value for every placeholder of every English text.
FILLED = {
    name: f"<{name}>"
    for entry in texts._load("en").values()
    for wording in entry.values()
    for name in PLACEHOLDER.findall(wording)
}


def spoken_keys() -> list[str]:
    recognised = set()
    for name in RECOGNISED_ONLY:
        recognised |= set(texts.yaml.safe_load((texts.HERE / "en" / name).read_text()) or {})
    return [key for key in texts.keys("en") if key not in recognised]


def test_a_locale_picks_its_catalogue_and_anything_else_is_english(marker: Path) -> None:
    assert texts.language_of(LOCALE) == LANGUAGE
    assert texts.language_of("en_US") == "en"
    assert texts.language_of("zu_ZA") == "en"  # no catalogue: the bank's language
    assert texts.language_of("zu_ZA", LOCALE) == LANGUAGE
    assert texts.language_of(None) == "en"


def test_the_second_catalogue_reaches_every_gateway_voice_and_sms_text(marker: Path) -> None:
    keys = spoken_keys()
    assert {"pin_wrong", "sms_help", "unavailable"} <= set(keys)
    for key in keys:
        for channel in ("default", "sms", "voice", "web", "chat"):
            english = texts.text(key, channel, "en", **FILLED)
            assert texts.text(key, channel, LANGUAGE, **FILLED) == f"{MARKER} {english}", key
    assert texts.plural("pin_wrong", 1, "sms", LANGUAGE, attempts_left=1).startswith(MARKER)


def test_words_the_gateway_recognises_come_from_english_when_a_language_has_none(
    marker: Path,
) -> None:
    assert is_plain_yes("yes please", LANGUAGE) and is_cancel("never mind", LANGUAGE)


def test_the_customers_language_reaches_rasa_and_the_gateways_own_words_after_the_pin(
    margaret_in_marker: Gateway,
) -> None:
    gateway = margaret_in_marker
    conversation = gateway.start(MARGARET_PHONE, channel="sms")
    gateway.say(conversation, "hello")
    # Before the PIN the bank's language, as for a number we do not know: a number's own
    # language would tell a stranger that it banks here.
    assert gateway.rasa.calls[-1].metadata["language"] == "en"
    wrong = said(gateway.say(conversation, WRONG_PIN))
    assert wrong == [texts.plural("pin_wrong", 4, "sms", "en", attempts_left=4)]
    stranger = gateway.start(UNKNOWN_PHONE, channel="sms")
    assert said(gateway.say(stranger, WRONG_PIN)) == wrong
    gateway.say(stranger, "hello")
    assert gateway.rasa.calls[-1].metadata == {"language": "en", "locale": "en_US"}

    assert said(gateway.say(conversation, MARGARET_PIN))[0].startswith(MARKER)
    gateway.say(conversation, "hello")
    assert gateway.rasa.calls[-1].metadata["language"] == LANGUAGE
    assert gateway.rasa.calls[-1].metadata["locale"] == LOCALE
    assert said(gateway.say(conversation, " "))[0].startswith(MARKER)


def test_rasa_takes_the_language_and_locale_from_each_message() -> None:
    def run(metadata: dict, slots: dict) -> list:
        tracker = Tracker(
            "someone",
            slots,
            {"text": "hello", "intent": {"name": "greet"}, "entities": []},
            [{"event": "user", "text": "hello", "metadata": metadata}],
            False,
            None,
            {},
            "action_listen",
        )
        action = ActionConversationLanguage()
        return asyncio.run(action.run(CollectingDispatcher(), tracker, {}))

    assert run({"language": "eo", "locale": "eo_001"}, {}) == [
        SlotSet("language", "eo"),
        SlotSet("locale", "eo_001"),
    ]
    assert run({"language": "en", "locale": "en_GB"}, {"language": "en", "locale": "en_US"}) == [
        SlotSet("locale", "en_GB")
    ]
    assert run({}, {"language": "en", "locale": "en_US"}) == []  # kept as they were


def test_a_payment_outcome_is_told_in_the_customers_language_with_its_money_words(
    marker: Path, settings: Settings
) -> None:
    gateway = ReadbackGateway(settings)
    with gateway.conversations.session_factory() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == gateway.margaret).values(locale=LOCALE)
        )
    call = gateway.verified_conversation("voice")
    gateway.say(call, "send 5 dollars to tom", "voice:CA1:1")
    gateway.say(call, "yes", "voice:CA1:2")  # the caller hung up during the answer

    told = said(gateway.say(gateway.verified_conversation("voice"), "hello"))[0]
    five_dollars = money_in_words(Money(500), LANGUAGE)
    assert five_dollars.startswith("kvin dolaroj")  # the language's own number words (num2words)
    sent = texts.text(
        "outcome_payment_sent", "voice", LANGUAGE, amount_words=five_dollars, recipient="Tom"
    )
    assert told == texts.text("outcome_intro", "voice", LANGUAGE, outcome=sent)
    assert told.startswith(MARKER) and "five" not in told


def test_a_time_of_day_is_said_the_customers_way_and_the_banks_is_unchanged() -> None:
    settings = get_settings()
    moment = datetime(2026, 3, 2, 20, 15, tzinfo=timezone.utc)  # 3:15 PM in New York
    assert texts.local_time(moment, settings) == "3:15 PM"
    assert texts.local_time(moment, settings, "en_US") == "3:15 PM"
    assert texts.local_time(moment, settings, "de_DE") == "15:15"
    hours = OpeningHours.parse("08:00-20:30", settings.timezone)
    assert (hours.spoken_opens(), hours.spoken_closes()) == ("8 AM", "8:30 PM")
    assert (hours.spoken_opens("de_DE"), hours.spoken_closes("de_DE")) == ("08:00", "20:30")


def test_a_move_to_an_own_account_is_told_with_the_accounts_words_of_the_language(
    marker: Path, settings: Settings
) -> None:
    gateway = ReadbackGateway(settings)
    with gateway.conversations.session_factory() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == gateway.margaret).values(locale=LOCALE)
        )
    call = gateway.verified_conversation("voice")
    details = {**READBACK_DETAILS, "recipient": "account:savings"}
    gateway.readbacks.record(call, gateway.margaret, PAYMENT, details)
    gateway.readbacks.answer(call, True, "voice:CA1:2")
    used = gateway.readbacks.use(call, PAYMENT, details)
    gateway.readbacks.record_outcome(used.id, {"status": "sent", "reference": "R1"})

    told = said(gateway.say(gateway.verified_conversation("chat"), "hello"))[0]
    savings = texts.text("account_savings", "chat", LANGUAGE)
    assert savings == f"{MARKER} savings"
    recipient = texts.text("own_account", "chat", LANGUAGE, kind=savings)
    assert recipient in told
