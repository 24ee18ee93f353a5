"""Rendering and per-request state for the web pages: the session cookie, templates, redirects."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

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
from assistant.texts import text
from assistant.webkit.page import SessionPage
from assistant.webkit.sessions import WebSessionStore

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_URL = "/static/web"
COOKIE_NAME = "kb_session"


def t(key: str, **values: Any) -> str:
    """A web text from assistant/texts/<language>/web.yml (or gateway.yml)."""
    return text(key, "web", **values)


@cache
def _fingerprint(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def asset(name: str) -> str:
    """A static file's URL, versioned by its content (so caches never serve an old one)."""
    return f"{STATIC_URL}/{name}?v={_fingerprint(name)}"


def make_environment() -> Environment:
    """Jinja with autoescape on for every template (all user and assistant text is escaped)."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(t=t, asset=asset)
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


class Page(SessionPage):
    """One request's customer page: its session (the web kit's), preferences and templates."""

    def __init__(self, request: Request, services: WebServices) -> None:
        super().__init__(
            request, services.sessions, COOKIE_NAME, services.settings.session_cookie_secure
        )
        self.services = services
        self.settings = services.settings
        self._prefs: Optional[Preferences] = None
        self._customer_name: Optional[str] = None

    def session_changed(self) -> None:
        self._prefs = None

    @property
    def prefs(self) -> Preferences:
        if self._prefs is None:
            self._prefs = (
                self.services.preferences.get(self.customer_id) if self.signed_in else DEFAULT
            )
        return self._prefs

    @property
    def first_name(self) -> str:
        if self._customer_name is None:
            name = self.services.banking.get_customer(self.customer_id).name
            self._customer_name = name.split()[0] if name else ""
        return self._customer_name

    # ---- responses -----------------------------------------------------------------

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A template as an HTML page (with the one-time flash message, if any)."""
        flash = None
        if self.session is not None and "flash" in self.session.data:
            message = self.session.changed().pop("flash")
            flash = t(message["key"], **message.get("values", {}))
        context.setdefault("errors", {})
        context.setdefault("values", {})
        html = self.services.templates.get_template(template).render(
            page=self, flash=flash, **context
        )
        return self.finish(HTMLResponse(html, status_code=status_code))

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
        return format_date(day, format="long", locale=self.settings.locale)
