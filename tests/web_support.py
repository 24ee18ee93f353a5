"""Helpers for the web page tests: the gateway app on a seeded bank with a fake Rasa, a browser-
like client that finds each form's CSRF token, and a small HTML checker."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Dict, List, Optional

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.demo import MARGARET_PHONE
from assistant.models import Customer
from assistant.webkit.models import WebSession

MARGARET_PIN = "2468"
RAVI_PIN = "1357"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PAYMENT_KEY = re.compile(r'name="payment_key" value="([^"]+)"')


class Browser:
    """A TestClient that keeps its cookie and reads CSRF tokens from the pages it gets."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.client = TestClient(app)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, follow_redirects=False, **kwargs)

    def csrf(self, path: str = "/sign-in") -> str:
        page = self.client.get(path)
        match = _CSRF.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(
        self,
        path: str,
        data: Dict[str, str],
        token_from: Optional[str] = None,
        csrf: Optional[str] = None,
    ) -> Any:
        """POST a form with the CSRF token of the page at ``token_from`` (default: ``path``)."""
        form = dict(data)
        form["csrf_token"] = csrf if csrf is not None else self.csrf(token_from or path)
        return self.client.post(path, data=form, follow_redirects=False)

    def sign_in(self, phone: str = MARGARET_PHONE, pin: str = MARGARET_PIN) -> Any:
        return self.post("/sign-in", {"phone": phone, "pin": pin})

    @property
    def cookie(self) -> Optional[str]:
        return self.client.cookies.get("kb_session")

    def payment_key(self, check_path: str) -> str:
        match = _PAYMENT_KEY.search(self.client.get(check_path).text)
        assert match, f"no payment key on {check_path}"
        return match.group(1)


@dataclass
class PageShape:
    """What the structure checks look at."""

    lang: Optional[str] = None
    html_class: str = ""
    h1: List[str] = field(default_factory=list)
    main_ids: List[str] = field(default_factory=list)
    skip_links: List[str] = field(default_factory=list)
    header_links: List[str] = field(default_factory=list)
    forms: List[Dict[str, str]] = field(default_factory=list)
    inline_scripts: int = 0
    style_attributes: int = 0
    style_elements: int = 0


class _ShapeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shape = PageShape()
        self._in_h1 = False
        self._h1_text: List[str] = []
        self._in_header = False
        self._in_script = False
        self._script_has_src = False
        self._pending_link: Optional[str] = None
        self._link_text: List[str] = []
        self._skip_pending = False

    def handle_starttag(self, tag: str, attrs: List[tuple]) -> None:
        a = dict(attrs)
        if "style" in a:
            self.shape.style_attributes += 1
        if tag == "html":
            self.shape.lang = a.get("lang")
            self.shape.html_class = a.get("class") or ""
        elif tag == "h1":
            self._in_h1, self._h1_text = True, []
        elif tag == "main":
            self.shape.main_ids.append(a.get("id") or "")
        elif tag == "header":
            self._in_header = True
        elif tag == "style":
            self.shape.style_elements += 1
        elif tag == "script":
            self._in_script, self._script_has_src = True, "src" in a
        elif tag == "form":
            self.shape.forms.append({"method": a.get("method", ""), "action": a.get("action", "")})
        elif tag == "a":
            self._pending_link, self._link_text = a.get("href"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
            self.shape.h1.append(" ".join("".join(self._h1_text).split()))
        elif tag == "header":
            self._in_header = False
        elif tag == "script":
            self._in_script = False
        elif tag == "a" and self._pending_link is not None:
            text = " ".join("".join(self._link_text).split())
            if text == "Skip to main content":
                self.shape.skip_links.append(self._pending_link)
            if self._in_header:
                self.shape.header_links.append(f"{text}={self._pending_link}")
            self._pending_link = None

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self._h1_text.append(data)
        if self._pending_link is not None:
            self._link_text.append(data)
        if self._in_script and not self._script_has_src and data.strip():
            self.shape.inline_scripts += 1


def shape(html: str) -> PageShape:
    parser = _ShapeParser()
    parser.feed(html)
    return parser.shape


def check_structure(html: str, h1: str, signed_in: bool) -> None:
    """The layout every page shares: landmarks, one h1 ``h1``, the same header links, sign
    out when signed in, no inline script or style, a CSRF token in every POST form."""
    page = shape(html)
    assert page.lang == "en"
    assert page.h1 == [h1]
    assert page.main_ids == ["main-content"]
    assert page.skip_links == ["#main-content"]
    assert html.index("Skip to main content") < html.index("<header")
    assert page.header_links == ["Kindly Bank=/", "Get help=/help"]
    sign_out = {"method": "post", "action": "/sign-out"} in page.forms
    assert sign_out is signed_in
    assert page.inline_scripts == 0 and page.style_attributes == 0 and page.style_elements == 0
    assert re.search(r"<title>[^<]+ - Kindly Bank</title>", html)
    # every POST form carries the CSRF token
    forms = re.findall(r"<form method=\"post\".*?</form>", html, flags=re.S)
    assert forms or not signed_in
    for form in forms:
        assert 'name="csrf_token" value="' in form


def visible_text(html: str) -> str:
    """The page's text with tags removed and spaces collapsed (entities decoded)."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: List[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def customer_row(sessions: Any, phone: str = MARGARET_PHONE) -> Customer:
    with sessions() as session:
        return session.execute(select(Customer).where(Customer.phone == phone)).scalar_one()


def web_sessions(sessions: Any) -> List[WebSession]:
    with sessions() as session:
        return list(session.execute(select(WebSession)).scalars())


@dataclass
class WebApp:
    """``create_app`` on a private copy of the seeded demo bank, with the fake Rasa."""

    app: FastAPI
    rasa: Any
    sessions: Any
    settings: Any

    @property
    def bank(self) -> Any:
        return self.app.state.turns.banking

    @property
    def conversations(self) -> Any:
        return self.app.state.turns.conversations

    @property
    def identity(self) -> Any:
        return self.app.state.turns.identity

    def browser(self) -> Browser:
        return Browser(self.app)

    def customer_id(self, phone: str = MARGARET_PHONE) -> int:
        return self.bank.find_customer_by_phone(phone).id

    def close(self) -> None:
        from assistant.db import dispose

        self.app.state.rasa.close()
        dispose(self.settings.bank_database_url)


def make_web_app(template: Any, directory: Any, **overrides: Any) -> WebApp:
    from assistant.db import session_factory
    from assistant.gateway.app import create_app
    from assistant.settings import Settings
    from tests.fakes import FakeRasa, copy_of_bank

    url = copy_of_bank(template, directory)
    settings = Settings(
        database_url=url, home=directory / "home", rasa_token="test-token", **overrides
    )
    app = create_app(settings)
    rasa = FakeRasa(app.state.turns.conversations)
    app.state.turns.rasa = rasa
    return WebApp(app, rasa, session_factory(url), settings)


def fill_drafts(web: WebApp, browser: Browser) -> None:
    """Answer both payment flows' questions so their later pages can be shown."""
    payees = {p.name: p.id for p in web.bank.list_payees(web.customer_id())}
    for path, who in (("/send", "Tom"), ("/pay-bill", "City Power")):
        browser.post(path, {"recipient": f"payee:{payees[who]}"})
        browser.post(f"{path}/amount", {"amount": "5"})
        browser.post(f"{path}/from", {"from_account": "checking"})


def family_of(web: WebApp) -> Any:
    """The app's family-helper services with the service tests' helpers
    (``tests.family_support.Family``: invite, accept, helper_of, outbox, audits)."""
    from tests.family_support import Family

    return Family(web.app.state.family, web.sessions, web.settings)


def linda_link_id(web: WebApp, phone: str = MARGARET_PHONE) -> int:
    """The link id of the demo helper Linda (Margaret's)."""
    helpers = web.app.state.family.list_helpers(web.customer_id(phone))
    return next(h.link_id for h in helpers if h.name == "Linda Chen")
