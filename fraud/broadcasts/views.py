"""What the broadcasts service takes and gives: frozen dataclasses, never rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, Optional, Tuple

from fraud.broadcasts.audience import Audience

URGENCIES: Tuple[str, ...] = ("normal", "high", "urgent")
#: The texts of a warning, one per medium, in the order the preview shows them.
MEDIA: Tuple[str, ...] = ("voice_text", "sms_text", "banner_text", "opener_text")


@dataclass(frozen=True)
class Draft:
    """A warning as staff write it. ``starts_at`` None: from now (the moment it is saved);
    ``expires_at`` None: ``broadcast_default_days`` after the start."""

    title: str
    voice_text: str
    sms_text: str
    banner_text: str
    opener_text: str
    audience: Audience
    urgency: str = "normal"
    starts_at: Optional[datetime] = None
    expires_at: Optional[datetime] = None


@dataclass(frozen=True)
class Problem:
    """One thing to fix in a draft: the ``field`` it is about (title, voice_text, sms_text,
    banner_text, opener_text, audience, urgency, expires_at), a ``code`` (the catalogue key)
    and the ``message`` in the bank's language."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class BroadcastView:
    id: int
    title: str
    voice_text: str
    sms_text: str
    banner_text: str
    opener_text: str
    audience: Audience
    urgency: str
    starts_at: datetime
    expires_at: datetime
    state: str  # draft | published | cancelled
    created_by: str
    created_at: datetime
    updated_at: datetime
    published_by: Optional[str]
    published_at: Optional[datetime]
    cancelled_by: Optional[str]
    cancelled_at: Optional[datetime]
    fanout_cursor: int
    fanned_out_at: Optional[datetime]


@dataclass(frozen=True)
class WarningView:
    """A current warning as customers meet it (``everyone``: not targeted at a segment)."""

    id: int
    title: str
    voice_text: str
    sms_text: str
    banner_text: str
    opener_text: str
    urgency: str
    everyone: bool
    starts_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class MediumPreview:
    """One medium's text as it will go out, with what it costs as a text message (every
    text is counted: the opener goes by text in a text conversation)."""

    medium: str  # voice_text | sms_text | banner_text | opener_text | opener_sms
    text: str
    segments: int
    encoding: str  # GSM-7 | UCS-2
    length: int


@dataclass(frozen=True)
class Preview:
    broadcast: BroadcastView
    media: Tuple[MediumPreview, ...]
    audience_count: int  # customers who match now
    by_channel: Dict[str, int] = field(default_factory=dict)  # of them, by preferred channel
    problems: Tuple[Problem, ...] = ()  # what would stop it being published now


@dataclass(frozen=True)
class BroadcastStatus:
    """How far a warning got. Every customer reached is in exactly one count: queued (waiting
    or being sent), deferred (held back for quiet hours), sent (no delivery report yet),
    delivered, failed, opted_out, cancelled (never sent: the warning was cancelled, expired,
    or the customer heard it in a conversation first), web (no push: the banner and the
    conversation opener). ``heard``: customers who met it in a conversation."""

    id: int
    state: str
    fanned_out: bool
    reached: int
    queued: int = 0
    deferred: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opted_out: int = 0
    cancelled: int = 0
    web: int = 0
    heard: int = 0

    @property
    def done(self) -> bool:
        """Nothing more will happen: cancelled, or fanned out with nothing left waiting."""
        if self.state == "cancelled":
            return self.queued == 0
        return self.fanned_out and self.queued == 0 and self.deferred == 0

    def counts(self) -> Dict[str, int]:
        return {
            "queued": self.queued,
            "deferred": self.deferred,
            "sent": self.sent,
            "delivered": self.delivered,
            "failed": self.failed,
            "opted_out": self.opted_out,
            "cancelled": self.cancelled,
            "web": self.web,
            "heard": self.heard,
        }


@dataclass(frozen=True)
class AudienceChoices:
    """What an audience can be chosen from (for a form): the regions and languages customers
    have now."""

    age_bands: Tuple[str, ...]
    channels: Tuple[str, ...]
    regions: Tuple[str, ...]
    languages: Tuple[str, ...]
