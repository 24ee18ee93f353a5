"""Fuzzy payee resolution: "tom", "Thom", "my grandson", "the electric bill", "power", "water"."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from assistant.banking.views import PayeeView

FILLER_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "my",
        "our",
        "his",
        "her",
        "their",
        "to",
        "for",
        "of",
        "and",
        "please",
        "pay",
        "paying",
        "payment",
        "payments",
        "send",
        "bill",
        "bills",
        "account",
        "company",
        "co",
        "inc",
        "ltd",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dear",
        "s",
        "it",
        "that",
        "this",
        "money",
    }
)
SYNONYMS = {
    "electricity": "electric",
    "light": "electric",
    "lights": "electric",
    "energy": "electric",
}
MATCH_THRESHOLD = 80.0
AMBIGUITY_MARGIN = 8.0
UNMATCHED_WORD_PENALTY = 10.0


def words(text: str) -> list[str]:
    """Lower-case content words of ``text`` with filler removed and synonyms applied."""
    raw = re.findall(r"[a-z0-9]+", (text or "").lower().replace("'s", ""))
    return [SYNONYMS.get(w, w) for w in raw if w not in FILLER_WORDS]


def _score(query: list[str], payee: PayeeView) -> float:
    candidates = words(payee.name) + words(payee.relationship)
    phrases = [" ".join(words(payee.name)), " ".join(words(payee.relationship))]
    joined = " ".join(query)
    whole = max(fuzz.ratio(joined, p) for p in phrases if p) if any(phrases) else 0.0
    best = [max((fuzz.ratio(q, c) for c in candidates), default=0.0) for q in query]
    mean = sum(best) / len(best)
    unmatched = sum(1 for b in best if b < MATCH_THRESHOLD)
    strongest = max(best) - UNMATCHED_WORD_PENALTY * unmatched
    return max(whole, mean, strongest)


def _best(query: list[str], pool: Sequence[PayeeView]) -> list[PayeeView]:
    scored = sorted(((_score(query, p), p) for p in pool), key=lambda sp: -sp[0])
    scored = [(s, p) for s, p in scored if s >= MATCH_THRESHOLD]
    if not scored:
        return []
    top = scored[0][0]
    floor = 100.0 if top >= 100.0 else top - AMBIGUITY_MARGIN
    return [p for s, p in scored if s >= floor]


def match_payees(
    text: str, payees: Sequence[PayeeView], kind: str | None = None
) -> list[PayeeView]:
    """[] when nothing matches, [one] when confident, several (best first) when ambiguous.

    A request of only filler words ("the bill") returns every payee of the asked kind
    ("bill" implies bills): one payee when the customer has just one.
    """
    mentions_bill = re.search(r"\bbills?\b", (text or "").lower()) is not None
    kind_hint = kind or ("bill" if mentions_bill else None)
    pool = [p for p in payees if kind_hint is None or p.kind == kind_hint]
    query = words(text)
    if not query:
        return pool if kind_hint else []
    found = _best(query, pool)
    if not found and kind is None and kind_hint:
        found = _best(query, payees)  # "the water bill" saved as a person payee
    return found
