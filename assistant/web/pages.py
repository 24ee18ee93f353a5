"""The customer pages as a page set of the web kit, and one request's customer page.

The kit (:mod:`assistant.webkit`) gives the layout, form macros, error pages, large-text
stylesheet and script, sessions, CSRF and the words per request; this module names the
customer pages' own templates, stylesheet and cookie, and :class:`Page` adds what the kit does
not know: the signed-in customer, their language and their display choices.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from fastapi import Request

from assistant.banking.service import BankingService
from assistant.preferences import DEFAULT, Preferences, PreferenceService
from assistant.webkit.pageset import PageKit, PageSet
from assistant.webkit.rendering import KitPage

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
COOKIE_NAME = "kb_session"
_UNKNOWN = object()  # not looked up yet


class Page(KitPage):
    """One request's customer page: the kit's page, with the customer's preferences."""

    def __init__(
        self,
        request: Request,
        kit: PageKit,
        preferences: PreferenceService,
        banking: BankingService,
    ) -> None:
        super().__init__(request, kit)
        self._preferences = preferences
        self._banking = banking
        self.sessions = kit.sessions
        self._prefs: Optional[Preferences] = None
        self._customer: Any = None
        self._warning: Any = _UNKNOWN

    def session_changed(self) -> None:
        super().session_changed()
        self._prefs = self._customer = None
        self._warning = _UNKNOWN

    @property
    def prefs(self) -> Preferences:
        if self._prefs is None:
            self._prefs = self._preferences.get(self.customer_id) if self.signed_in else DEFAULT
        return self._prefs

    @property
    def customer(self) -> Any:
        """The signed-in customer's view (loaded once per request)."""
        if self._customer is None:
            self._customer = self._banking.get_customer(self.customer_id)
        return self._customer

    @property
    def first_name(self) -> str:
        return self.customer.form_of_address

    @property
    def chosen_locale(self) -> str:
        """The signed-in customer's locale ("en_US"), else the bank's (settings)."""
        return (self.signed_in and self.customer.locale) or self.settings.locale

    @property
    def html_class(self) -> str:
        prefs = self.prefs
        classes = [f"text-{prefs.text_size}"]
        if prefs.high_contrast:
            classes.append("high-contrast")
        return " ".join(classes)

    @property
    def read_aloud(self) -> bool:
        return self.prefs.read_aloud

    @property
    def speech_rate(self) -> str:
        return self.prefs.speech_rate

    @property
    def warning(self) -> Any:
        """The newest scam warning in force for the signed-in customer (before sign-in, one for
        everyone only), shown above every page; None when there is none, or it cannot be told
        now (the page is shown all the same)."""
        if self._warning is _UNKNOWN:
            self._warning = None
            broadcasts = getattr(self.request.app.state, "broadcasts", None)
            if broadcasts is not None:
                try:
                    self._warning = broadcasts.banner(self.customer_id if self.signed_in else None)
                except Exception as error:  # noqa: BLE001 - the page matters more
                    log.warning("scam warning not shown: %s", type(error).__name__)
        return self._warning


def customer_page_set(owns: Any) -> PageSet:
    """The customer pages: at ``/``, their cookie ``kb_session``, their own stylesheet."""
    return PageSet(
        name="web",
        templates=TEMPLATES,
        cookie_name=COOKIE_NAME,
        owns=owns,
        static=STATIC,
        stylesheets=("customer.css",),
    )
