"""Values for response templates: every medium's variation gets what it needs.

Figures, dates and lists are formatted for the conversation's locale (the ``locale`` slot the
gateway sets, else the bank's settings); the words around them are in the responses, and the
few words filled into them (the kinds of account) in the catalogue of the conversation's
language (the ``language`` slot), ``assistant/texts/<language>/accounts.yml``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Dict, Iterable, Optional

from babel import Locale
from babel.dates import format_date, match_skeleton
from babel.lists import format_list
from num2words import num2words
from rasa_sdk import Tracker

from assistant.clock import Zone, local_date
from assistant.money import Money, format_money, money_in_words
from assistant.settings import get_settings
from assistant.texts import language_of as catalogue_language_of
from assistant.texts import text


def locale_of(tracker: Optional[Tracker]) -> str:
    """The conversation's locale ("en_US"): the ``locale`` slot, else the settings' locale."""
    chosen = tracker.get_slot("locale") if tracker is not None else None
    return chosen or get_settings().locale


def catalogue_language(tracker: Optional[Tracker]) -> str:
    """The conversation's catalogue language ("en"): the ``language`` slot, else its locale's
    (the bank's)."""
    chosen = tracker.get_slot("language") if tracker is not None else None
    return chosen or catalogue_language_of(locale_of(tracker))


def language_of(locale: str) -> str:
    """'en_US' -> 'en'."""
    return Locale.parse(locale).language


def money_values(prefix: str, money: Money, locale: Optional[str] = None) -> Dict[str, str]:
    """``{prefix}: "$50.00"`` and ``{prefix}_words: "fifty dollars"``."""
    locale = locale or get_settings().locale
    return {
        prefix: format_money(money, locale),
        f"{prefix}_words": money_in_words(money, language_of(locale)),
    }


def digits_in_words(digits: str, locale: Optional[str] = None) -> str:
    """'4321' -> 'four three two one' so a card ending is spoken digit by digit."""
    language = language_of(locale or get_settings().locale)
    return " ".join(_digit_word(int(d), language) for d in digits if d.isdigit())


def _digit_word(digit: int, language: str) -> str:
    try:
        return num2words(digit, lang=language)
    except NotImplementedError:  # a language num2words lacks: the digit itself
        return str(digit)


def date_values(
    when: date | datetime, zone: Zone = None, locale: Optional[str] = None
) -> Dict[str, str]:
    """A day for every medium, in the bank's time zone: a moment (aware UTC) is first turned
    into the bank-local day it falls on; a plain date is already one. The patterns are the
    locale's own (CLDR skeletons): "Sep 12", "9/12", "Friday, September 12" in en_US."""
    day = local_date(when, zone)
    locale = locale or get_settings().locale
    return {
        "date": format_date(day, _pattern("MMMd", locale), locale=locale),
        "short_date": format_date(day, _pattern("Md", locale), locale=locale),
        "date_words": format_date(day, _pattern("MMMMEEEEd", locale), locale=locale),
    }


@lru_cache(maxsize=64)
def _pattern(skeleton: str, locale: str) -> str:
    """The locale's pattern for ``skeleton``, its fields as wide as asked (as ICU does):
    "MMMMEEEEd" in en_US matches "E, MMM d" and becomes "EEEE, MMMM d" (never narrower)."""
    skeletons = Locale.parse(locale).datetime_skeletons
    pattern = skeletons[match_skeleton(skeleton, skeletons)].pattern
    parts = pattern.split("'")
    for field in set(skeleton):
        width = skeleton.count(field)
        for i in range(0, len(parts), 2):  # outside quoted literals
            parts[i] = re.sub(f"{field}+", lambda m, w=width: _widen(m[0], w), parts[i])
    return "'".join(parts)


def _widen(field: str, width: int) -> str:
    """A pattern field at ``width`` letters; a numeric month ("M" in "M月d日") stays numeric."""
    if field[0] in "ML" and len(field) < 3:
        return field
    return field[0] * max(width, len(field))


def names_list(names: Iterable[str], style: str = "or", locale: Optional[str] = None) -> str:
    """'Linda, Tom or City Power' (Babel list patterns)."""
    items = list(names)
    if not items:
        return ""
    return format_list(items, style=style, locale=locale or get_settings().locale)


def account_word(kind: str, language: str) -> str:
    """An account's kind in words inside a sentence ("savings"), in ``language``."""
    return text(f"account_{kind}", language=language)


def account_words(kinds: Iterable[str], language: str, locale: str) -> str:
    """Kinds of account as a list in words: "checking and savings"."""
    return names_list((account_word(kind, language) for kind in kinds), "standard", locale)


def account_values(prefix: str, kind: str, name: str, language: str) -> Dict[str, str]:
    """An account for the responses: its kind in words ("savings") and its own name
    ("Savings")."""
    return {prefix: account_word(kind, language), f"{prefix}_title": name}


def name_as_typed(name: str) -> str:
    """A name as its owner writes it: kept as typed, except that words typed all in lower
    case get a capital first letter ("joe bloggs" -> "Joe Bloggs", "McDonald" stays, and a
    script without capitals is unchanged)."""
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in name.split())


def short_text(words: str, limit: int = 16) -> str:
    """``words`` cut to ``limit`` characters at most (for text messages)."""
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "."
