"""Account mentions ("my savings", "current account") and their role ("from"/"to")."""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECKING = "checking"
SAVINGS = "savings"

_ACCOUNT_NOUN = r"(?:\s+(?:account|acct|acc|a/c)\b)?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (CHECKING, re.compile(rf"\b(?:checking|chequing){_ACCOUNT_NOUN}", re.I)),
    (
        CHECKING,
        re.compile(
            r"\b(?:current|cheque|everyday|day[\s-]to[\s-]day|main|spending|transaction)"
            r"\s+(?:account|acct|acc|a/c)\b",
            re.I,
        ),
    ),
    (SAVINGS, re.compile(rf"\bsavings{_ACCOUNT_NOUN}", re.I)),
    (SAVINGS, re.compile(r"\b(?:saving|deposit|reserve)\s+(?:account|acct|acc|a/c)\b", re.I)),
    (
        SAVINGS,
        re.compile(r"\brainy[\s-]day\s+(?:fund|account|money|savings|pot)\b", re.I),
    ),
]
_DETERMINERS = r"(?:(?:my|the|our|your|me|it|this|that|money|cash|funds|some|all)\s+)*"
_FROM_BEFORE = re.compile(
    rf"\b(?:from|out\s+of|outta|off|with|using|use|withdraw|withdrawn)\s+{_DETERMINERS}$", re.I
)
_TO_BEFORE = re.compile(rf"\b(?:to|into|in\s+to|onto|towards)\s+{_DETERMINERS}$", re.I)
_IN_BEFORE = re.compile(rf"\bin\s+{_DETERMINERS}$", re.I)
_MOVING = re.compile(
    r"\b(?:put|move|moved|transfer|transferred|send|sent|deposit|add|stick|pay|paid)\b", re.I
)
_LINK_TO_NEXT = re.compile(rf"^\s+(?:to|into|in\s+to|onto)\s+{_DETERMINERS}$", re.I)


@dataclass(frozen=True)
class AccountMatch:
    """An account mentioned in a text."""

    start: int
    end: int
    text: str
    account: str  # "checking" or "savings"
    role: str | None  # "from", "to" or None when unclear


def find_accounts(text: str) -> list[AccountMatch]:
    """Find account mentions, left to right, with their role when the wording shows it."""
    spans: list[tuple[int, int, str]] = []
    for account, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(s < end and start < e for s, e, _ in spans):
                spans.append((start, end, account))
    spans.sort()
    roles = [_role_before(text, start) for start, _, _ in spans]
    for index in range(len(spans) - 1):
        between = text[spans[index][1] : spans[index + 1][0]]
        if roles[index] is None and roles[index + 1] == "to" and _LINK_TO_NEXT.match(between):
            roles[index] = "from"  # "savings to checking"
    return [
        AccountMatch(start, end, text[start:end], account, role)
        for (start, end, account), role in zip(spans, roles, strict=True)
    ]


def _role_before(text: str, start: int) -> str | None:
    before = text[max(0, start - 60) : start]
    if _FROM_BEFORE.search(before):
        return "from"
    if _TO_BEFORE.search(before):
        return "to"
    if _IN_BEFORE.search(before) and _MOVING.search(text[:start]):
        return "to"  # "put 50 in my savings"
    return None
