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
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.clock import local_date
from assistant.conversation.turns import TurnHandler
from assistant.conversations import ConversationStore
from assistant.identity import IdentityService
from assistant.settings import Settings
from assistant.web.i18n import Catalogues, Words, babel_locale
from assistant.web.preferences import DEFAULT, Preferences, PreferenceStore
from assistant.web.sessions import WebSessionState, WebSessionStore

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
    sessions: WebSessionStore
    preferences: PreferenceStore
    templates: Environment
    catalogues: Catalogues = field(default_factory=Catalogues)

    @property
    def banking(self) -> Any:
        return self.turns.banking

    @property
    def identity(self) -> IdentityService:
        return self.turns.identity

    @property
    def conversations(self) -> ConversationStore:
        return self.turns.conversations


class Page:
    """One request's view of the web session; every response goes through :meth:`finish`."""

    def __init__(self, request: Request, services: WebServices) -> None:
        self.request = request
        self.services = services
        self.settings = services.settings
        self.session: Optional[WebSessionState] = services.sessions.load(
            request.cookies.get(COOKIE_NAME)
        )
        self._new_token: Optional[str] = None
        self._clear_cookie = False
        self._prefs: Optional[Preferences] = None
        self._customer: Any = None
        self._words: Optional[Words] = None

    # ---- who is here -------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.session is not None and self.session.signed_in

    @property
    def customer_id(self) -> int:
        assert self.session is not None and self.session.customer_id is not None
        return self.session.customer_id

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

    @property
    def csrf_token(self) -> str:
        return self.ensure_session().csrf_token

    @property
    def data(self) -> Dict[str, Any]:
        return self.session.data if self.session is not None else {}

    # ---- session lifecycle ---------------------------------------------------------

    def ensure_session(self) -> WebSessionState:
        """The session, starting a signed-out one (for the sign-in form's CSRF token)."""
        if self.session is None:
            self._new_token, self.session = self.services.sessions.create()
            self._clear_cookie = False
        return self.session

    def sign_in(self, customer_id: int, conversation_id: str) -> None:
        """Replace the signed-out session with a new signed-in one (no session fixation)."""
        if self.session is not None:
            self.services.sessions.delete(self.session.id)
        self._new_token, self.session = self.services.sessions.create(
            customer_id=customer_id, conversation_id=conversation_id
        )
        self._clear_cookie = False
        self._prefs = self._customer = self._words = None

    def end_session(self) -> None:
        """Delete this session and clear its cookie."""
        if self.session is not None:
            self.services.sessions.delete(self.session.id)
        self.session = None
        self._new_token = None
        self._clear_cookie = True
        self._prefs = self._customer = self._words = None

    def flash(self, message: str, **values: Any) -> None:
        """A message (its English source text, marked with ``N_``, and its values) shown once on
        the next page, in the language of that page."""
        self.ensure_session().changed()["flash"] = {"message": message, "values": values}

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

    def redirect(self, url: str) -> RedirectResponse:
        """A 303 redirect (the page after a form post)."""
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Any:
        """Save the session and set or clear its cookie on ``response``."""
        if self.session is not None:
            self.services.sessions.save(self.session)
        if self._new_token is not None:
            response.set_cookie(
                COOKIE_NAME,
                self._new_token,
                httponly=True,
                secure=self.settings.session_cookie_secure,
                samesite="lax",
                path="/",
            )
        elif self._clear_cookie:
            response.delete_cookie(
                COOKIE_NAME,
                path="/",
                httponly=True,
                secure=self.settings.session_cookie_secure,
                samesite="lax",
            )
        return response

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
