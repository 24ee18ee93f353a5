"""Quiet hours: no texts or calls at night in the customer's own time zone.

``ASSISTANT_QUIET_HOURS`` is ``HH:MM-HH:MM`` local time (default ``21:00-08:00``, wrapping past
midnight; empty for none). An outbox message with a ``time_zone`` is held back while it is
quiet there, until the window ends (the next 08:00 there, summer time included); a message
without one (a one-time code the customer is waiting for) goes at any hour. A zone name the
time-zone database does not know counts as the bank's own zone (``ASSISTANT_TIMEZONE``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.settings import Settings

logger = logging.getLogger(__name__)

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _time(hours: str, minutes: str) -> time:
    hour, minute = int(hours), int(minutes)
    if hour == 24 and minute == 0:
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {hours}:{minutes}")
    return time(hour, minute)


@lru_cache(maxsize=512)
def _zone(name: str, fallback: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown time zone %r: quiet hours in the bank's zone", name[:64])
        return ZoneInfo(fallback)


@dataclass(frozen=True)
class QuietHours:
    """Quiet from ``start`` to ``end`` local time (``start == end``: never quiet)."""

    start: time
    end: time
    bank_zone: str = "America/New_York"

    @classmethod
    def parse(cls, spec: str, bank_zone: str = "America/New_York") -> QuietHours:
        """``"21:00-08:00"``; an empty ``spec`` is never quiet; a ValueError if malformed."""
        if not (spec or "").strip():
            return cls(time(0), time(0), bank_zone)
        match = _WINDOW.match(spec)
        if not match:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {spec!r}")
        return cls(_time(*match.group(1, 2)), _time(*match.group(3, 4)), bank_zone)

    @classmethod
    def from_settings(cls, settings: Settings) -> QuietHours:
        return cls.parse(settings.quiet_hours, settings.timezone)

    @property
    def never(self) -> bool:
        return self.start == self.end

    def ends_at(self, zone: Optional[str], now: datetime) -> Optional[datetime]:
        """When the quiet window that holds ``now`` in ``zone`` ends (UTC); None when it is not
        quiet there now, or the message has no zone (it may go at any hour)."""
        if zone is None or self.never:
            return None
        tz = _zone(zone, self.bank_zone)
        local = now.astimezone(tz)
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:  # e.g. 01:00-06:00, within one day
            if not self.start <= clock < self.end:
                return None
            day = local.date()
        else:  # e.g. 21:00-08:00, past midnight
            if self.end <= clock < self.start:
                return None
            day = local.date() + timedelta(days=1) if clock >= self.start else local.date()
        # A wall-clock time that does not exist (a summer-time jump) is taken as after it.
        end = datetime.combine(day, self.end, tzinfo=tz)
        return end.astimezone(timezone.utc)
