"""Phone numbers typed into a page's form (read as a local number of the bank's country if
they have no country code, and given back in E.164: +15550100001), and as pages read them back."""

from __future__ import annotations

import re
from typing import List, Optional

import phonenumbers


def _region(locale: str) -> Optional[str]:
    return locale.split("_")[-1].upper() if "_" in locale else None


def phone_e164(typed: str, locale: str) -> Optional[str]:
    """The number in E.164, reading it as a local number of the bank's country if need be;
    None when it cannot be a phone number."""
    try:
        number = phonenumbers.parse(typed.strip(), _region(locale))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str, locale: str) -> str:
    """The number as it is written at home: "(555) 010-0077" for a number of the bank's
    country, "+44 7700 900123" for another."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = _region(locale)
    if region and number.country_code == phonenumbers.country_code_for_region(region):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digit_groups(e164: str, locale: str) -> List[str]:
    """The number's digit groups as it is written at home (["555", "010", "0077"]), to read
    back one group at a time; another country's number starts with its "+44"."""
    return re.findall(r"\+?\d+", phone_display(e164, locale))
