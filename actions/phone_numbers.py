"""A relative's mobile number: read from what the customer typed or said, and read back.

The number is the customer's to give and not a secret, but it is nobody else's business:
nothing here logs it. Numbers without a country code are taken to be in the bank's country
(the territory of the conversation's locale, "en_US" -> US); they are stored in E.164.
"""

from __future__ import annotations

import re
from typing import Dict, Optional

import phonenumbers
from babel import Locale

from actions.formatting import digits_in_words, language_of
from assistant.texts import text
from nlu.normalize import spoken_digits

_TYPED = re.compile(r"^\+?[\d\s().\-]+$")
_WRITTEN_IN = re.compile(r"\+?\d[\d\s().\-]{5,}\d")


def _region(locale: str) -> str:
    return Locale.parse(locale).territory or "US"


def read_phone(said: str, locale: str) -> Optional[str]:
    """The number in ``said`` ("555 010 0077", "+44 7700 900123", "five five five ...") in
    E.164, or None when it is not a possible phone number."""
    said = (said or "").strip()
    written = _WRITTEN_IN.search(said)
    if _TYPED.match(said):
        candidate = said
    elif written:  # "it's 555 010 0077"
        candidate = written.group(0)
    else:
        candidate = spoken_digits(said) or ""
    if len(re.sub(r"\D", "", candidate)) < 7:
        return None
    try:
        number = phonenumbers.parse(candidate, _region(locale))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_phone_digits(said: str) -> bool:
    """Whether ``said`` holds as many digits as a phone number (a new number, not a yes)."""
    digits = spoken_digits(said or "") or re.sub(r"\D", "", said or "")
    return len(digits) >= 7


def phone_values(prefix: str, e164: str, locale: str) -> Dict[str, str]:
    """A number for every medium: ``{prefix}`` as people write it in the bank's country
    ("(555) 010-0077", else "+44 7700 900123"), ``{prefix}_words`` digit by digit in groups
    for the ear ("five five five, zero one zero, zero zero seven seven")."""
    number = phonenumbers.parse(e164)
    home = phonenumbers.country_code_for_region(_region(locale))
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    written = phonenumbers.format_number(number, style)
    groups = [digits_in_words(group, locale) for group in re.findall(r"\d+", written)]
    if written.startswith("+"):
        groups[0] = f"{text('phone_plus', language=language_of(locale))} {groups[0]}"
    return {prefix: written, f"{prefix}_words": ", ".join(groups)}
