"""Every reply a caller hears says money, dates and card endings in words, never as digits.

A response (in ``domain.yml``) or a gateway text (``assistant/texts``) that fills in money, a
date or a card ending in figures ("$1,420.00", "Nov 4", "4321") has a voice variation, and
that variation uses the spoken form of the value ("{balance_words}").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, Tuple

import pytest
import yaml

from assistant.texts import _load

ROOT = Path(__file__).resolve().parent.parent
# Values that are figures on screen and words when spoken (the *_words value beside each).
FIGURES = frozenset(
    {
        "amount",
        "balance",
        "available",
        "date",
        "short_date",
        "last4",
        "old_last4",
        "new_last4",
        "held",
        "phone",
    }
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SCREEN_OR_TEXT_ONLY = ("web_", "sms_")
TEXT_ONLY_SUFFIX = "_sms"  # a text message's words (family.yml): never spoken


def variations() -> Iterator[Tuple[str, Dict[str, str]]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, entries in domain["responses"].items():
        texts = {e.get("channel", "default"): e["text"] for e in entries if "text" in e}
        yield f"domain.yml {name}", texts
    for key, entry in _load("en").items():
        if not key.startswith(SCREEN_OR_TEXT_ONLY) and not key.endswith(TEXT_ONLY_SUFFIX):
            yield f"texts {key}", dict(entry)


CASES = [case for case in variations() if "default" in case[1]]


@pytest.mark.parametrize(("where", "texts"), CASES, ids=[c[0] for c in CASES])
def test_what_a_caller_hears_has_no_figures(where: str, texts: Dict[str, str]) -> None:
    figures = set(PLACEHOLDER.findall(texts["default"])) & FIGURES
    if not figures:
        return
    assert "voice" in texts, f"{where} says {figures} in figures and has no voice variation"
    spoken = set(PLACEHOLDER.findall(texts["voice"]))
    assert not spoken & FIGURES, f"{where}'s voice variation says {spoken & FIGURES} in figures"
