"""What every action needs: the banking, safety-limit, family-helper and scam-warning services
and who is on the other end.

Actions never touch tables: they call the services. The conversation record (kept by the
gateway) says who the caller claims to be and whether they gave their PIN in this conversation.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Optional

from rasa_sdk import Tracker

from assistant.bank import banking_service, safety_limits
from assistant.banking.safety import SafetyLimits
from assistant.banking.service import BankingService
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.settings import get_settings
from family.links.service import FamilyLinks
from fraud.broadcasts.service import Broadcasts
from fraud.cooling_off import CoolingOff
from fraud.interventions import Interventions


@lru_cache
def banking() -> BankingService:
    return banking_service()


@lru_cache
def safety() -> SafetyLimits:
    """The customer's own safety limits (daily limits, the pause, the co-sign amount)."""
    return safety_limits()


_wake: Optional[Callable[[int], None]] = None


def hand_texts_to(wake: Optional[Callable[[int], None]]) -> None:
    """After a family-helper service commits a text to the outbox, hand its id to ``wake``
    (the action server's process gives the worker's queue); without it the worker's sweep
    sends it within a minute."""
    global _wake
    _wake = wake
    family.cache_clear()
    cooling_off.cache_clear()


@lru_cache
def family() -> FamilyLinks:
    """The family-helper services; their texts go into the outbox, which the worker sends."""
    return FamilyLinks(session_factory(), wake=_wake, banking=banking())


@lru_cache
def broadcasts() -> Broadcasts:
    """The scam warnings fraud-operations staff published."""
    return Broadcasts(session_factory(), get_settings())


@lru_cache
def conversations() -> ConversationStore:
    return ConversationStore(session_factory())


def claimed_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer the caller's phone number points to: identification, not proof."""
    conversation = conversations().get(tracker.sender_id)
    return conversation.customer_id if conversation else None


def verified_customer_id(tracker: Tracker) -> Optional[int]:
    """The customer who gave the right PIN in this conversation, if still within its time."""
    return conversations().verified_customer_id(tracker.sender_id)


@lru_cache
def interventions() -> Interventions:
    """Which scam a held payment was paused for (read only)."""
    return Interventions(session_factory())


@lru_cache
def cooling_off() -> CoolingOff:
    """The scam cooling-off's texts (helpers alerted once per paused payment)."""
    return CoolingOff(session_factory(), get_settings(), banking(), wake=_wake)
