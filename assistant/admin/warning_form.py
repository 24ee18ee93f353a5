"""The warning form: what staff typed, read into the broadcasts service's ``Draft``, and a
saved warning read back into the form's values.

Times are typed as a date and a time of day in the bank's time zone; a start left empty means
from the moment it is saved, an expiry left empty the service's default. What the form itself
cannot read (a date that is not a date) is said here; every other problem (an empty text, an
SMS over three segments, an empty audience, an expiry in the past) is the service's, worded in
its catalogue and named by its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from fastapi import Form

from assistant.clock import as_utc, bank_zone
from assistant.webkit.i18n import N_
from fraud.broadcasts.audience import Audience
from fraud.broadcasts.views import BroadcastView, Draft, Problem

Say = Callable[..., str]

TEXTS = ("title", "voice_text", "sms_text", "banner_text", "opener_text")
# The form's fields in the order the error summary lists them.
FIELD_ORDER = (
    *TEXTS,
    "audience",
    "urgency",
    "starts_at",
    "expires_at",
)
TYPED_CHARS = 5000  # more than any text may be; the service says what is too long
BAD_DATE = N_("Enter the date as year, month and day, like 2026-12-03.")
BAD_TIME = N_("Enter the time on a 24-hour clock, like 09:00 or 17:30.")
TIME_WITHOUT_DATE = N_("Enter the date too, or leave the time empty.")


@dataclass
class WarningForm:
    """The form as typed (every value a string, or a list of the boxes ticked)."""

    title: str = ""
    voice_text: str = ""
    sms_text: str = ""
    banner_text: str = ""
    opener_text: str = ""
    audience: str = ""  # everyone | segments
    age_bands: List[str] = field(default_factory=list)
    regions: List[str] = field(default_factory=list)
    channels: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    has_helper: str = "any"  # any | yes | no
    urgency: str = "normal"
    starts_at: str = ""
    starts_at_time: str = ""
    expires_at: str = ""
    expires_at_time: str = ""

    def values(self) -> Dict[str, Any]:
        """The form's values to show again."""
        return dict(self.__dict__)


def warning_form(
    title: str = Form(""),
    voice_text: str = Form(""),
    sms_text: str = Form(""),
    banner_text: str = Form(""),
    opener_text: str = Form(""),
    audience: str = Form(""),
    age_bands: List[str] = Form([]),
    regions: List[str] = Form([]),
    channels: List[str] = Form([]),
    languages: List[str] = Form([]),
    has_helper: str = Form("any"),
    urgency: str = Form("normal"),
    starts_at: str = Form(""),
    starts_at_time: str = Form(""),
    expires_at: str = Form(""),
    expires_at_time: str = Form(""),
) -> WarningForm:
    """The posted form (a FastAPI dependency)."""
    return WarningForm(
        title=title[:TYPED_CHARS],
        voice_text=voice_text[:TYPED_CHARS],
        sms_text=sms_text[:TYPED_CHARS],
        banner_text=banner_text[:TYPED_CHARS],
        opener_text=opener_text[:TYPED_CHARS],
        audience=audience,
        age_bands=[v[:64] for v in age_bands[:20]],
        regions=[v[:64] for v in regions[:200]],
        channels=[v[:16] for v in channels[:10]],
        languages=[v[:16] for v in languages[:50]],
        has_helper=has_helper,
        urgency=urgency[:16],
        starts_at=starts_at.strip()[:20],
        starts_at_time=starts_at_time.strip()[:10],
        expires_at=expires_at.strip()[:20],
        expires_at_time=expires_at_time.strip()[:10],
    )


def _moment(
    day: str, clock: str, zone: str, end_of_day: bool
) -> Tuple[Optional[datetime], Optional[str]]:
    """The moment typed (aware UTC), or None when nothing was typed; or the problem."""
    if not day and not clock:
        return None, None
    if not day:
        return None, TIME_WITHOUT_DATE
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        return None, BAD_DATE
    if clock:
        try:
            parsed_time = time.fromisoformat(clock if len(clock) > 4 else clock.zfill(5))
        except ValueError:
            return None, BAD_TIME
    else:
        parsed_time = time(23, 59) if end_of_day else time(0, 0)
    local = datetime.combine(parsed_day, parsed_time.replace(tzinfo=None), tzinfo=bank_zone(zone))
    return local.astimezone(timezone.utc), None


def read(form: WarningForm, zone: str, say: Say) -> Tuple[Draft, Dict[str, str]]:
    """The draft the form describes, and what the form itself could not read (by field)."""
    errors: Dict[str, str] = {}
    starts, problem = _moment(form.starts_at, form.starts_at_time, zone, end_of_day=False)
    if problem:
        errors["starts_at"] = say(problem)
    expires, problem = _moment(form.expires_at, form.expires_at_time, zone, end_of_day=True)
    if problem:
        errors["expires_at"] = say(problem)
    if form.audience == "everyone":
        audience = Audience(everyone=True)
    elif form.audience == "segments":
        audience = Audience.of(
            age_bands=form.age_bands,
            regions=form.regions,
            channels=form.channels,
            languages=form.languages,
            has_helper={"yes": True, "no": False}.get(form.has_helper),
        )
    else:
        audience = Audience()
    draft = Draft(
        title=form.title,
        voice_text=form.voice_text,
        sms_text=form.sms_text,
        banner_text=form.banner_text,
        opener_text=form.opener_text,
        audience=audience,
        urgency=form.urgency,
        starts_at=starts,
        expires_at=expires,
    )
    return draft, errors


def merged_errors(local: Dict[str, str], problems: Tuple[Problem, ...]) -> Dict[str, str]:
    """One message per field, in the form's order: the form's own first, then the service's
    (two problems of one field are said one after the other)."""
    found: Dict[str, List[str]] = {name: [message] for name, message in local.items()}
    for problem in problems:
        if problem.field not in local:
            found.setdefault(problem.field, []).append(problem.message)
    ordered = [name for name in FIELD_ORDER if name in found]
    ordered += [name for name in found if name not in FIELD_ORDER]
    return {name: " ".join(found[name]) for name in ordered}


def _typed(moment: datetime, zone: str) -> Tuple[str, str]:
    local = as_utc(moment).astimezone(bank_zone(zone))
    return local.date().isoformat(), local.strftime("%H:%M")


def values_of(view: BroadcastView, zone: str) -> Dict[str, Any]:
    """A saved warning as the form's values (to edit it)."""
    audience = view.audience
    starts, starts_time = _typed(view.starts_at, zone)
    expires, expires_time = _typed(view.expires_at, zone)
    form = WarningForm(
        title=view.title,
        voice_text=view.voice_text,
        sms_text=view.sms_text,
        banner_text=view.banner_text,
        opener_text=view.opener_text,
        audience="everyone" if audience.everyone else ("segments" if audience.segmented else ""),
        age_bands=list(audience.age_bands),
        regions=list(audience.regions),
        channels=list(audience.channels),
        languages=list(audience.languages),
        has_helper={True: "yes", False: "no"}.get(audience.has_helper, "any"),  # type: ignore[arg-type]
        urgency=view.urgency,
        starts_at=starts,
        starts_at_time=starts_time,
        expires_at=expires,
        expires_at_time=expires_time,
    )
    return form.values()
