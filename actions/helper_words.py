"""What a helper may do, in words, both ways: said to the customer, and heard from them.

Said: "see your balance and get alerts" (``assistant/texts/<language>/helpers.yml``). Heard:
"stop Linda seeing my balance" names one permission and which way; the words for each come
from the language's catalogue (``answers.yml``: ``helper_words_<permission>``, ``_grant``,
``_withdraw``), never from a list in the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from actions.formatting import names_list
from assistant.texts import text
from family.links.permissions import PERMISSIONS

GRANT, WITHDRAW = "grant", "withdraw"
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def ability_words(
    permissions: Iterable[str], channel: str, language: str, locale: str, style: str = "standard"
) -> str:
    """What the permissions let a helper do, as one list: "see your balance and get alerts"."""
    chosen = [p for p in PERMISSIONS if p in set(permissions)]
    return names_list(
        (text(f"helper_can_{name}", channel, language) for name in chosen), style, locale
    )


def numbers_of(permissions: Iterable[str]) -> str:
    """The permissions as the numbers of the list texted to the customer: "1 3 4"."""
    chosen = set(permissions)
    return " ".join(str(i) for i, name in enumerate(PERMISSIONS, start=1) if name in chosen)


def from_numbers(reply: str) -> Optional[List[str]]:
    """The permissions a reply to the numbered list chooses ("1 3 4", "1,3", "134"); [] for
    "0"; None when it holds anything but the list's numbers."""
    digits = re.sub(r"[\s,;.&+]|and", "", reply.lower())
    if not digits.isdigit():
        return None
    if digits == "0":
        return []
    if any(d == "0" or int(d) > len(PERMISSIONS) for d in digits):
        return None
    return [name for i, name in enumerate(PERMISSIONS, start=1) if str(i) in digits]


@dataclass(frozen=True)
class HeardChange:
    """What a request to change a helper's access said: the permissions it named, and which
    way (GRANT, WITHDRAW, or None when it did not say, or said both)."""

    permissions: Tuple[str, ...]
    direction: Optional[str]

    @property
    def clear(self) -> Optional[Tuple[str, bool]]:
        """``(permission, granted)`` when exactly one permission and one way were said."""
        if len(self.permissions) != 1 or self.direction is None:
            return None
        return self.permissions[0], self.direction == GRANT


def hear_change(said: str, language: str) -> HeardChange:
    """The permissions and the way ``said`` names ("stop Linda seeing my balance": balance,
    withdraw)."""
    groups = {name: f"helper_words_{name}" for name in PERMISSIONS}
    groups[GRANT], groups[WITHDRAW] = "helper_words_grant", "helper_words_withdraw"
    found = groups_heard(said, groups, language)
    named = tuple(p for p in PERMISSIONS if p in found)
    ways = {way for way in (GRANT, WITHDRAW) if way in found}
    return HeardChange(named, ways.pop() if len(ways) == 1 else None)


def groups_heard(said: str, groups: Dict[str, str], language: str) -> set:
    """The groups (name -> catalogue key of its comma-separated phrases) whose phrases
    ``said`` holds, longest phrases first, each word used once."""
    return _phrases_found(said, {name: _phrases(key, language) for name, key in groups.items()})


def _phrases(key: str, language: str) -> List[Tuple[str, ...]]:
    listed = text(key, language=language)
    return [tuple(_words(phrase)) for phrase in listed.split(",") if _words(phrase)]


def _words(said: str) -> List[str]:
    return _WORD.findall(said.lower().replace("\u2019", "'"))


def _phrases_found(said: str, groups: Dict[str, List[Tuple[str, ...]]]) -> set:
    """The groups whose phrases ``said`` holds, longest phrases first, each word used once."""
    words: List[Optional[str]] = list(_words(said))
    ranked: Sequence[Tuple[Tuple[str, ...], str]] = sorted(
        ((phrase, group) for group, phrases in groups.items() for phrase in phrases),
        key=lambda item: -len(item[0]),
    )
    found = set()
    for phrase, group in ranked:
        size = len(phrase)
        for start in range(len(words) - size + 1):
            if tuple(words[start : start + size]) == phrase:
                found.add(group)
                words[start : start + size] = [None] * size
    return found
