"""The customer's language reaches every word the gateway says and Rasa, from their locale.

A second catalogue (``tests/marker_language.py``: English with a marker word) stands in for a
translation: a customer whose locale is that language gets it; everyone else gets English.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.graph_components.converters.nlu_message_converter import NLUMessageConverter
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import update

from assistant import texts
from assistant.demo import MARGARET_PHONE
from assistant.models import Customer
from assistant.money import Money, money_in_words
from assistant.readbacks import PAYMENT, is_cancel, is_plain_yes
from assistant.settings import PROJECT_ROOT, Settings, get_settings
from nlu.components import MetadataEntityExtractor
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


def speaks_marker(sessions: Any, customer_id: int) -> None:
    """The customer's locale becomes the marker language's."""
    with sessions() as session, session.begin():
        session.execute(update(Customer).where(Customer.id == customer_id).values(locale=LOCALE))


@pytest.fixture
def margaret_in_marker(gateway: Gateway, marker: Path) -> Gateway:
    speaks_marker(gateway.sessions, gateway.margaret)
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


def rasa_turn(
    domain: Domain, tracker: DialogueStateTracker, text: str, intent: str, metadata: dict
) -> DialogueStateTracker:
    """A user message as Rasa handles it: the NLU pipeline's metadata entities (as in
    config.yml), then ``action_extract_slots`` with the real domain, all in-process."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    (options,) = [
        {k: v for k, v in step.items() if k != "name"}
        for step in config["pipeline"]
        if step["name"] == "nlu.components.MetadataEntityExtractor"
    ]
    (message,) = NLUMessageConverter().convert_user_message(
        [UserMessage(text, sender_id=tracker.sender_id, metadata=metadata)]
    )
    MetadataEntityExtractor({**MetadataEntityExtractor.get_default_config(), **options}).process(
        [message]
    )
    parse_data = {"entities": [], **message.as_dict(), "intent": {"name": intent, "confidence": 1}}
    tracker.update(UserUttered(text, parse_data["intent"], parse_data["entities"], parse_data))
    # No action server: a slot that still needed one would fail here, not be filled.
    events = asyncio.run(
        ActionExtractSlots(None).run(
            CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, domain
        )
    )
    tracker.update_with_events(events, domain)
    return tracker


def test_rasa_fills_the_language_and_locale_from_each_message_without_an_action() -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert "action_conversation_language" not in domain.action_names_or_texts
    tracker = DialogueStateTracker.from_events("someone", [], slots=domain.slots)

    rasa_turn(domain, tracker, "hello", "greet", {"language": "eo", "locale": "eo_001"})
    assert (tracker.get_slot("language"), tracker.get_slot("locale")) == ("eo", "eo_001")
    rasa_turn(domain, tracker, "hello", "greet", {"language": "en", "locale": "en_GB"})
    assert (tracker.get_slot("language"), tracker.get_slot("locale")) == ("en", "en_GB")
    rasa_turn(domain, tracker, "hello", "greet", {})  # e.g. `rasa shell`: kept as they were
    assert (tracker.get_slot("language"), tracker.get_slot("locale")) == ("en", "en_GB")


def test_the_language_and_locale_do_not_change_what_the_assistant_does_next() -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    english = DialogueStateTracker.from_events("a", [], slots=domain.slots)
    other = DialogueStateTracker.from_events("b", [], slots=domain.slots)
    rasa_turn(domain, english, "hello", "greet", {"language": "en", "locale": "en_US"})
    rasa_turn(domain, other, "hello", "greet", {"language": "eo", "locale": "eo_001"})
    assert other.get_slot("language") == "eo"
    assert domain.states_for_tracker_history(other) == domain.states_for_tracker_history(english)
    assert {e["entity"] for e in other.latest_message.entities} == {"language", "locale"}


def test_a_payment_outcome_is_told_in_the_customers_language_with_its_money_words(
    marker: Path, settings: Settings
) -> None:
    gateway = ReadbackGateway(settings)
    speaks_marker(gateway.conversations.session_factory, gateway.margaret)
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
    speaks_marker(gateway.conversations.session_factory, gateway.margaret)
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
