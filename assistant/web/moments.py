"""Moments in plain words for the pages: "9:40 tomorrow morning", "2:30 PM on Thursday,
December 10, 2026", in the customer's locale and the bank's time zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_time

from assistant.db import utcnow
from assistant.webkit.i18n import N_, Words

# A time of day with the part of the day it falls in, when that part is clear.
MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
_PARTS = ((5, 12, MORNING), (12, 17, AFTERNOON), (17, 21, EVENING))
TODAY_PART = {
    MORNING: N_("%(time)s this morning"),
    AFTERNOON: N_("%(time)s this afternoon"),
    EVENING: N_("%(time)s this evening"),
}
TOMORROW_PART = {
    MORNING: N_("%(time)s tomorrow morning"),
    AFTERNOON: N_("%(time)s tomorrow afternoon"),
    EVENING: N_("%(time)s tomorrow evening"),
}
TODAY = N_("%(time)s today")
TOMORROW = N_("%(time)s tomorrow")
ON_DAY = N_("%(time)s on %(date)s")
AT = N_("%(date)s at %(time)s")


def _part(hour: int) -> Optional[str]:
    return next((part for start, end, part in _PARTS if start <= hour < end), None)


def _clock(moment: datetime, locale: str, zone: ZoneInfo, with_period: bool) -> str:
    """The time as the locale writes it ("9:40 AM"), or without its AM/PM ("9:40") when
    words say the part of the day instead."""
    pattern = Locale.parse(locale).time_formats["short"].pattern
    if not with_period:
        pattern = re.sub(r"\s*[aBb]+\s*", " ", pattern).strip()
    return format_time(moment, pattern, tzinfo=zone, locale=locale)


def deadline_words(
    moment: datetime, words: Words, locale: str, zone: str, now: Optional[datetime] = None
) -> str:
    """When something ends, as a person says it: "9:40 tomorrow morning", "11:30 PM today",
    else "2:30 PM on Thursday, December 10, 2026"."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    today = (now or utcnow()).astimezone(tz).date()
    part = _part(local.hour)
    if local.date() in (today, today + timedelta(days=1)):
        is_today = local.date() == today
        if part is not None:
            chosen = (TODAY_PART if is_today else TOMORROW_PART)[part]
            return words.gettext(chosen, time=_clock(moment, locale, tz, with_period=False))
        time = _clock(moment, locale, tz, with_period=True)
        return words.gettext(TODAY if is_today else TOMORROW, time=time)
    date = format_date(local.date(), "full", locale=locale)
    return words.gettext(ON_DAY, time=_clock(moment, locale, tz, with_period=True), date=date)


def moment_words(moment: datetime, words: Words, locale: str, zone: str) -> str:
    """A moment in the past: "December 7, 2026 at 9:40 AM"."""
    tz = ZoneInfo(zone)
    date = format_date(moment.astimezone(tz).date(), "long", locale=locale)
    return words.gettext(AT, date=date, time=_clock(moment, locale, tz, with_period=True))
