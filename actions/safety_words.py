"""Safety limits in words, both ways: heard from the customer, and said to them.

Heard: "no payments by text" names the text limit and nothing at all; "remove my phone limit"
the phone limit and no limit; "always ask my helper above 300" the co-sign amount (the amount
comes from the NLU's amount entity). The words for each come from the language's catalogue
(``assistant/texts/<language>/safety.yml``: ``limit_words_<limit>``, ``limit_words_nothing``,
``_off``, ``_on``), never from a list in the code.

Said: each limit as one sentence ("At most $500.00 a day for payments by phone"), for the
read-back, the answer and "what are my limits".

In the slots a limit's value is text: minor units ("50000"; "0": no payments that way), "on"
(the pause on new payees) or "off" (no limit; the pause off; nobody asked first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from actions.formatting import money_values
from actions.helper_words import groups_heard
from assistant.banking.limits import (
    COSIGN_ABOVE,
    DAILY,
    NAMES,
    NEW_PAYEE_COOLING_OFF,
)
from assistant.banking.safety import LimitsView
from assistant.money import Money
from assistant.settings import get_settings
from assistant.texts import text, when_words

NOTHING, OFF, ON = "nothing", "off", "on"


@dataclass(frozen=True)
class Heard:
    """The limit a message names (None: none, or more than one), and what it wants it to be
    (NOTHING, OFF, ON; None when it does not say)."""

    name: Optional[str]
    wish: Optional[str]


def hear(said: str, language: str) -> Heard:
    """Which limit ``said`` names and what it wants, from the catalogue's words."""
    groups = {name: f"limit_words_{name}" for name in NAMES}
    groups.update({wish: f"limit_words_{wish}" for wish in (NOTHING, OFF, ON)})
    found = groups_heard(said, groups, language)
    if NEW_PAYEE_COOLING_OFF in found:
        name: Optional[str] = NEW_PAYEE_COOLING_OFF
    elif COSIGN_ABOVE in found:
        name = COSIGN_ABOVE
    else:
        daily = [n for n in DAILY if n in found]
        name = daily[0] if len(daily) == 1 else None
    wishes = [wish for wish in (NOTHING, OFF) if wish in found]
    wish = wishes[0] if len(wishes) == 1 else None
    if wish is None and not wishes and ON in found:
        wish = ON
    return Heard(name, wish)


def value_for(name: str, wish: Optional[str], minor: Optional[int]) -> Optional[str]:
    """The slot value the words and amount ask for limit ``name``; None when they do not say."""
    if name == NEW_PAYEE_COOLING_OFF:
        return OFF if wish == OFF else ON
    if wish == OFF or (name == COSIGN_ABOVE and wish == NOTHING):
        return OFF
    if minor is not None and minor >= 0:
        return str(minor)
    if wish == NOTHING:
        return "0"
    return None


def fits(name: Optional[str], value: Optional[str]) -> bool:
    """Whether ``value`` can be limit ``name``'s (an amount is no pause; "on" is no amount)."""
    if name is None or value is None:
        return False
    if name == NEW_PAYEE_COOLING_OFF:
        return value in (ON, OFF)
    return value == OFF or value.isdigit()


def service_value(name: str, value: str) -> int | bool | None:
    """The slot value as ``SafetyLimits.change`` takes it."""
    if name == NEW_PAYEE_COOLING_OFF:
        return value == ON
    return None if value == OFF else int(value)


def slot_value(name: str, value: int | bool | None) -> str:
    """A limit's value as the slots keep it."""
    if name == NEW_PAYEE_COOLING_OFF:
        return ON if value else OFF
    return OFF if value is None else str(int(value))


def _hours() -> str:
    hours = get_settings().scam_cooling_off_hours
    return str(int(hours)) if float(hours).is_integer() else str(hours)


def change_words(
    name: str, value: int | bool | None, channel: str, language: str, locale: str
) -> str:
    """Limit ``name`` at ``value`` as one sentence, for ``channel``."""
    currency = get_settings().currency
    if name == NEW_PAYEE_COOLING_OFF:
        key = "limit_cooling_off_on" if value else "limit_cooling_off_off"
        return text(key, channel, language, hours=_hours())
    if name == COSIGN_ABOVE:
        if value is None:
            return text("limit_cosign_off", channel, language)
        money = money_values("amount", Money(int(value), currency), locale)
        return text("limit_cosign_amount", channel, language, **money)
    way = text(f"limit_way_{name}", channel, language)
    if value is None:
        return text("limit_daily_off", channel, language, way=way)
    if value == 0:
        return text("limit_daily_none", channel, language, way=way)
    money = money_values("amount", Money(int(value), currency), locale)
    return text("limit_daily_amount", channel, language, way=way, **money)


def way_words(name: str, channel: str, language: str) -> str:
    """How the payments a daily limit covers are made: "by phone"."""
    return text(f"limit_way_{name}", channel, language)


def limits_words(view: LimitsView, channel: str, language: str, locale: str) -> str:
    """Every limit in effect, one sentence each."""
    parts = [
        change_words(name, view.limits.value(name), channel, language, locale) for name in NAMES
    ]
    return _joined(parts, channel, language)


def waiting_words(view: LimitsView, channel: str, language: str, locale: str) -> str:
    """The loosenings still waiting, each with when it starts ("" when none)."""
    settings = get_settings()
    parts: List[str] = []
    for pending in view.pending:
        when = when_words(pending.effective_at, settings, channel, language, locale)
        change = change_words(pending.name, pending.value, channel, language, locale)
        parts.append(text("limit_waiting", channel, language, when=when, change=change))
    return _joined(parts, channel, language) if parts else ""


def _joined(parts: List[str], channel: str, language: str) -> str:
    return text("limit_separator", channel, language).join(parts) + "."
