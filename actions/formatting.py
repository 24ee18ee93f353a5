"""Values for response templates: every medium's variation gets what it needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Dict, Iterable

from babel.dates import format_date
from babel.lists import format_list
from num2words import num2words

from assistant.clock import Zone, local_date
from assistant.money import Money, format_money, money_in_words

LOCALE = "en_US"


def money_values(prefix: str, money: Money) -> Dict[str, str]:
    """``{prefix}: "$50.00"`` and ``{prefix}_words: "fifty dollars"``."""
    return {prefix: format_money(money, LOCALE), f"{prefix}_words": money_in_words(money)}


def digits_in_words(digits: str) -> str:
    """'4321' -> 'four three two one' so a card ending is spoken digit by digit."""
    return " ".join(num2words(int(d)) for d in digits if d.isdigit())


def date_values(when: date | datetime, zone: Zone = None) -> Dict[str, str]:
    """A day for every medium, in the bank's time zone: a moment (aware UTC) is first turned
    into the bank-local day it falls on; a plain date is already one."""
    day = local_date(when, zone)
    return {
        "date": format_date(day, "MMM d", locale=LOCALE),
        "short_date": format_date(day, "M/d", locale=LOCALE),
        "date_words": format_date(day, "EEEE, MMMM d", locale=LOCALE),
    }


def names_list(names: Iterable[str], style: str = "or") -> str:
    """'Linda, Tom or City Power' (Babel list patterns)."""
    items = list(names)
    if not items:
        return ""
    return format_list(items, style=style, locale=LOCALE)


def account_values(prefix: str, kind: str) -> Dict[str, Any]:
    return {prefix: kind, f"{prefix}_title": kind.title()}


def short_text(words: str, limit: int = 16) -> str:
    """``words`` cut to ``limit`` characters at most (for text messages)."""
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "."
