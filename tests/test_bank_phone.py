"""The bank's phone number is written once, in the settings, and every text says that one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest

from assistant.settings import PROJECT_ROOT, Settings, get_settings
from assistant.texts import text

# The default number in any spelling: written, dialled, or in words.
NUMBER = re.compile(r"555.?0199|5550199|five five five, zero one nine nine")
# Moving into the web pages' Babel catalogues (issue 8, web pages); they say it there.
NOT_YET = {Path("assistant/texts/en/web.yml")}


def catalogue_files() -> Iterator[Path]:
    yield PROJECT_ROOT / "domain.yml"
    for pattern in ("assistant/texts/**/*.yml", "assistant/locale/**/*.po"):
        yield from PROJECT_ROOT.glob(pattern)
    for folder in ("assistant", "actions", "voice", "family"):
        yield from (PROJECT_ROOT / folder).glob("**/*.py")


def test_the_number_is_written_only_in_the_settings() -> None:
    found = [
        str(path.relative_to(PROJECT_ROOT))
        for path in catalogue_files()
        if path.relative_to(PROJECT_ROOT) not in NOT_YET
        and path.name != "settings.py"
        and NUMBER.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert NUMBER.search((PROJECT_ROOT / "assistant" / "settings.py").read_text())


def test_the_default_number_is_said_as_before() -> None:
    settings = Settings()
    assert settings.bank_phone == "1-800-555-0199"
    assert settings.bank_phone_dial == "+18005550199"
    assert "call us on 1-800-555-0199." in text("pin_held")
    assert text("unavailable", "voice").endswith(
        "or call us on one eight hundred, five five five, zero one nine nine."
    )


def test_another_number_in_the_settings_is_said_in_every_medium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSISTANT_BANK_PHONE", "0800-123-456")
    monkeypatch.setenv("ASSISTANT_BANK_PHONE_SPOKEN", "oh eight hundred, one two three")
    get_settings.cache_clear()
    try:
        assert "call 0800-123-456." in text("pin_held", "sms")
        assert "0800-123-456" in text("sms_help", "sms")
        assert text("unavailable", "voice").endswith("call us on oh eight hundred, one two three.")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
