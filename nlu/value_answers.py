"""A message that carries an amount is an answer, whatever other intent it sounds like.

At "How much?" or at a read-back, "actually make that 30", "can it be 35 instead" or "I meant
50" carry the new value; the intent classifier may read them as cancel, as not understood, or
as a request for another skill, and the form would then lose the change. When a message holds
an amount and its intent is one that never carries one, it is taken as ``inform`` (an answer);
an explicit stop word ("cancel", "stop") still cancels. Rasa-free; the component is in
``nlu/components.py``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Optional

INFORM = "inform"
# Intents that never carry an amount of their own.
NO_AMOUNT_INTENTS = frozenset(
    {
        "nlu_fallback",
        "cancel",
        "out_of_scope",
        "change_pin",
        "forgot_pin",
        "list_helpers",
        "add_helper",
        "remove_helper",
        "thank_you",
    }
)
STOP_WORDS = frozenset(
    {"cancel", "stop", "quit", "abort", "forget", "nevermind", "never", "dont", "don't"}
)


def answer_intent(
    intent: Optional[str], entities: Iterable[Dict[str, Any]], text: str
) -> Optional[str]:
    """``inform`` when ``text`` is an answer carrying an amount; None to keep ``intent``."""
    if intent not in NO_AMOUNT_INTENTS:
        return None
    if not any(entity.get("entity") == "amount" for entity in entities):
        return None
    words = set(re.findall(r"[a-z']+", text.lower()))
    if intent == "cancel" and words & STOP_WORDS:
        return None
    return INFORM
