"""The bank's calendar: which day it is, and which day a moment falls on, in the bank's time zone.

Moments are stored and passed around as timezone-aware UTC datetimes (``models.UTCDateTime``);
customers see, hear and say calendar days in the bank's time zone (``ASSISTANT_TIMEZONE``,
``Settings.timezone``). Every conversion between the two goes through this module:

- ``local_date(moment)``: the bank-local day an aware moment falls on (naive means UTC);
- ``bank_today(now)``: the bank-local today; ``now`` pins the clock (tests, replays);
- ``day_start(day)`` / ``utc_range(first, last)``: bank-local days as UTC bounds for queries.

Each takes an optional ``zone`` (a name or a ``tzinfo``; a customer's own zone one day), else the
bank's from the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Optional, Union
from zoneinfo import ZoneInfo

from assistant.settings import get_settings

Clock = Callable[[], datetime]
Zone = Union[str, tzinfo, None]


def system_clock() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


@lru_cache(maxsize=16)
def _named_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def bank_zone(zone: Zone = None) -> tzinfo:
    """``zone`` as a tzinfo; by default the bank's time zone (``Settings.timezone``)."""
    if isinstance(zone, tzinfo):
        return zone
    return _named_zone(zone or get_settings().timezone)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive datetime is taken to be UTC (as the store keeps it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def local_date(moment: datetime | date, zone: Zone = None) -> date:
    """The bank-local calendar day of ``moment``; a plain date is already a day and is kept."""
    if not isinstance(moment, datetime):
        return moment
    return as_utc(moment).astimezone(bank_zone(zone)).date()


def bank_today(now: Optional[datetime] = None, zone: Zone = None) -> date:
    """Today in the bank's time zone; ``now`` (an aware moment) instead of the real clock."""
    return local_date(now if now is not None else system_clock(), zone)


def day_start(day: date, zone: Zone = None) -> datetime:
    """The first moment of the bank-local ``day``, as aware UTC (right across DST changes)."""
    return datetime.combine(day, time.min, tzinfo=bank_zone(zone)).astimezone(timezone.utc)


def utc_range(
    first: Optional[date], last: Optional[date], zone: Zone = None
) -> tuple[Optional[datetime], Optional[datetime]]:
    """Bank-local days ``first`` to ``last`` (inclusive) as UTC ``[start, end)``; None is open."""
    start = day_start(first, zone) if first is not None else None
    end = day_start(last + timedelta(days=1), zone) if last is not None else None
    return start, end
