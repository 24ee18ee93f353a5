"""SMS keywords (BAL, MINI, HELP, STOP, START), recognised despite case, spacing and typos.

A keyword is the whole message, give or take punctuation, spaces and a polite word ("bal pls",
"STOP!", " Mini statement "). Anything longer is free text for the assistant. Small typos are
forgiven (optimal string alignment distance, so "BLA" and "HLEP" count), but only where a wrong
guess is cheap:

- BAL and MINI only lead to the assistant asking for the PIN, so they forgive one slip ("BALL",
  "MIMI"). A message that is exactly one of the customer's payee names is never a fuzzy keyword.
- STOP forgives one slip on STOP itself ("SOTP", "STPO"); END, QUIT and REVOKE must be exact
  because their near neighbours ("AND", "QUIZ") are everyday words.
- CANCEL is deliberately *not* an opt-out word, although carriers list it: here "cancel" is how
  the customer stops a payment or any question at every step (DESIGN.md section 7), and reading
  it as STOP would silence their banking in the middle of a transfer. (With Twilio's Advanced
  Opt-Out, remove CANCEL from the Messaging Service's opt-out keywords to match.)
- YES is not an opt-in word for the same reason: it answers the payment read-back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Optional

from rapidfuzz.distance import OSA


class Keyword(str, Enum):
    BAL = "bal"
    MINI = "mini"
    HELP = "help"
    STOP = "stop"
    START = "start"


# What the assistant is asked when a keyword stands for a request. These are input for the
# English NLU model, never shown to the customer.
ASSISTANT_REQUESTS = {
    Keyword.BAL: "what is my balance",
    Keyword.MINI: "show my recent payments",
}

# (keyword, form without spaces, typos forgiven). Forms are compared with spaces removed, so
# "stop all" is "stopall" and "mini statement" is "ministatement".
_FORMS: tuple[tuple[Keyword, str, int], ...] = (
    (Keyword.BAL, "bal", 1),
    (Keyword.BAL, "balance", 2),
    (Keyword.BAL, "bals", 1),
    (Keyword.MINI, "mini", 1),
    (Keyword.MINI, "ministatement", 2),
    (Keyword.MINI, "ministmt", 1),
    (Keyword.MINI, "statement", 1),
    (Keyword.HELP, "help", 1),
    (Keyword.HELP, "info", 0),
    (Keyword.STOP, "stop", 1),
    (Keyword.STOP, "stopall", 1),
    (Keyword.STOP, "unsubscribe", 2),
    (Keyword.STOP, "optout", 1),
    (Keyword.STOP, "end", 0),
    (Keyword.STOP, "quit", 0),
    (Keyword.STOP, "revoke", 0),
    (Keyword.START, "start", 1),
    (Keyword.START, "unstop", 1),
)

# Everyday words one slip away from a keyword: never read as that keyword.
_NOT_KEYWORDS = frozenset({"shop", "step", "stay", "star", "smart", "bad", "mine", "hello"})

# Polite words around a keyword do not make it free text ("STOP PLEASE", "bal pls").
_FILLERS = frozenset({"please", "pls", "plz", "thanks", "thx", "thank", "you", "now", "my"})

_MIN_FUZZY_LENGTH = 3


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    exact: bool


def normalize(text: str) -> str:
    """Lower case, letters and digits only, single spaces: ' BAL. ' -> 'bal'."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", folded).split())


def match_keyword(text: str, protected: Iterable[str] = ()) -> Optional[KeywordMatch]:
    """The keyword ``text`` is, or None for free text.

    ``protected`` are words (e.g. the customer's payee names) that must reach the assistant
    as typed even when they are one slip away from a keyword.
    """
    words = normalize(text).split()
    while len(words) > 1 and words[-1] in _FILLERS:
        words.pop()
    while len(words) > 1 and words[0] in _FILLERS:
        words.pop(0)
    compact = "".join(words)
    if not compact or compact.isdigit() or len(compact) > 20:
        return None
    for keyword, form, _ in _FORMS:
        if compact == form:
            return KeywordMatch(keyword, exact=True)
    if len(compact) < _MIN_FUZZY_LENGTH or compact in _NOT_KEYWORDS:
        return None
    if compact in {normalize(name).replace(" ", "") for name in protected}:
        return None
    best: dict[Keyword, int] = {}
    for keyword, form, allowed in _FORMS:
        if allowed == 0 or compact[0] != form[0]:
            continue
        distance = OSA.distance(compact, form, score_cutoff=allowed)
        if distance <= allowed:
            best[keyword] = min(distance, best.get(keyword, distance))
    if not best:
        return None
    closest = min(best.values())
    candidates = [keyword for keyword, distance in best.items() if distance == closest]
    if len(candidates) != 1:
        return None  # as near to two keywords: let the assistant read it
    return KeywordMatch(candidates[0], exact=False)
