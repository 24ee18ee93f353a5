"""Phone numbers: stored and looked up in E.164 (+15550100001)."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(phone: str) -> str:
    """Strip spaces, dots, dashes and brackets; "00" becomes "+". No country guessing."""
    cleaned = re.sub(r"[\s().\-]", "", phone or "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    return cleaned


def is_e164(phone: str) -> bool:
    return bool(_E164.match(phone or ""))
