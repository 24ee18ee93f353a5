"""Reading entities from the latest user message."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker


def entity_value(tracker: Tracker, entity: str, role: Optional[str] = None) -> Any:
    """The first value of ``entity`` (with ``role`` when given) in the latest message."""
    for item in tracker.latest_message.get("entities") or []:
        if item.get("entity") != entity:
            continue
        if role is not None and item.get("role") != role:
            continue
        return item.get("value")
    return None
