"""Date ranges in text, relative to a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.dates import DateRangeMatch, find_date_range

WEDNESDAY = date(2024, 5, 15)

RANGES = [
    ("today", "today", "2024-05-15", "2024-05-15"),
    ("yesterday", "yesterday", "2024-05-14", "2024-05-14"),
    ("the day before yesterday", "the day before yesterday", "2024-05-13", "2024-05-13"),
    ("this week", "this week", "2024-05-13", "2024-05-15"),
    ("last week", "last week", "2024-05-06", "2024-05-12"),
    ("in the last week", "in the last week", "2024-05-09", "2024-05-15"),
    ("past week", "past week", "2024-05-09", "2024-05-15"),
    ("this month", "this month", "2024-05-01", "2024-05-15"),
    ("last month", "last month", "2024-04-01", "2024-04-30"),
    ("past month", "past month", "2024-04-16", "2024-05-15"),
    ("this year", "this year", "2024-01-01", "2024-05-15"),
    ("last year", "last year", "2023-01-01", "2023-12-31"),
    ("in the last year", "in the last year", "2023-05-16", "2024-05-15"),
    ("in March", "in March", "2024-03-01", "2024-03-31"),
    ("in june", "in june", "2023-06-01", "2023-06-30"),
    ("in may", "in may", "2024-05-01", "2024-05-15"),
    ("in march 2023", "in march 2023", "2023-03-01", "2023-03-31"),
    ("in 2023", "in 2023", "2023-01-01", "2023-12-31"),
    ("since Monday", "since Monday", "2024-05-13", "2024-05-15"),
    ("since last friday", "since last friday", "2024-05-10", "2024-05-15"),
    ("on tuesday", "on tuesday", "2024-05-14", "2024-05-14"),
    ("last 30 days", "last 30 days", "2024-04-16", "2024-05-15"),
    ("the last thirty days", "the last thirty days", "2024-04-16", "2024-05-15"),
    ("past two weeks", "past two weeks", "2024-05-02", "2024-05-15"),
    ("last few days", "last few days", "2024-05-13", "2024-05-15"),
    ("the past couple of weeks", "the past couple of weeks", "2024-05-02", "2024-05-15"),
    ("in the past 3 months", "in the past 3 months", "2024-02-16", "2024-05-15"),
    ("last 24 hours", "last 24 hours", "2024-05-14", "2024-05-15"),
    ("since the 1st", "since the 1st", "2024-05-01", "2024-05-15"),
    ("since the 20th", "since the 20th", "2024-04-20", "2024-05-15"),
    ("since yesterday", "since yesterday", "2024-05-14", "2024-05-15"),
    ("since last week", "since last week", "2024-05-06", "2024-05-15"),
    ("since march", "since march", "2024-03-01", "2024-05-15"),
    ("over the weekend", "over the weekend", "2024-05-11", "2024-05-12"),
    ("last weekend", "last weekend", "2024-05-11", "2024-05-12"),
    ("two weeks ago", "two weeks ago", "2024-05-01", "2024-05-01"),
    ("on the 3rd of march", "on the 3rd of march", "2024-03-03", "2024-03-03"),
    ("on the third of march", "on the third of march", "2024-03-03", "2024-03-03"),
    ("on march 3rd 2023", "on march 3rd 2023", "2023-03-03", "2023-03-03"),
    ("on 3/4", "on 3/4", "2024-03-04", "2024-03-04"),
    ("from march 1 to march 15", "from march 1 to march 15", "2024-03-01", "2024-03-15"),
    ("between the 1st and the 10th", "between the 1st and the 10th", "2024-05-01", "2024-05-10"),
    ("from january to march", "from january to march", "2024-01-01", "2024-03-31"),
    # inside sentences
    (
        "show my transactions for the last 30 days",
        "for the last 30 days",
        "2024-04-16",
        "2024-05-15",
    ),
    ("what did i spend last week", "last week", "2024-05-06", "2024-05-12"),
    ("um what came out yesterday", "yesterday", "2024-05-14", "2024-05-14"),
]


@pytest.mark.parametrize(("text", "span", "start", "end"), RANGES)
def test_date_ranges(text: str, span: str, start: str, end: str) -> None:
    match = find_date_range(text, today=WEDNESDAY)
    assert match is not None
    assert match.text == span
    assert text[match.start : match.end] == span
    assert match.value() == {"start": start, "end": end}


@pytest.mark.parametrize(
    "text",
    [
        "what's my balance",
        "may i see my balance",
        "send 50 to tom",
        "transfer from savings to checking",
        "the other day",
        "march in the parade",
    ],
)
def test_no_date_range(text: str) -> None:
    assert find_date_range(text, today=WEDNESDAY) is None


def test_ranges_never_end_after_today() -> None:
    for text in ["this month", "this year", "in may", "since monday", "this week"]:
        match = find_date_range(text, today=WEDNESDAY)
        assert match is not None and match.to_date <= WEDNESDAY


def test_month_in_the_future_means_last_year() -> None:
    match = find_date_range("in march", today=date(2024, 2, 10))
    assert match is not None
    assert match.value() == {"start": "2023-03-01", "end": "2023-03-31"}


def test_last_month_across_the_new_year() -> None:
    match = find_date_range("last month", today=date(2024, 1, 9))
    assert match is not None
    assert match.value() == {"start": "2023-12-01", "end": "2023-12-31"}


def test_since_monday_on_a_monday_means_a_week_ago() -> None:
    match = find_date_range("since monday", today=date(2024, 5, 13))
    assert match is not None
    assert match.value() == {"start": "2024-05-06", "end": "2024-05-13"}


def test_weekend_when_today_is_sunday() -> None:
    match = find_date_range("over the weekend", today=date(2024, 5, 19))
    assert match is not None
    assert match.value() == {"start": "2024-05-18", "end": "2024-05-19"}


def test_match_type_and_defaults() -> None:
    match = find_date_range("yesterday")
    assert isinstance(match, DateRangeMatch)
    assert match.to_date == match.from_date
