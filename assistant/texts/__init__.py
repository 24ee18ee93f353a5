"""Words the gateway and the phone channels say themselves, one folder per language.

``assistant/texts/<language>/*.yml`` are merged: ``gateway.yml`` (PIN checks, problems),
``voice.yml`` (phone calls), ``sms.yml`` (text messages), ``answers.yml`` (words the gateway
recognises). ``responses.yml`` beside them is the language's Rasa responses (the same shape as
``domain.yml``'s, read by ``assistant.rasa_nlg``); English ones live in ``domain.yml`` itself.
A key a language does not have yet is said in English.

Every text may say the bank's phone number through ``{bank_phone}`` (``{bank_phone_spoken}``
in words for the ear, ``{bank_phone_dial}`` to dial): it is set once, in the settings.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

HERE = Path(__file__).resolve().parent
ENGLISH = "en"
#: The language's Rasa responses; not texts of their own.
RESPONSES_FILE = "responses.yml"


def catalogue_roots() -> List[Path]:
    """Where language folders are looked for: the configured folders first, then this one."""
    from assistant.settings import get_settings

    extra = [Path(p) for p in get_settings().texts_dirs.split(os.pathsep) if p.strip()]
    return [*extra, HERE]


def language_folder(language: str) -> Optional[Path]:
    """The folder of ``language``'s catalogue, or None if there is none."""
    if not language.isalpha():
        return None
    for root in catalogue_roots():
        if (root / language).is_dir():
            return root / language
    return None


@lru_cache
def _load(language: str) -> Dict[str, Dict[str, str]]:
    merged: Dict[str, Dict[str, str]] = {}
    folder = language_folder(language)
    if folder is None:
        return merged
    for path in sorted(folder.glob("*.yml")):
        if path.name == RESPONSES_FILE:
            continue
        for key, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in merged:
                raise ValueError(f"text {key!r} is defined twice ({path.name})")
            merged[key] = entry
    return merged


def responses(language: str) -> Dict[str, List[Dict[str, Any]]]:
    """``language``'s Rasa responses (its ``responses.yml``); empty if it has none."""
    folder = language_folder(language)
    if folder is None or not (folder / RESPONSES_FILE).is_file():
        return {}
    loaded = yaml.safe_load((folder / RESPONSES_FILE).read_text(encoding="utf-8")) or {}
    return loaded.get("responses") or {}


def _entry(key: str, language: str) -> Dict[str, str]:
    """``key``'s wordings in ``language``, else in English."""
    entry = _load(language).get(key)
    return entry if entry is not None else _load(ENGLISH)[key]


def own_setting(key: str, language: str) -> Optional[str]:
    """``key``'s default wording in ``language``'s own catalogue, None if it has none (no
    English fallback): for what a language may bring of its own, e.g. its speech voice."""
    entry = _load(language).get(key)
    return entry.get("default") if entry is not None else None


def bank_phone_values() -> Dict[str, str]:
    """The values of the bank's phone number placeholders, from the settings."""
    from assistant.settings import get_settings

    settings = get_settings()
    return {
        "bank_phone": settings.bank_phone,
        "bank_phone_spoken": settings.bank_phone_spoken,
        "bank_phone_dial": settings.bank_phone_dial,
    }


def text(key: str, channel: str = "default", language: str = ENGLISH, **values: Any) -> str:
    """The wording of ``key`` for ``channel`` (falling back to the default), filled in."""
    entry = _entry(key, language)
    return entry.get(channel, entry["default"]).format(**{**bank_phone_values(), **values})


def plural(
    key: str, count: int, channel: str = "default", language: str = ENGLISH, **values: Any
) -> str:
    """``key`` worded for ``count`` things, by the language's plural rules (Babel).

    The catalogue holds ``key`` (the "other" form) and, where the language needs them,
    ``key_one``, ``key_two``, ``key_few``, ``key_many``, ``key_zero``: "1 try", "4 tries".
    """
    from babel import Locale

    if key not in _load(language):
        language = ENGLISH
    form = Locale.parse(language).plural_form(count)
    name = f"{key}_{form}" if form != "other" and f"{key}_{form}" in _load(language) else key
    return text(name, channel, language, **values)


@lru_cache
def available_languages() -> frozenset:
    """The languages with a catalogue folder."""
    return frozenset(
        path.name
        for root in catalogue_roots()
        if root.is_dir()
        for path in root.iterdir()
        if path.is_dir() and path.name.isalpha()
    )


def reload() -> None:
    """Read the catalogues again (after the settings' catalogue folders changed)."""
    _load.cache_clear()
    available_languages.cache_clear()


def _language_part(locale: Optional[str]) -> str:
    return (locale or "").replace("-", "_").split("_")[0].lower()


def default_language() -> str:
    """The language of the bank's locale (the settings), if it has a catalogue, else English."""
    from assistant.settings import get_settings

    language = _language_part(get_settings().locale)
    return language if language in available_languages() else ENGLISH


def language_of(locale: Optional[str], default_locale: Optional[str] = None) -> str:
    """The catalogue language for ``locale`` ("en_US" -> "en").

    A locale whose language has no catalogue gets ``default_locale``'s language (the bank's,
    from the settings, when not given), else English.
    """
    for candidate in (locale, default_locale):
        language = _language_part(candidate)
        if language and language in available_languages():
            return language
    return default_language()


def keys(language: str = ENGLISH) -> list[str]:
    return sorted(_load(language))


def local_time(moment: Any, settings: Any, locale: Optional[str] = None) -> str:
    """A time of day as the customer reads it: '3:15 PM' in the bank's time zone, in
    ``locale``'s own way (the bank's locale when not given)."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_time

    words = format_time(
        moment, "short", tzinfo=ZoneInfo(settings.timezone), locale=locale or settings.locale
    )
    # CLDR's narrow no-break space ("3:15\u202fPM") is not GSM-7: a plain space in texts.
    return words.replace("\u202f", " ").replace("\xa0", " ")


def spoken_time(moment: Any, settings: Any, language: str = ENGLISH) -> str:
    """A time of day for the ear, in words: "nine forty in the morning" (the bank's time
    zone). The shape of each part is the language's (``times.yml``); numbers by num2words."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(settings.timezone))
    hour = _number_words(local.hour % 12 or 12, language)
    if local.minute == 0:
        clock = text("clock_oclock", language=language, hour=hour)
    else:
        key = "clock_minutes_early" if local.minute < 10 else "clock_minutes"
        minutes = _number_words(local.minute, language)
        clock = text(key, language=language, hour=hour, minutes=minutes)
    part = next(name for limit, name in _PARTS_OF_DAY if local.hour < limit)
    return text(f"time_{part}", language=language, time=clock)


# Until which hour each part of the day lasts (the words for each are in times.yml).
_PARTS_OF_DAY = ((5, "night"), (12, "morning"), (17, "afternoon"), (21, "evening"), (24, "night"))


def _number_words(number: int, language: str) -> str:
    from num2words import num2words

    try:
        return num2words(number, lang=language)
    except NotImplementedError:  # a language num2words lacks: the figures
        return str(number)


def when_words(
    moment: Any,
    settings: Any,
    channel: str = "default",
    language: str = ENGLISH,
    locale: Optional[str] = None,
    now: Any = None,
    deadline: bool = False,
) -> str:
    """When ``moment`` is, from ``now``: "today at 9:40 AM", "tomorrow at 3:15 PM", "on Dec 9
    at 9:40 AM" (a ``deadline`` after "by" or "until": "Dec 9 at 9:40 AM"); by voice the day
    and the time in words (the bank's time zone)."""
    from datetime import datetime, timedelta

    from babel.dates import format_date

    from assistant.clock import local_date

    now = now or datetime.now(moment.tzinfo)
    day = local_date(moment, settings.timezone)
    today = local_date(now, settings.timezone)
    if channel == "voice":
        moment_words = spoken_time(moment, settings, language)
    else:
        moment_words = local_time(moment, settings, locale)
    keys = {
        today: "when_today",
        today - timedelta(days=1): "when_yesterday",
        today + timedelta(days=1): "when_tomorrow",
    }
    locale = locale or settings.locale
    return text(
        keys.get(day, "when_date" if deadline else "when_day"),
        channel,
        language,
        time=moment_words,
        date=format_date(day, "MMM d", locale=locale),
        date_words=format_date(day, "MMMM d", locale=locale),
    )
