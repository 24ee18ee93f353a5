"""All bank entities of one message, as Rasa-style entity dicts (no Rasa import).

``extract_entities("send 50 to tom from savings", payees=[...])`` gives ``amount``,
``payee`` and ``account`` (role "from") entities with character offsets into the text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from nlu.accounts import find_accounts
from nlu.amounts import find_amounts
from nlu.dates import find_date_range
from nlu.payees import clean_payee, find_payee_spans, find_saved_payees, match_payee

# A short reply ("my daughter") may name a saved payee without "pay"/"to" before it.
SHORT_REPLY_WORDS = 5


def extract_entities(
    text: str,
    payees: list[dict[str, Any]] | None = None,
    today: date | None = None,
    default_currency: str = "USD",
    payee_threshold: float = 80.0,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Find ``amount``, ``account``, ``date_range`` and ``payee`` entities in ``text``.

    Spans never overlap: a date range wins over amounts inside it, and payees never
    cover an amount, an account or a date. Date ranges are relative to ``today`` (default:
    the bank's today at ``now``, see ``nlu.dates``).
    """
    entities: list[dict[str, Any]] = []
    date_range = find_date_range(text, today, now)
    if date_range:
        entities.append(_entity("date_range", date_range.start, date_range.end, date_range.value()))
    for amount in find_amounts(text, default_currency):
        entities.append(_entity("amount", amount.start, amount.end, amount.value()))
    for account in find_accounts(text):
        entity = _entity("account", account.start, account.end, account.account)
        if account.role:
            entity["role"] = account.role
        entities.append(entity)
    entities = _without_overlaps(entities)
    for payee in _payees(text, payees or [], payee_threshold):
        if not any(_overlaps(payee, other) for other in entities):
            entities.append(payee)
    return sorted(entities, key=lambda e: e["start"])


def _payees(text: str, saved: list[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for span in find_payee_spans(text):
        matched = match_payee(span.text, saved, threshold) if saved else None
        value = matched[0] if matched else clean_payee(span.text)
        entity = _entity("payee", span.start, span.end, value)
        if matched:
            entity["confidence_entity"] = round(matched[1] / 100, 3)
        found.append(entity)
    if not found and saved:
        short = len(text.split()) <= SHORT_REPLY_WORDS
        for span, name, score in find_saved_payees(text, saved, threshold if short else 90.0):
            entity = _entity("payee", span.start, span.end, name)
            entity["confidence_entity"] = round(score / 100, 3)
            found.append(entity)
    return found


def _entity(kind: str, start: int, end: int, value: Any) -> dict[str, Any]:
    return {"entity": kind, "start": start, "end": end, "value": value}


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["start"] < b["end"] and b["start"] < a["end"])


def _without_overlaps(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep earlier-listed entities (date, amount, account) over later overlapping ones."""
    kept: list[dict[str, Any]] = []
    for entity in entities:
        if not any(_overlaps(entity, other) for other in kept):
            kept.append(entity)
    return kept
