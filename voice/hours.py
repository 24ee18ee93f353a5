"""The call centre's opening hours, read through an injectable clock.

``ASSISTANT_OPENING_HOURS`` is ``HH:MM-HH:MM`` in ``ASSISTANT_TIMEZONE``, every day; ``24:00``
means midnight at the end of the day, and a range that wraps past midnight (``22:00-06:00``)
is allowed. Tests (and the gateway, via ``app.state.voice_hours``) can pass their own clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Callable, Optional
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_time

from assistant.settings import Settings

Clock = Callable[[], datetime]
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def system_clock() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _minutes(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"not a time of day: {hours}:{minutes}")
    return value


@dataclass(frozen=True)
class OpeningHours:
    """When a person can take a call: ``opens`` to ``closes`` (minutes after midnight)."""

    opens: int
    closes: int
    zone: ZoneInfo
    locale: str = "en_US"
    clock: Clock = field(default=system_clock, compare=False)

    @classmethod
    def parse(
        cls, spec: str, tz: str, locale: str = "en_US", clock: Clock = system_clock
    ) -> OpeningHours:
        """``"08:00-20:00"`` in time zone ``tz``; a ValueError if malformed."""
        match = _RANGE.match(spec or "")
        if not match:
            raise ValueError(f"opening hours must look like 08:00-20:00, not {spec!r}")
        opens, closes = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
        return cls(opens % (24 * 60), closes, ZoneInfo(tz), locale, clock)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock = system_clock) -> OpeningHours:
        return cls.parse(settings.opening_hours, settings.timezone, settings.locale, clock)

    @property
    def always_open(self) -> bool:
        return (self.closes - self.opens) % (24 * 60) == 0 and self.closes != self.opens

    def now(self) -> datetime:
        """The clock's time in the call centre's time zone."""
        moment = self.clock()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.zone)

    def is_open(self, at: Optional[datetime] = None) -> bool:
        """Whether a person can take a call at ``at`` (default: the clock's now)."""
        if self.always_open:
            return True
        local = at.astimezone(self.zone) if at is not None else self.now()
        minute = local.hour * 60 + local.minute
        if self.opens < self.closes:
            return self.opens <= minute < self.closes
        return minute >= self.opens or minute < self.closes  # wraps past midnight

    def spoken_opens(self, locale: Optional[str] = None) -> str:
        """Opening time as said aloud in ``locale`` (default the call centre's), e.g. "8 AM"."""
        return self._spoken(self.opens, locale or self.locale)

    def spoken_closes(self, locale: Optional[str] = None) -> str:
        """Closing time as said aloud in ``locale`` (default the call centre's), e.g. "8 PM"."""
        return self._spoken(self.closes % (24 * 60), locale or self.locale)

    @staticmethod
    def _spoken(minutes: int, locale: str) -> str:
        """A 12-hour locale's clock drops the minutes of a whole hour ("8 AM", "8:30 PM");
        a 24-hour one says the time its own short way ("20:00")."""
        moment = time(minutes // 60, minutes % 60)
        short = Locale.parse(locale).time_formats["short"].pattern
        if "h" not in short and "K" not in short:
            pattern = short
        else:
            pattern = "h a" if moment.minute == 0 else "h:mm a"
        return format_time(moment, pattern, locale=locale).replace("\u202f", " ")
