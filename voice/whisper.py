"""The hand-off summary a call-centre agent hears before the caller is put through.

Who is calling (by caller ID: identification only), whether the PIN was checked in this call,
why they were transferred, what they asked for (with every run of four or more digits, spoken
or typed, masked: never a PIN or an account number) and risk flags.

It is said to the agent, not the caller, so it is in the bank's language (the catalogue of the
bank's locale), whatever language the caller speaks; what they asked for is quoted as said.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from assistant.banking.service import BankingService
from assistant.conversations import ConversationStore
from assistant.identity import IdentityService
from assistant.pin_text import mask_pin_shaped
from assistant.texts import text
from voice.calls import CallView

REASONS = ("key", "asked", "misunderstood", "silence", "dial_failed")
ASKED_SHOWN = 3

_DIGIT_RUN = re.compile(r"\d(?:[\s.-]?\d){3,}")
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_RUN = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}){{3,}}\b", re.IGNORECASE)


def mask_numbers(words: str) -> str:
    """``words`` with every run of 4+ digits (or 4+ spoken digits) replaced by "****".

    Every spelling the gateway would take as a PIN counts ("twenty four sixty eight",
    "to for six ate"), as :func:`assistant.pin_text.mask_pin_shaped` finds them.
    """
    return _SPOKEN_RUN.sub("****", _DIGIT_RUN.sub("****", mask_pin_shaped(words)))


def build_summary(
    call: CallView,
    reason: str,
    *,
    conversations: ConversationStore,
    banking: BankingService,
    identity: IdentityService,
) -> Dict[str, Any]:
    """The structured hand-off summary for ``call`` (kept on the call, for the agent)."""
    conversation = conversations.get(call.conversation_id)
    customer_id = conversation.customer_id if conversation else None
    name: Optional[str] = None
    flags: List[str] = []
    if customer_id is not None:
        customer = banking.get_customer(customer_id)
        name = customer.name
        if customer.vulnerable:
            flags.append("vulnerable")
        if identity.locked_until(customer_id) is not None:
            flags.append("locked")
    verified = conversations.verified_customer_id(call.conversation_id) is not None
    return {
        "customer_id": customer_id,
        "name": name,
        "verified": verified,
        "reason": reason if reason in REASONS else "asked",
        "requests": [mask_numbers(request) for request in call.requests][-ASKED_SHOWN:],
        "flags": flags,
    }


def whisper_text(summary: Optional[Dict[str, Any]], language: str) -> str:
    """What the agent hears: a few short sentences from ``summary``, in ``language`` (the
    bank's: the call centre's language, not the caller's)."""

    def say(key: str, **values: Any) -> str:
        return text(key, "voice", language, **values)

    if not summary:
        return say("voice_whisper_no_summary")
    name = summary.get("name")
    who = say("voice_whisper_caller", name=name) if name else say("voice_whisper_unknown_caller")
    verified = say(
        "voice_whisper_verified" if summary.get("verified") else "voice_whisper_not_verified"
    )
    reason = say(f"voice_whisper_reason_{summary.get('reason') or 'asked'}")
    requests = [mask_numbers(r) for r in summary.get("requests") or []]
    asked = (
        say("voice_whisper_asked", requests="; ".join(requests))
        if requests
        else say("voice_whisper_asked_nothing")
    )
    flags = [say(f"voice_whisper_flag_{flag}") for flag in summary.get("flags") or []]
    flag_part = say("voice_whisper_flags", flags=", ".join(flags)) if flags else ""
    return say(
        "voice_whisper", who=who, verified=verified, reason=reason, asked=asked, flags=flag_part
    )
