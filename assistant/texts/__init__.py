"""Words the gateway and the phone channels say themselves, one folder per language.

``assistant/texts/<language>/*.yml`` are merged: ``gateway.yml`` (PIN checks, problems),
``voice.yml`` (phone calls), ``sms.yml`` (text messages). Everything the assistant says in
conversation lives in Rasa's ``domain.yml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache
def _load(language: str) -> Dict[str, Dict[str, str]]:
    merged: Dict[str, Dict[str, str]] = {}
    for path in sorted((HERE / language).glob("*.yml")):
        for key, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise ValueError(f"text {key!r} is defined twice ({path.name})")
            merged[key] = entry
    return merged


def text(key: str, channel: str = "default", language: str = "en", **values: Any) -> str:
    """The wording of ``key`` for ``channel`` (falling back to the default), filled in."""
    entry = _load(language)[key]
    return entry.get(channel, entry["default"]).format(**values)


def plural(
    key: str, count: int, channel: str = "default", language: str = "en", **values: Any
) -> str:
    """``key`` worded for ``count`` things, by the language's plural rules (Babel).

    The catalogue holds ``key`` (the "other" form) and, where the language needs them,
    ``key_one``, ``key_two``, ``key_few``, ``key_many``, ``key_zero``: "1 try", "4 tries".
    """
    from babel import Locale

    form = Locale.parse(language).plural_form(count)
    name = f"{key}_{form}" if form != "other" and f"{key}_{form}" in _load(language) else key
    return text(name, channel, language, **values)


def available_languages() -> frozenset:
    """The languages with a catalogue folder here."""
    return frozenset(path.name for path in HERE.iterdir() if path.is_dir() and path.name.isalpha())


def keys(language: str = "en") -> list[str]:
    return sorted(_load(language))


def local_time(moment: Any, settings: Any) -> str:
    """A time of day as people here read it: '3:15 PM' in the bank's time zone and locale."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_time

    return format_time(moment, "h:mm a", tzinfo=ZoneInfo(settings.timezone), locale=settings.locale)
