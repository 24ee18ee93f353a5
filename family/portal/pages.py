"""The helper portal as a page set of the web kit, and one request's helper page.

The kit (:mod:`assistant.webkit`) gives the layout, form macros, error pages, large-text
stylesheet and script, sessions, CSRF and the words per request; this module names the portal's
own templates, stylesheet, cookie and addresses, and :class:`HelperPage` adds the signed-in
helper and the way the portal says when something happens.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from babel.dates import format_skeleton
from fastapi import Request

from assistant.clock import local_date
from assistant.db import utcnow
from assistant.money import Money, format_money
from assistant.texts import local_time
from assistant.webkit.pageset import PageKit, PageSet
from assistant.webkit.rendering import KitPage

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE_NAME = "kb_helper"
PREFIX = "/helper"
HOME = PREFIX
SIGN_IN = f"{PREFIX}/sign-in"


def is_portal_path(path: str) -> bool:
    """Whether ``path`` is one of the portal's pages."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def portal_page_set() -> PageSet:
    """The helper portal: at ``/helper``, its cookie ``kb_helper``, its own stylesheet."""
    return PageSet(
        name="helper",
        templates=TEMPLATES,
        cookie_name=COOKIE_NAME,
        owns=is_portal_path,
        static=STATIC,
        stylesheets=("portal.css",),
        home_url=HOME,
        help_url=f"{PREFIX}/help",
        sign_in_url=SIGN_IN,
        sign_out_url=f"{PREFIX}/sign-out",
    )


class HelperPage(KitPage):
    """One request's portal page: the kit's page, with the signed-in helper."""

    def __init__(self, request: Request, kit: PageKit) -> None:
        super().__init__(request, kit)
        self._now: Optional[datetime] = None

    @property
    def signed_in(self) -> bool:
        return self.session is not None and self.session.helper_id is not None

    @property
    def helper_name(self) -> str:
        """The helper's name as the bank has it (kept in the session at sign-in)."""
        return str(self.data.get("helper_name", ""))

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = utcnow()
        return self._now

    def money(self, amount: Money) -> str:
        return format_money(amount, self.locale)

    def time(self, moment: datetime) -> str:
        """A time of day in the bank's time zone ("2:30 PM")."""
        return local_time(moment, self.settings, self.locale)

    def when(self, moment: datetime) -> str:
        """A moment in plain words: "today at 2:30 PM", "tomorrow at 9:00 AM", "December 9
        at 2:30 PM"."""
        zone = self.settings.timezone
        day, today = local_date(moment, zone), local_date(self.now, zone)
        time = self.time(moment)
        if day == today:
            return self._("today at %(time)s", time=time)
        if day == today + timedelta(days=1):
            return self._("tomorrow at %(time)s", time=time)
        if day == today - timedelta(days=1):
            return self._("yesterday at %(time)s", time=time)
        date = format_skeleton("MMMMd", day, locale=self.locale)
        return self._("%(date)s at %(time)s", date=date, time=time)
