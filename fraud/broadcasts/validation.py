"""The problems of a warning draft, each naming its field and worded in the catalogue
(``assistant/texts/<language>/broadcasts.yml``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Tuple

from assistant.messaging.sms_text import segment_info, to_gsm7
from assistant.texts import text
from fraud.broadcasts.views import MEDIA, URGENCIES, Draft, Problem

TITLE_MOST = 120  # the column's size
TEXT_MOST = 1000  # characters of a voice script, banner or opener
SMS_MOST_SEGMENTS = 3


def sms_body(sms_text: str) -> str:
    """The text message as it goes out: typographic characters in their GSM-7 forms."""
    return to_gsm7(sms_text.strip())


def opener_sms(opener_text: str, language: str) -> str:
    """The opener as a text conversation gets it, with its words around it."""
    return to_gsm7(text("warning_opener", "sms", language, warning=opener_text.strip()))


def draft_problems(
    draft: Draft, starts_at: datetime, expires_at: datetime, now: datetime, language: str
) -> Tuple[Problem, ...]:
    """What is wrong with ``draft`` (to start at ``starts_at`` and expire at ``expires_at``)."""
    found: List[Problem] = []

    def problem(field: str, code: str, **values: Any) -> None:
        found.append(Problem(field, code, text(code, language=language, **values)))

    title = draft.title.strip()
    if not title:
        problem("title", "broadcast_title_empty")
    elif len(title) > TITLE_MOST:
        problem("title", "broadcast_title_long", most=TITLE_MOST)
    for medium in MEDIA:
        words = getattr(draft, medium).strip()
        if not words:
            problem(medium, f"broadcast_{medium}_empty")
        elif len(words) > TEXT_MOST:
            problem(medium, "broadcast_text_long", most=TEXT_MOST)
    if draft.sms_text.strip():
        info = segment_info(sms_body(draft.sms_text))
        if info.segments > SMS_MOST_SEGMENTS:
            problem(
                "sms_text",
                "broadcast_sms_too_long",
                segments=info.segments,
                encoding=info.encoding,
                most=SMS_MOST_SEGMENTS,
            )
    if draft.opener_text.strip() and len(draft.opener_text.strip()) <= TEXT_MOST:
        info = segment_info(opener_sms(draft.opener_text, language))
        if info.segments > SMS_MOST_SEGMENTS:
            problem(
                "opener_text",
                "broadcast_opener_sms_too_long",
                segments=info.segments,
                encoding=info.encoding,
                most=SMS_MOST_SEGMENTS,
            )
    audience = draft.audience
    if audience.empty:
        problem("audience", "broadcast_audience_empty")
    unknown = [value for values in audience.unknown_values().values() for value in values]
    if unknown:
        problem("audience", "broadcast_audience_unknown", values=", ".join(unknown))
    if draft.urgency not in URGENCIES:
        problem("urgency", "broadcast_urgency_unknown")
    if expires_at <= now:
        problem("expires_at", "broadcast_expiry_past")
    elif expires_at <= starts_at:
        problem("expires_at", "broadcast_expiry_before_start")
    return tuple(found)


def nobody_problem(language: str) -> Problem:
    """The audience matches no customer (checked when it is published)."""
    code = "broadcast_audience_nobody"
    return Problem("audience", code, text(code, language=language))
