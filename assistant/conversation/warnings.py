"""The scam warning a conversation opens with (issue 10 item 2), on every channel.

The next conversation opens with the newest warning the customer has not met ("Before we
start, a warning about a scam: ..."). Before the PIN nobody is told apart: a warning for
everyone opens the conversation of every caller alike, once per conversation, whatever the
number (so a caller learns nothing about who banks here); a warning for a group waits until the
PIN (so nobody learns who is in which group). By text a reply goes to the number itself, so
there a customer who met the warning already is not sent it again. Once the PIN is given, the
warnings said before it count as heard by that customer, and the newest one they have not met
is said; every warning heard is recorded (``Broadcasts.mark_heard``), which cancels their text
or call of it not sent yet, so nobody gets the same warning twice. A plain "skip" right after
it skips it.

What a conversation said is kept in its ``offers_made``: "warnings:open" (looked for before
the PIN), "warnings:verified" (looked for after it), "warning:<id>" (said); its ``offer`` is
"warning:<id>" while the next message may skip it. A warning message carries its id under
``"warning"``: a text goes as a text of its own, a call says it slowly.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from assistant.conversations import ConversationStore
from assistant.texts import text as catalogue
from fraud.broadcasts.service import Broadcasts

#: The key of a turn message that is a warning (its broadcast id).
WARNING_KEY = "warning"
OPENED, VERIFIED, SAID = "warnings:open", "warnings:verified", "warning:"
TEXTS = "sms"  # the channel whose replies go to the number they came from


def warning_message(words: str, broadcast_id: int) -> Dict[str, Any]:
    return {"text": words, "buttons": [], WARNING_KEY: broadcast_id}


def is_warning(message: Dict[str, Any]) -> bool:
    return message.get(WARNING_KEY) is not None


def is_skip(said: str, language: str) -> bool:
    """Whether ``said`` only asks to skip the warning ("skip", "skip it please")."""
    plain = " ".join(re.findall(r"[^\W\d_]+", said.lower()))
    listed = catalogue("skip_words", language=language)
    return plain in {w.strip() for w in listed.split(",") if w.strip()}


def _said(marks: Any) -> List[int]:
    return [
        int(m[len(SAID) :]) for m in marks or () if m.startswith(SAID) and m[len(SAID) :].isdigit()
    ]


class WarningOpeners:
    """Which warning opens a conversation, and what became of it."""

    def __init__(self, broadcasts: Broadcasts, conversations: ConversationStore) -> None:
        self.broadcasts = broadcasts
        self.conversations = conversations

    def before_pin(self, conversation: Any) -> Optional[Any]:
        """The warning for everyone to open this conversation with, once per conversation;
        None when there is none, or it was looked for already. Every caller hears the same
        (a number's own record would tell a stranger that it banks here), except by text:
        a reply goes to the number itself, so a customer's own phone is not sent a warning
        they met already, and one sent there counts as heard."""
        if OPENED in (conversation.offers_made or ()):
            return None
        if not self.conversations.note(conversation.id, OPENED):
            return None
        own_phone = conversation.customer_id if conversation.channel == TEXTS else None
        if own_phone is None:
            warning = self.broadcasts.newest_unheard(None)
        else:
            warning = self.broadcasts.newest_unheard(own_phone, everyone_only=True)
        if warning is None:
            return None
        self.conversations.make_offer(conversation.id, f"{SAID}{warning.id}")
        if own_phone is not None:
            self.broadcasts.mark_heard(warning.id, own_phone, "opener")
        return warning

    def after_pin(self, conversation: Any, customer_id: int) -> Optional[Any]:
        """Once the PIN is given (once per conversation): the warnings said before it are
        heard; then the newest warning this customer has not met, recorded as heard."""
        if VERIFIED in (conversation.offers_made or ()):
            return None
        if not self.conversations.note(conversation.id, VERIFIED):
            return None
        fresh = self.conversations.get(conversation.id)
        for broadcast_id in _said(fresh.offers_made if fresh else ()):
            self.broadcasts.mark_heard(broadcast_id, customer_id, "opener")
        warning = self.broadcasts.newest_unheard(customer_id)
        if warning is None:
            return None
        self.conversations.make_offer(conversation.id, f"{SAID}{warning.id}")
        self.broadcasts.mark_heard(warning.id, customer_id, "opener")
        return warning

    def skipped(
        self, conversation: Any, customer_id: Optional[int], said: str, language: str
    ) -> bool:
        """Whether ``said`` skips the warning just said (recorded as skipped for a verified
        customer). Any message ends the chance to skip it."""
        offer = conversation.offer or ""
        if not offer.startswith(SAID):
            return False
        self.conversations.end_offer(conversation.id)
        if not is_skip(said, language):
            return False
        broadcast_id = offer[len(SAID) :]
        if customer_id is not None and broadcast_id.isdigit():
            self.broadcasts.mark_heard(int(broadcast_id), customer_id, "skipped")
        return True
