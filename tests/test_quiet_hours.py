"""Quiet hours in the customer's own time zone: quiet from 21:00 to 08:00 there, ending at the
next 08:00 local time (summer time included); no zone means any hour."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from assistant.messaging.quiet_hours import QuietHours
from assistant.settings import Settings

QUIET = QuietHours.parse("21:00-08:00", "America/New_York")


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "moment, ends",
    [
        (local("America/New_York", 2026, 3, 2, 21, 0), local("America/New_York", 2026, 3, 3, 8)),
        (local("America/New_York", 2026, 3, 2, 23, 59), local("America/New_York", 2026, 3, 3, 8)),
        (local("America/New_York", 2026, 3, 3, 0, 30), local("America/New_York", 2026, 3, 3, 8)),
        (local("America/New_York", 2026, 3, 3, 7, 59), local("America/New_York", 2026, 3, 3, 8)),
    ],
)
def test_a_night_moment_is_quiet_until_eight_the_next_morning_there(
    moment: datetime, ends: datetime
) -> None:
    assert QUIET.ends_at("America/New_York", moment) == ends.astimezone(timezone.utc)


@pytest.mark.parametrize("hour", [8, 12, 20])
def test_the_day_is_not_quiet(hour: int) -> None:
    assert QUIET.ends_at("America/New_York", local("America/New_York", 2026, 3, 2, hour)) is None


def test_the_same_moment_is_night_in_one_zone_and_day_in_another() -> None:
    moment = datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)  # 18:00 in New York, 08:00 Tokyo
    assert QUIET.ends_at("America/New_York", moment) is None
    assert QUIET.ends_at("Asia/Tokyo", moment) is None
    assert QUIET.ends_at("Europe/London", moment) == datetime(2026, 3, 3, 8, tzinfo=timezone.utc)


def test_the_window_ends_at_eight_local_time_across_the_change_to_summer_time() -> None:
    # New York springs forward at 02:00 on 8 March 2026: 08:00 is then 12:00 UTC, not 13:00.
    night = local("America/New_York", 2026, 3, 7, 23, 0)
    assert QUIET.ends_at("America/New_York", night) == datetime(2026, 3, 8, 12, tzinfo=timezone.utc)


def test_a_message_without_a_zone_goes_at_any_hour() -> None:
    assert QUIET.ends_at(None, local("America/New_York", 2026, 3, 3, 3, 0)) is None


def test_an_unknown_zone_counts_as_the_banks_own() -> None:
    night = local("America/New_York", 2026, 3, 3, 3, 0)
    assert QUIET.ends_at("Mars/Olympus_Mons", night) == QUIET.ends_at("America/New_York", night)


def test_a_window_within_one_day_and_no_window_at_all() -> None:
    early = QuietHours.parse("01:00-06:00")
    assert early.ends_at("UTC", datetime(2026, 3, 3, 2, tzinfo=timezone.utc)) == datetime(
        2026, 3, 3, 6, tzinfo=timezone.utc
    )
    assert early.ends_at("UTC", datetime(2026, 3, 3, 23, tzinfo=timezone.utc)) is None
    never = QuietHours.parse("")
    assert (
        never.never and never.ends_at("UTC", datetime(2026, 3, 3, 2, tzinfo=timezone.utc)) is None
    )


def test_the_default_setting_is_nine_at_night_to_eight_in_the_morning() -> None:
    assert QuietHours.from_settings(Settings()) == QuietHours.parse("21:00-08:00")
    with pytest.raises(ValueError, match="21:00-08:00"):
        QuietHours.parse("late evening")
