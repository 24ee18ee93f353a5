"""Date ranges in free text ("last month", "since Monday", "in March").

``find_date_range(text, today)`` returns the longest date expression found, as an
inclusive range that never ends after ``today``. Relative expressions are rules;
explicit calendar dates ("3rd of March 2023", "3/4") are read by dateparser.

Days are calendar days in the bank's time zone (``ASSISTANT_TIMEZONE``): without ``today``,
"yesterday" said at 00:30 in New York is the day before in New York, whatever the date in UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from dateutil.relativedelta import relativedelta

from assistant.clock import bank_today
from nlu.numbers import parse_number
from nlu.text import tokenize

Period = tuple[date, date]


@dataclass(frozen=True)
class DateRangeMatch:
    """A date range found in a text; both ends inclusive."""

    start: int
    end: int
    text: str
    from_date: date
    to_date: date

    def value(self) -> dict[str, str]:
        """The entity value: ``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``."""
        return {"start": self.from_date.isoformat(), "end": self.to_date.isoformat()}


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_VAGUE_COUNTS = {"couple": 2, "few": 3, "several": 5}

_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_AMBIGUOUS_MONTHS = frozenset({"may", "mar", "march", "jan"})
_MONTH_CUE = re.compile(
    r"\b(?:in|during|for|of|since|from|over|to|until|through|and|between|last|this)\s+$", re.I
)
_ORD = (
    r"(?:\d{1,2}(?:st|nd|rd|th)|(?:twenty|thirty)[\s-](?:first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth)|" + "|".join(_ORDINAL_WORDS) + ")"
)
_DAY_ANY = rf"(?:{_ORD}|\d{{1,2}})"
_MONTH_ANY = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_NUM = (
    r"(?P<num>\d{1,3}|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|several|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-][a-z]+)?|[a-z]+)"
)
_UNIT = r"(?P<unit>days?|weeks?|fortnights?|months?|years?|hours?)"
_WEEKDAY = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")s?"
_LEAD = r"(?:(?:in|on|over|during|for|of|from)\s+)?"


# --- anchors: expressions that name one period -----------------------------------------


def _explicit_date(match: re.Match[str], today: date) -> Period | None:
    day = _read_explicit(match.group(0), today)
    return (day, day) if day else None


def _day_of_month(match: re.Match[str], today: date) -> Period | None:
    day = _ordinal(match.group("day"))
    if day is None or not 1 <= day <= 31:
        return None
    month_start = today.replace(day=1)
    for months_back in range(0, 4):
        start = month_start - relativedelta(months=months_back)
        if day <= calendar.monthrange(start.year, start.month)[1]:
            candidate = start.replace(day=day)
            if candidate <= today:
                return candidate, candidate
    return None


def _weekday(match: re.Match[str], today: date) -> Period:
    """The most recent such weekday before today ("on monday", "since last monday")."""
    wanted = _WEEKDAYS.index(match.group("weekday").lower().rstrip("s"))
    day = today - timedelta(days=(today.weekday() - wanted) % 7 or 7)
    return day, day


def _month(match: re.Match[str], today: date) -> Period | None:
    """A whole month: the most recent one not in the future unless a year is given."""
    name = match.group("month").lower()
    year_text = match.group("year")
    before = match.string[max(0, match.start("month") - 30) : match.start("month")]
    if name in _AMBIGUOUS_MONTHS and not year_text and not _MONTH_CUE.search(before):
        return None  # "may I..." is not May
    month = _MONTHS[name]
    if year_text:
        year = int(year_text)
    else:
        year = today.year if month <= today.month else today.year - 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last_day)


def _year(match: re.Match[str], today: date) -> Period:
    year = int(match.group("year"))
    return date(year, 1, 1), date(year, 12, 31)


def _relative_day(match: re.Match[str], today: date) -> Period:
    word = match.group(0).lower()
    if "before" in word:
        day = today - timedelta(days=2)
    elif "yesterday" in word:
        day = today - timedelta(days=1)
    else:
        day = today
    return day, day


def _calendar_period(match: re.Match[str], today: date) -> Period:
    which, unit = match.group("which").lower(), match.group("unit").lower()
    if unit == "week":
        start = today - timedelta(days=today.weekday())
        if which != "this":
            return start - timedelta(days=7), start - timedelta(days=1)
        return start, today
    if unit == "month":
        start = today.replace(day=1)
        if which != "this":
            previous = start - relativedelta(months=1)
            return previous, start - timedelta(days=1)
        return start, today
    start = today.replace(month=1, day=1)
    if which != "this":
        return start.replace(year=today.year - 1), start - timedelta(days=1)
    return start, today


def _weekend(match: re.Match[str], today: date) -> Period:
    weekday = today.weekday()
    if weekday >= 5:  # it is the weekend now
        saturday = today - timedelta(days=weekday - 5)
        if (match.group("which") or "").strip().lower() == "last":
            return saturday - timedelta(days=7), saturday - timedelta(days=6)
        return saturday, today
    saturday = today - timedelta(days=weekday + 2)
    return saturday, saturday + timedelta(days=1)


def _rolling(match: re.Match[str], today: date) -> Period | None:
    """The last N days/weeks/months/years up to today ("past two weeks")."""
    unit = (match.group("unit") or match.group("unit2")).lower()
    count = _count(match.group("num")) if match.group("num") else 1
    if count is None or count < 1:
        return None
    if unit.endswith("hours"):
        count, unit = (24 if match.group("unit2") else count), "hour"
    unit = unit.rstrip("s")
    if unit == "hour":
        return today - timedelta(days=-(-count // 24)), today
    return today - _delta(unit, count) + timedelta(days=1), today


def _ago(match: re.Match[str], today: date) -> Period | None:
    count = _count(match.group("num"))
    if count is None:
        return None
    unit = match.group("unit").lower().rstrip("s")
    if unit == "hour":
        return None
    day = today - _delta(unit, count)
    return day, day


Anchor = tuple["re.Pattern[str]", Callable[[re.Match[str], date], "Period | None"]]

_ANCHORS: dict[str, Anchor] = {
    "explicit": (
        re.compile(
            rf"(?:the\s+)?{_DAY_ANY}\s+(?:of\s+)?{_MONTH_ANY}(?:,?\s+\d{{4}})?"
            rf"|{_MONTH_ANY}\s+(?:the\s+)?{_DAY_ANY}(?:,?\s+\d{{4}})?"
            r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?",
            re.I,
        ),
        _explicit_date,
    ),
    "relative_day": (
        re.compile(
            r"(?:the\s+)?day\s+before\s+yesterday|yesterday|today|tonight"
            r"|this\s+(?:morning|afternoon|evening)",
            re.I,
        ),
        _relative_day,
    ),
    "weekend": (
        re.compile(r"(?:(?P<which>the|this|last|this\s+past|past)\s+)weekend", re.I),
        _weekend,
    ),
    "rolling": (
        re.compile(
            rf"(?:the\s+)?(?:last|past|previous|prior)\s+{_NUM}\s+{_UNIT}"
            r"|(?:the\s+(?:last|past|previous)|past|this\s+past)\s+"
            r"(?P<unit2>day|week|fortnight|month|year|24\s+hours)",
            re.I,
        ),
        _rolling,
    ),
    "calendar": (
        re.compile(r"(?P<which>this|last|previous|current)\s+(?P<unit>week|month|year)", re.I),
        _calendar_period,
    ),
    "ago": (re.compile(rf"{_NUM}\s+{_UNIT}\s+ago", re.I), _ago),
    "weekday": (
        re.compile(rf"(?:(?:last|this\s+past|this|past)\s+)?{_WEEKDAY}", re.I),
        _weekday,
    ),
    "month": (
        re.compile(rf"(?:the\s+month\s+of\s+)?{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?", re.I),
        _month,
    ),
    "day_of_month": (re.compile(rf"the\s+(?P<day>{_ORD})", re.I), _day_of_month),
    "year": (re.compile(r"(?P<year>(?:19|20)\d{2})", re.I), _year),
}
# Anchors that stand alone in a sentence, with what must come before them.
_STANDALONE = {
    "explicit": _LEAD,
    "relative_day": _LEAD,
    "weekend": _LEAD,
    "rolling": _LEAD,
    "calendar": _LEAD,
    "ago": "",
    "weekday": _LEAD,
    "month": _LEAD,
    "day_of_month": r"on\s+",
    "year": r"(?:in|during|for|of)\s+",
}


# --- the public function ----------------------------------------------------------------


def find_date_range(
    text: str, today: date | None = None, now: datetime | None = None
) -> DateRangeMatch | None:
    """Find the date range ``text`` talks about, or None.

    The longest expression wins (ties: the earliest). ``today`` defaults to the bank's today
    at ``now`` (an aware moment; default: the real clock).
    """
    today = today or bank_today(now)
    found: list[tuple[int, int, Period]] = []
    found.extend(_standalone(text, today))
    found.extend(_since(text, today))
    found.extend(_between(text, today))
    best: DateRangeMatch | None = None
    for start, end, (first, last) in found:
        last = min(last, today)
        if first > last:
            continue
        candidate = DateRangeMatch(start, end, text[start:end], first, last)
        if best is None or _better(candidate, best):
            best = candidate
    return best


def _better(new: DateRangeMatch, old: DateRangeMatch) -> bool:
    new_len, old_len = new.end - new.start, old.end - old.start
    return new_len > old_len or (new_len == old_len and new.start < old.start)


_STANDALONE_PATTERNS = [
    (re.compile(rf"\b{lead}(?:{_ANCHORS[kind][0].pattern})\b", re.I), _ANCHORS[kind][1])
    for kind, lead in _STANDALONE.items()
]


def _standalone(text: str, today: date) -> list[tuple[int, int, Period]]:
    results = []
    for regex, convert in _STANDALONE_PATTERNS:
        for match in regex.finditer(text):
            period = convert(match, today)
            if period:
                results.append((match.start(), match.end(), period))
    return results


def _anchor_at(text: str, pos: int, today: date) -> tuple[int, Period] | None:
    """The longest anchor starting exactly at ``pos``: (end, period)."""
    best: tuple[int, Period] | None = None
    for pattern, convert in _ANCHORS.values():
        match = pattern.match(text, pos)
        if not match or (match.end() < len(text) and text[match.end()].isalnum()):
            continue
        period = convert(match, today)
        if period and (best is None or match.end() > best[0]):
            best = match.end(), period
    return best


def _since(text: str, today: date) -> list[tuple[int, int, Period]]:
    results = []
    for match in re.finditer(r"\b(?:ever\s+)?(?:since|from)\s+", text, re.I):
        anchor = _anchor_at(text, match.end(), today)
        if anchor:
            end, (first, _) = anchor
            results.append((match.start(), end, (first, today)))
    return results


_RANGE_LINK = re.compile(r"\s*(?:to|until|till|through|thru|and|-)\s*", re.I)


def _between(text: str, today: date) -> list[tuple[int, int, Period]]:
    results = []
    for match in re.finditer(r"\b(?:from|between)\s+", text, re.I):
        first = _anchor_at(text, match.end(), today)
        if not first:
            continue
        link = _RANGE_LINK.match(text, first[0])
        second = _anchor_at(text, link.end(), today) if link else None
        if second:
            results.append((match.start(), second[0], (first[1][0], second[1][1])))
    return results


# --- helpers ------------------------------------------------------------------------------


def _count(text: str) -> int | None:
    words = re.sub(r"^a\s+", "", text.lower().strip())
    words = re.sub(r"\s+of$", "", words)
    if words in _VAGUE_COUNTS:
        return _VAGUE_COUNTS[words]
    if words in ("a", "an", "one"):
        return 1
    parsed = parse_number(tokenize(words), 0)
    if parsed is None or parsed[1] != len(tokenize(words)):
        return None
    value = parsed[0]
    return int(value) if value == value.to_integral_value() else None


def _delta(unit: str, count: int) -> relativedelta:
    if unit == "day":
        return relativedelta(days=count)
    if unit in ("week", "fortnight"):
        return relativedelta(weeks=count * (1 if unit == "week" else 2))
    if unit == "month":
        return relativedelta(months=count)
    return relativedelta(years=count)


def _ordinal(text: str) -> int | None:
    text = text.lower().replace("-", " ")
    digits = re.match(r"(\d{1,2})", text)
    if digits:
        return int(digits.group(1))
    parts = text.split()
    if len(parts) == 2 and parts[1] in _ORDINAL_WORDS:
        tens = {"twenty": 20, "thirty": 30}.get(parts[0])
        return tens + _ORDINAL_WORDS[parts[1]] if tens else None
    return _ORDINAL_WORDS.get(text)


def _read_explicit(text: str, today: date) -> date | None:
    """Read one calendar date with dateparser, preferring the most recent past one."""
    import dateparser  # imported late: it takes half a second

    cleaned = re.sub(
        r"\b(?:twenty|thirty)[\s-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|"
        r"ninth)\b|\b(?:" + "|".join(_ORDINAL_WORDS) + r")\b",
        lambda m: str(_ordinal(m.group(0))),
        text,
        flags=re.I,
    )
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day),
            "PREFER_DATES_FROM": "past",
            "DATE_ORDER": "MDY",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    return parsed.date() if parsed else None
