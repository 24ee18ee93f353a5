"""Rendering and per-request state for the web pages: the session cookie, templates, redirects."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Dict, Optional

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.banking.service import BankingService
from assistant.clock import local_date
from assistant.conversation.turns import TurnHandler
from assistant.conversations import ConversationStore
from assistant.identity import IdentityService
from assistant.preferences import DEFAULT, Preferences, PreferenceService
from assistant.settings import Settings
from assistant.web.i18n import Catalogues, Words, babel_locale
from assistant.webkit.page import SessionPage
from assistant.webkit.sessions import WebSessionStore

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_URL = "/static/web"
COOKIE_NAME = "kb_session"


@cache
def _fingerprint(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def asset(name: str) -> str:
    """A static file's URL, versioned by its content (so caches never serve an old one)."""
    return f"{STATIC_URL}/{name}?v={_fingerprint(name)}"


def make_environment() -> Environment:
    """Jinja with autoescape on for every template (all user and assistant text is escaped) and
    the i18n extension: text only inside ``{% trans %}`` or ``_()``, in the catalogue.

    No translations are installed here: each render passes its own language's ``gettext``
    (:meth:`Words.context`), so the shared environment holds no per-request state.
    """
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    environment.newstyle_gettext = True  # type: ignore[attr-defined]
    environment.policies["ext.i18n.trimmed"] = True
    environment.globals.update(asset=asset)
    return environment


@dataclass
class WebServices:
    """Everything the pages use, kept on ``app.state.web``."""

    settings: Settings
    turns: TurnHandler
    banking: BankingService
    identity: IdentityService
    conversations: ConversationStore
    sessions: WebSessionStore
    preferences: PreferenceService
    templates: Environment
    catalogues: Catalogues = field(default_factory=Catalogues)


class Page(SessionPage):
    """One request's customer page: its session (the web kit's), preferences and templates."""

    def __init__(self, request: Request, services: WebServices) -> None:
        super().__init__(
            request, services.sessions, COOKIE_NAME, services.settings.session_cookie_secure
        )
        self.services = services
        self.settings = services.settings
        self._prefs: Optional[Preferences] = None
        self._customer: Any = None
        self._words: Optional[Words] = None

    def session_changed(self) -> None:
        self._prefs = self._customer = self._words = None

    @property
    def prefs(self) -> Preferences:
        if self._prefs is None:
            self._prefs = (
                self.services.preferences.get(self.customer_id) if self.signed_in else DEFAULT
            )
        return self._prefs

    @property
    def customer(self) -> Any:
        """The signed-in customer's view (loaded once per request)."""
        if self._customer is None:
            self._customer = self.services.banking.get_customer(self.customer_id)
        return self._customer

    @property
    def first_name(self) -> str:
        return self.customer.form_of_address

    # ---- language -----------------------------------------------------------------------

    @property
    def _chosen_locale(self) -> str:
        """The signed-in customer's locale ("en_US"), else the bank's (settings)."""
        return (self.signed_in and self.customer.locale) or self.settings.locale

    @property
    def locale(self) -> str:
        """The locale that formats money and dates (one Babel knows, else the bank's)."""
        return babel_locale(self._chosen_locale, fallback=self.settings.locale)

    @property
    def words(self) -> Words:
        """This request's words: the catalogue of the customer's language."""
        if self._words is None:
            self._words = self.services.catalogues.words(self._chosen_locale)
        return self._words

    @property
    def language(self) -> str:
        return self.words.language

    def _(self, message: str, **values: Any) -> str:
        """``message`` (the English source text) in the customer's language."""
        return self.words.gettext(message, **values)

    # ---- responses -----------------------------------------------------------------

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A template as an HTML page (with the one-time flash message, if any)."""
        flash = None
        if self.session is not None and "flash" in self.session.data:
            message = self.session.changed().pop("flash")
            flash = self._(message.get("message", ""), **message.get("values", {}))
        context.setdefault("errors", {})
        context.setdefault("values", {})
        html = self.services.templates.get_template(template).render(
            page=self, flash=flash, bank_phone=self.bank_phone, **self.words.context(), **context
        )
        return self.finish(HTMLResponse(html, status_code=status_code))

    @property
    def bank_phone(self) -> Dict[str, str]:
        """The bank's phone number as the pages show it and dial it (the settings'; the words
        around it are in the catalogue, with a ``%(phone)s`` placeholder)."""
        return {"display": self.settings.bank_phone, "tel": self.settings.bank_phone_dial}

    # ---- helpers for templates -------------------------------------------------------

    @property
    def html_class(self) -> str:
        prefs = self.prefs
        classes = [f"text-{prefs.text_size}"]
        if prefs.high_contrast:
            classes.append("high-contrast")
        return " ".join(classes)

    def date(self, moment: Any) -> str:
        """A date in the customer's locale ("November 3, 2026"): a moment (aware UTC) is shown
        as the day it falls on in the bank's time zone."""
        day = local_date(moment, self.settings.timezone)
        return format_date(day, format="long", locale=self.locale)
