"""Rasa's responses come from the customer's language's catalogue, per medium, at run time."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml
from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from assistant import texts
from assistant.rasa_env import ACTION_TOKEN_ENV, NLG_TYPE, write_endpoints
from assistant.rasa_nlg import CatalogueNaturalLanguageGenerator
from assistant.settings import PROJECT_ROOT, Settings, get_settings
from tests.marker_language import LANGUAGE, MARKER, domain_responses, write_marker_language

MEDIUMS = ("sms", "voice", "web", "chat")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def use_catalogues(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("ASSISTANT_TEXTS_DIRS", str(folder))
    get_settings.cache_clear()
    texts.reload()


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    write_marker_language(tmp_path)
    use_catalogues(monkeypatch, tmp_path)
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()
    texts.reload()


def values_for(variations: List[Dict[str, Any]]) -> Dict[str, str]:
    """A value for every placeholder of a response, so every variation fills in."""
    names = {n for v in variations for n in PLACEHOLDER.findall(yaml.safe_dump(v))}
    return {name: f"<{name}>" for name in names if not name.startswith("bank_phone")}


def generate(
    nlg: CatalogueNaturalLanguageGenerator,
    domain: Domain,
    name: str,
    medium: str,
    language: str | None,
) -> Dict[str, Any]:
    events = [SlotSet("language", language)] if language else []
    tracker = DialogueStateTracker.from_events("someone", events, slots=domain.slots)
    values = values_for(domain.responses[name])
    reply = asyncio.run(nlg.generate(name, tracker, medium, **values))
    assert reply is not None, (name, medium)
    return reply


def test_rasa_loads_it_from_the_endpoints_in_the_repo_and_from_the_ones_assistant_up_writes(
    tmp_path: Path, domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ACTION_TOKEN_ENV, "a-token")
    written = write_endpoints(Settings(home=tmp_path))
    for path in (PROJECT_ROOT / "endpoints.yml", written):
        config = read_endpoint_config(str(path), "nlg")
        assert config is not None and config.type == NLG_TYPE, path
        assert isinstance(
            NaturalLanguageGenerator.create(config, domain), CatalogueNaturalLanguageGenerator
        )


def test_the_rasa_server_gives_it_the_models_responses_when_it_loads_the_model(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa's agent builds the generator before it has a domain, then loads a model into it."""
    from rasa.core import agent as rasa_agent

    class LoadedModel:
        def __init__(self, **_: Any) -> None:
            self.domain = domain

    monkeypatch.setattr(rasa_agent, "MessageProcessor", LoadedModel)
    agent = rasa_agent.Agent(
        generator=read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "nlg")
    )
    assert isinstance(agent.nlg, CatalogueNaturalLanguageGenerator)
    agent.load_model("kindly.tar.gz")
    for name in domain.responses:
        for medium in MEDIUMS:
            assert generate(agent.nlg, domain, name, medium, "en"), (name, medium)


def test_in_english_every_response_is_rasas_own_variation_for_the_medium(domain: Domain) -> None:
    ours = CatalogueNaturalLanguageGenerator(domain=domain)
    rasa = TemplatedNaturalLanguageGenerator(domain.responses)
    phone = texts.bank_phone_values()
    for name, variations in domain_responses().items():
        for medium in MEDIUMS:
            values = values_for(variations)
            expected = rasa.generate_from_slots(name, {}, medium, **values, **phone)
            expected = {**expected, "dialogue": {"active_loop": None}}
            assert generate(ours, domain, name, medium, None) == expected, (name, medium)
            assert generate(ours, domain, name, medium, "en") == expected, (name, medium)


def test_each_message_says_whether_a_form_is_asking(domain: Domain) -> None:
    """The gateway asks its own questions only at a pause: never while a form asks."""
    nlg = CatalogueNaturalLanguageGenerator(domain=domain)
    asking = DialogueStateTracker.from_events(
        "someone", [ActiveLoop("payment_form")], slots=domain.slots
    )
    reply = asyncio.run(nlg.generate("utter_ask_amount", asking, "sms"))
    assert reply["dialogue"] == {"active_loop": "payment_form"}
    idle = DialogueStateTracker.from_events("someone", [], slots=domain.slots)
    assert asyncio.run(nlg.generate("utter_greet", idle, "voice"))["dialogue"] == {
        "active_loop": None
    }
    # An action that stops the form as it speaks says so itself.
    stopped = asyncio.run(
        nlg.generate("utter_cancelled", asking, "chat", dialogue={"active_loop": None})
    )
    assert stopped["dialogue"] == {"active_loop": None}


def test_the_bank_phone_number_is_filled_in_written_and_spoken(domain: Domain) -> None:
    nlg = CatalogueNaturalLanguageGenerator(domain=domain)
    assert (
        "Call 1-800-555-0199." in generate(nlg, domain, "utter_payment_failed", "sms", None)["text"]
    )
    spoken = generate(nlg, domain, "utter_report_fraud", "voice", None)["text"]
    assert "on one eight hundred, five five five, zero one nine nine, day or night" in spoken
    for name in domain_responses():
        for medium in MEDIUMS:
            assert "{bank_phone" not in str(generate(nlg, domain, name, medium, None)), name


def test_a_second_catalogue_reaches_every_response_on_every_medium(
    marker: Path, domain: Domain
) -> None:
    nlg = CatalogueNaturalLanguageGenerator(domain=domain)
    for name in domain_responses():
        for medium in MEDIUMS:
            english = generate(nlg, domain, name, medium, None)
            marked = generate(nlg, domain, name, medium, LANGUAGE)
            if "text" in english:
                assert marked["text"] == f"{MARKER} {english['text']}", (name, medium)
            assert marked.get("custom") == english.get("custom"), (name, medium)
            assert marked.get("buttons") == english.get("buttons"), (name, medium)


def test_a_response_missing_in_a_language_is_said_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, domain: Domain
) -> None:
    write_marker_language(tmp_path, skip=frozenset({"utter_balance"}))
    use_catalogues(monkeypatch, tmp_path)
    try:
        nlg = CatalogueNaturalLanguageGenerator(domain=domain)
        balance = generate(nlg, domain, "utter_balance", "sms", LANGUAGE)["text"]
        assert balance == "<account_title>: <balance>"
        assert generate(nlg, domain, "utter_greet", "sms", LANGUAGE)["text"].startswith(MARKER)
        assert catalogue_problems(LANGUAGE, domain_responses()) == ["utter_balance: missing"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        texts.reload()


def test_a_language_nobody_wrote_is_said_in_english(domain: Domain) -> None:
    nlg = CatalogueNaturalLanguageGenerator(domain=domain)
    english = generate(nlg, domain, "utter_goodbye", "voice", None)
    assert generate(nlg, domain, "utter_goodbye", "voice", "zu") == english
    assert generate(nlg, domain, "utter_goodbye", "voice", "../en") == english


# ---- what a shipped catalogue must be ------------------------------------------------------


def catalogue_problems(language: str, english: Dict[str, List[Dict[str, Any]]]) -> List[str]:
    """Why ``language``'s responses could not stand in for English's (empty: they can).

    Every domain response is there, no other; each medium English varies for is there; every
    variation carries English's custom payload (a PIN request, a hand-over, the end of a call)
    and button payloads, and fills in only values English's variations have.
    """
    ours = texts.responses(language)
    problems = [f"{name}: missing" for name in english if name not in ours]
    problems += [f"{name}: not in the domain" for name in ours if name not in english]
    for name in set(ours) & set(english):
        theirs_by_medium = {v.get("channel"): v for v in ours[name]}
        english_by_medium = {v.get("channel"): v for v in english[name]}
        if set(theirs_by_medium) != set(english_by_medium):
            problems.append(f"{name}: mediums {sorted(map(str, theirs_by_medium))}")
            continue
        for medium, variation in theirs_by_medium.items():
            original = english_by_medium[medium]
            if variation.get("custom") != original.get("custom"):
                problems.append(f"{name} ({medium}): custom payload differs")
            payloads = [b.get("payload") for b in variation.get("buttons") or []]
            if payloads != [b.get("payload") for b in original.get("buttons") or []]:
                problems.append(f"{name} ({medium}): button payloads differ")
            known = set(PLACEHOLDER.findall(str(original))) | set(texts.bank_phone_values())
            unknown = set(PLACEHOLDER.findall(str(variation))) - known
            if unknown:
                problems.append(f"{name} ({medium}): unknown values {sorted(unknown)}")
    return problems


def test_every_shipped_language_has_every_response_as_english_has_it() -> None:
    shipped = [lang for lang in texts.available_languages() if texts.responses(lang)]
    for language in shipped:
        assert catalogue_problems(language, domain_responses()) == [], language


def test_the_marker_catalogue_is_complete_and_a_broken_one_is_caught(
    marker: Path,
) -> None:
    assert catalogue_problems(LANGUAGE, domain_responses()) == []
    path = marker / LANGUAGE / "responses.yml"
    broken = yaml.safe_load(path.read_text(encoding="utf-8"))
    del broken["responses"]["utter_ask_pin"][0]["custom"]
    broken["responses"]["utter_balance"][0]["text"] += " {pin}"
    broken["responses"]["utter_nonsense"] = [{"text": "?"}]
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert sorted(catalogue_problems(LANGUAGE, domain_responses())) == [
        "utter_ask_pin (None): custom payload differs",
        "utter_balance (None): unknown values ['pin']",
        "utter_nonsense: not in the domain",
    ]
