"""The voice channel's small parts: opening hours, the agent's summary, yes/no, TwiML, texts."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from assistant.settings import Settings
from assistant.texts import keys, text
from voice.call_flow import asks_for_person, caller_number, yes_or_no
from voice.hours import OpeningHours
from voice.twiml import Reply, render
from voice.whisper import mask_numbers, whisper_text

NEW_YORK = ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=NEW_YORK)


# ---- opening hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [(at(7, 59), False), (at(8, 0), True), (at(13), True), (at(19, 59), True), (at(20), False)],
)
def test_opening_hours_are_read_in_the_call_centres_time_zone(
    moment: datetime, is_open: bool
) -> None:
    hours = OpeningHours.parse("08:00-20:00", "America/New_York", clock=lambda: moment)
    assert hours.is_open() is is_open
    assert hours.is_open(moment.astimezone(timezone.utc)) is is_open


def test_the_clock_may_be_naive_utc() -> None:
    hours = OpeningHours.parse(
        "08:00-20:00", "America/New_York", clock=lambda: datetime(2026, 3, 2, 15)
    )
    assert hours.is_open() is True  # 10 AM in New York


def test_hours_may_wrap_past_midnight_or_cover_the_whole_day() -> None:
    night = OpeningHours.parse("22:00-06:00", "America/New_York")
    assert night.is_open(at(23)) and night.is_open(at(5, 59))
    assert not night.is_open(at(6)) and not night.is_open(at(12))
    always = OpeningHours.parse("00:00-24:00", "America/New_York")
    assert always.always_open and always.is_open(at(3)) and always.is_open(at(23, 59))


def test_hours_are_spoken_as_a_person_would_say_them() -> None:
    hours = OpeningHours.parse("08:00-20:30", "America/New_York")
    assert (hours.spoken_opens(), hours.spoken_closes()) == ("8 AM", "8:30 PM")


@pytest.mark.parametrize("spec", ["", "8-20", "08:00", "25:00-26:00", "08:61-20:00", "later"])
def test_malformed_hours_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        OpeningHours.parse(spec, "America/New_York")


def test_hours_come_from_the_settings() -> None:
    settings = Settings(opening_hours="09:30-17:00", timezone="Europe/London")
    hours = OpeningHours.from_settings(settings)
    assert hours.spoken_opens() == "9:30 AM" and hours.zone == ZoneInfo("Europe/London")


# ---- the agent's summary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "masked"),
    [
        ("my pin is 2468", "my pin is ****"),
        ("it's 2 4 6 8", "it's ****"),
        ("two four six eight please", "**** please"),
        ("Two, four, six, eight", "****"),
        ("account 12345678", "account ****"),
        ("send 50 to Tom", "send 50 to Tom"),
        ("send one hundred to Tom", "send one hundred to Tom"),
        ("twenty four sixty eight", "****"),
        ("to for six ate please", "**** please"),
        ("24 68", "****"),
    ],
)
def test_numbers_that_could_be_a_pin_are_masked(said: str, masked: str) -> None:
    assert mask_numbers(said) == masked


def test_the_whisper_says_who_why_what_and_flags() -> None:
    summary = {
        "name": "Margaret Chen",
        "verified": True,
        "reason": "key",
        "requests": ["what is my balance", "my pin is 2468"],
        "flags": ["vulnerable", "locked"],
    }
    said = whisper_text(summary, "en")
    assert said.startswith("Call from the Kindly Bank assistant. Caller Margaret Chen.")
    assert text("voice_whisper_verified") in said
    assert text("voice_whisper_reason_key") in said
    assert "what is my balance; my pin is ****" in said
    assert "vulnerable customer, PIN locked" in said
    assert "2468" not in said


def test_the_whisper_for_an_unknown_unverified_caller() -> None:
    said = whisper_text(
        {"name": None, "verified": False, "reason": "silence", "requests": []}, "en"
    )
    assert text("voice_whisper_unknown_caller") in said
    assert text("voice_whisper_not_verified") in said
    assert text("voice_whisper_asked_nothing") in said
    assert "Take care" not in said
    assert whisper_text(None, "en") == text("voice_whisper_no_summary")


# ---- what the caller said ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "keys", "answer"),
    [
        ("yes", "", True),
        ("Yes.", "", True),
        ("Yes please!", "", True),
        ("okay", "", True),
        ("no", "", False),
        ("No, thank you.", "", False),
        ("", "1", True),
        ("", "2", False),
        ("", "3", None),
        ("what is my balance", "", None),
        ("yesterday", "", None),
    ],
)
def test_yes_or_no(said: str, keys: str, answer: bool | None) -> None:
    assert yes_or_no(said, keys) is answer


def test_asking_for_a_person() -> None:
    assert asks_for_person("Can I speak to a person please")
    assert asks_for_person("AGENT")
    assert not asks_for_person("what is my balance")


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("+15550100001", "+15550100001"),
        (" +1 (555) 010-0001 ", "+15550100001"),
        ("anonymous", None),
        ("", None),
        (None, None),
        ("client:alice", None),
    ],
)
def test_caller_numbers(raw: str | None, phone: str | None) -> None:
    assert caller_number(raw) == phone


# ---- TwiML and texts --------------------------------------------------------------------------


def test_every_say_carries_the_voice_language_and_rate() -> None:
    settings = Settings(voice_name="Polly.Amy", voice_language="en-GB")
    document = render(Reply(["One & two", "<three>"], action="/x?n=1"), settings, "70%")
    assert document.count('<Say language="en-GB" voice="Polly.Amy">') == 2
    assert document.count('<prosody rate="70%">') == 2
    assert "One &amp; two" in document and "&lt;three&gt;" in document
    assert 'language="en-GB"' in document.split("<Say")[0]  # the Gather listens in it too


def test_voice_texts_are_plain_words_for_the_ear() -> None:
    path = Path(__file__).resolve().parent.parent / "assistant" / "texts" / "en" / "voice.yml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert entries and all(key.startswith("voice_") for key in entries)
    assert set(entries) <= set(keys())
    for key, entry in entries.items():
        assert set(entry) == {"default"}, key
        assert not re.search(r"[<>&$]", entry["default"]), key
