"""One request's page of any page set: its session (the kit's), its words and the rendering.

:class:`KitPage` renders a template of its page set in the request's language, with the
one-time flash message, the page set's addresses and the bank's phone number; a page set
subclasses it for its own people (whose language, text size and contrast it knows).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse

from assistant.clock import local_date
from assistant.webkit.i18n import Words, babel_locale
from assistant.webkit.page import SessionPage
from assistant.webkit.pageset import PageKit


class KitPage(SessionPage):
    """A page of one page set, for one request; every response goes through :meth:`finish`."""

    def __init__(self, request: Request, kit: PageKit) -> None:
        super().__init__(
            request,
            kit.sessions,
            kit.page_set.cookie_name,
            kit.settings.session_cookie_secure,
        )
        self.kit = kit
        self.settings = kit.settings
        self._words: Optional[Words] = None

    def session_changed(self) -> None:
        self._words = None

    # ---- language -----------------------------------------------------------------------

    @property
    def chosen_locale(self) -> str:
        """The locale of the person here; the kit knows only the bank's (settings)."""
        return self.settings.locale

    @property
    def locale(self) -> str:
        """The locale that formats money and dates (one Babel knows, else the bank's)."""
        return babel_locale(self.chosen_locale, fallback=self.settings.locale)

    @property
    def words(self) -> Words:
        """This request's words: the catalogue of the chosen language."""
        if self._words is None:
            self._words = self.kit.catalogues.words(self.chosen_locale)
        return self._words

    @property
    def language(self) -> str:
        return self.words.language

    def _(self, message: str, **values: Any) -> str:
        """``message`` (the English source text) in this request's language."""
        return self.words.gettext(message, **values)

    # ---- how the page looks (a page set may know the person's choices) ---------------

    @property
    def html_class(self) -> str:
        return "text-large"

    @property
    def read_aloud(self) -> bool:
        return False

    @property
    def speech_rate(self) -> str:
        return "normal"

    @property
    def warning(self) -> Any:
        """A scam warning the layout shows above the page (its ``banner_text``), or None; a
        page set whose people are warned says which."""
        return None

    def date(self, moment: Any) -> str:
        """A date in the page's locale ("November 3, 2026"): a moment (aware UTC) is shown
        as the day it falls on in the bank's time zone."""
        day = local_date(moment, self.settings.timezone)
        return format_date(day, format="long", locale=self.locale)

    @property
    def bank_phone(self) -> Dict[str, str]:
        """The bank's phone number as the pages show it and dial it (the settings'; the words
        around it are in the catalogue, with a ``%(phone)s`` placeholder)."""
        return {"display": self.settings.bank_phone, "tel": self.settings.bank_phone_dial}

    # ---- responses -----------------------------------------------------------------

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A template as an HTML page (with the one-time flash message, if any)."""
        flash = None
        if self.session is not None and "flash" in self.session.data:
            message = self.session.changed().pop("flash")
            flash = self._(message.get("message", ""), **message.get("values", {}))
        context.setdefault("errors", {})
        context.setdefault("values", {})
        html = self.kit.templates.get_template(template).render(
            page=self,
            page_set=self.kit.page_set,
            flash=flash,
            bank_phone=self.bank_phone,
            **self.words.context(),
            **context,
        )
        return self.finish(HTMLResponse(html, status_code=status_code))

    def render_problem(self, status_code: int, kind: str) -> HTMLResponse:
        """The page set's error page (its own ``problem.html``, else the kit's)."""
        template = self.kit.templates.select_template(["problem.html", "kit/problem.html"])
        return self.render(template.name or "kit/problem.html", status_code=status_code, kind=kind)
