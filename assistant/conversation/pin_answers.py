"""What a customer is told after a PIN attempt that did not verify (every channel).

The same words for a number we know and one we don't (``assistant.identity`` makes their
results the same): a wrong PIN with the tries left, a timed lockout with its end, a PIN held
until a person unlocks it, or a source that made too many tries and must wait.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Callable, Optional

from assistant.identity import PinResult
from assistant.models import utcnow
from assistant.texts import ENGLISH, plural
from assistant.texts import text as say


def minutes_until(moment: datetime, now: Optional[datetime] = None) -> int:
    """Whole minutes (at least one) until ``moment``."""
    seconds = (moment - (now or utcnow())).total_seconds()
    return max(1, math.ceil(seconds / 60))


def refusal_text(
    result: PinResult,
    channel: str,
    time_of_day: Callable[[datetime], str],
    language: str = ENGLISH,
) -> Optional[str]:
    """The answer when no PIN could be tried (throttled, held, locked), else None.

    ``time_of_day`` words the end of a lockout as the customer reads it ("3:15 PM").
    """
    if result.throttled_until is not None:
        minutes = minutes_until(result.throttled_until)
        return plural("pin_throttled", minutes, channel, language, minutes=minutes)
    if result.held:
        return say("pin_held", channel, language)
    if result.locked_until is not None:
        return say("pin_locked", channel, language, until=time_of_day(result.locked_until))
    return None


def wrong_pin_text(result: PinResult, channel: str, language: str = ENGLISH) -> str:
    """The answer to a wrong PIN, with the tries left ("1 try left", "4 tries left")."""
    left = result.attempts_left
    return plural("pin_wrong", left, channel, language, attempts_left=left)
