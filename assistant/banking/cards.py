"""Card state changes: freeze, unfreeze, report lost (with a replacement card)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.errors import CardAmbiguous, CardLost, CardNotFound
from assistant.models import Card


def customer_cards(session: Session, customer_id: int, lock: bool = False) -> list[Card]:
    query = select(Card).where(Card.customer_id == customer_id).order_by(Card.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(session.execute(query).scalars())


def pick_card(cards: list[Card], last4: str | None) -> Card:
    """The card the customer means: by last4 (preferring a usable one), else their only one."""
    if last4:
        named = [c for c in cards if c.last4 == str(last4).strip()]
        if not named:
            raise CardNotFound(f"no card ending {last4}")
        usable = [c for c in named if c.status != "lost"]
        return usable[-1] if usable else named[-1]
    usable = [c for c in cards if c.status != "lost"]
    if not usable:
        raise CardNotFound("no usable card")
    if len(usable) > 1:
        raise CardAmbiguous("several cards; ask for the last four digits")
    return usable[0]


def freeze(card: Card) -> bool:
    """Freeze an active card; True when something changed. A lost card stays lost."""
    if card.status != "active":
        return False
    card.status = "frozen"
    return True


def unfreeze(card: Card) -> bool:
    """Unfreeze a frozen card; a lost card can never be used again."""
    if card.status == "lost":
        raise CardLost(f"card ending {card.last4} was reported lost")
    if card.status == "active":
        return False
    card.status = "active"
    return True


def replace_lost(session: Session, card: Card, cards: list[Card]) -> Card:
    """Mark ``card`` lost and issue a replacement with new last digits (idempotent)."""
    if card.status == "lost" and card.replaced_by is not None:
        return session.get(Card, card.replaced_by)
    taken = {c.last4 for c in cards}
    last4 = card.last4
    while last4 in taken:
        last4 = f"{secrets.randbelow(10_000):04d}"
    replacement = Card(
        customer_id=card.customer_id, account_id=card.account_id, last4=last4, status="active"
    )
    session.add(replacement)
    session.flush()
    card.status = "lost"
    card.replaced_by = replacement.id
    return replacement
