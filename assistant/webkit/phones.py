"""Phone numbers typed into a page's form: read as a local number of the bank's country if
they have no country code, and given back in E.164 (+15550100001)."""

from __future__ import annotations

from typing import Optional

import phonenumbers


def phone_e164(typed: str, locale: str) -> Optional[str]:
    """The number in E.164, reading it as a local number of the bank's country if need be;
    None when it cannot be a phone number."""
    region = locale.split("_")[-1].upper() if "_" in locale else None
    try:
        number = phonenumbers.parse(typed.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
