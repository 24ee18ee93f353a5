"""The admin console as a page set of the web kit, and one request's staff page.

The kit (:mod:`assistant.webkit`) gives the layout, form macros, error pages, stylesheet and
script, sessions, CSRF and the words per request; this module names the console's own
templates, static files, cookie (``kb_staff``) and addresses, and :class:`AdminPage` adds the
signed-in staff user, read again on every request (a role changed or a user removed counts at
once), and the way the console shows times and money.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

from babel.dates import format_date, format_time
from fastapi import Request

from assistant.admin import words
from assistant.clock import as_utc, bank_zone
from assistant.identity import IdentityService, StaffView
from assistant.money import Money, format_money
from assistant.webkit.pageset import PageKit, PageSet
from assistant.webkit.rendering import KitPage

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE_NAME = "kb_staff"
PREFIX = "/admin"
HOME = PREFIX
SIGN_IN = f"{PREFIX}/sign-in"
WARNINGS = f"{PREFIX}/warnings"
INTERVENTIONS = f"{PREFIX}/interventions"
HELD_PAYMENTS = f"{PREFIX}/held-payments"
# The roles that may use the warnings, interventions and held payments pages; an agent signs
# in but gets a kind 403 page on them.
FRAUD_ROLES = ("fraud", "admin")


class RoleRefused(Exception):
    """The signed-in staff user's role may not use this page: a kind 403 page."""


def is_admin_path(path: str) -> bool:
    """Whether ``path`` is one of the console's pages."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def admin_page_set() -> PageSet:
    """The admin console: at ``/admin``, its cookie ``kb_staff``, its stylesheet and script."""
    return PageSet(
        name="admin",
        templates=TEMPLATES,
        cookie_name=COOKIE_NAME,
        owns=is_admin_path,
        static=STATIC,
        stylesheets=("admin.css",),
        home_url=HOME,
        help_url=f"{PREFIX}/help",
        sign_in_url=SIGN_IN,
        sign_out_url=f"{PREFIX}/sign-out",
    )


class AdminPage(KitPage):
    """One request's console page: the kit's page, with the signed-in staff user."""

    def __init__(self, request: Request, kit: PageKit, identity: IdentityService) -> None:
        super().__init__(request, kit)
        self._identity = identity
        self._staff: Optional[StaffView] = None
        self._staff_read = False

    def session_changed(self) -> None:
        super().session_changed()
        self._staff_read = False

    @property
    def staff(self) -> Optional[StaffView]:
        """The staff user who owns this session, as they are now; None when signed out."""
        if not self._staff_read:
            staff_id = self.session.staff_id if self.session is not None else None
            self._staff = self._identity.staff_member(staff_id) if staff_id is not None else None
            self._staff_read = True
        return self._staff

    @property
    def signed_in(self) -> bool:
        return self.staff is not None

    @property
    def signed_in_staff(self) -> StaffView:
        staff = self.staff
        assert staff is not None
        return staff

    @property
    def may_use_fraud_pages(self) -> bool:
        """Whether the staff user's role opens the warnings, interventions and held payments."""
        return self.staff is not None and self.staff.role in FRAUD_ROLES

    def require_fraud_role(self) -> None:
        """Raise :class:`RoleRefused` unless the role opens the fraud pages."""
        if not self.may_use_fraud_pages:
            raise RoleRefused()

    @property
    def role_name(self) -> str:
        """The staff user's role in words ("fraud operations")."""
        staff = self.staff
        return words.word(self._, words.ROLES, staff.role) if staff is not None else ""

    def when(self, moment: Optional[datetime]) -> str:
        """A moment in the bank's time zone, to the minute ("Dec 3, 2026 at 2:05 PM")."""
        if moment is None:
            return ""
        local = as_utc(moment).astimezone(bank_zone(self.settings.timezone))
        return self._(
            "%(date)s at %(time)s",
            date=format_date(local, format="medium", locale=self.locale),
            time=format_time(local, format="short", locale=self.locale),
        )

    def money(self, amount: Money) -> str:
        return format_money(amount, self.locale)
