"""Another set of pages built on the web kit in a few lines (as the helper portal is, and the
consoles will be):
it gets the kit's large-text layout and stylesheet, the security headers and CSP, CSRF refusal,
sign-in redirects and error pages, and a sign-in cookie of its own that the customer pages
never accept (nor it theirs)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from assistant.webkit.install import install_page_set, make_kit
from assistant.webkit.pageset import PageKit, PageSet
from assistant.webkit.rendering import KitPage
from assistant.webkit.security import CONTENT_SECURITY_POLICY
from tests.web_support import Browser, WebApp, make_web_app, shape, visible_text

COOKIE = "kb_console"
HELLO = """{% extends "kit/base.html" %}
{% from "kit/_macros.html" import csrf with context %}
{% block title %}Console{% endblock %}
{% block content %}
<h1 class="heading-xl">Console</h1>
<form method="post" action="/console/note">{{ csrf(page) }}
<button class="button">Save</button></form>
{% endblock %}
"""
SIGN_IN = """{% extends "kit/base.html" %}
{% from "kit/_macros.html" import csrf with context %}
{% block title %}Console sign in{% endblock %}
{% block content %}
<h1 class="heading-xl">Console sign in</h1>
<form method="post" action="/console/sign-in">{{ csrf(page) }}
<button class="button">Go</button></form>
{% endblock %}
"""


def _console_pages(templates: Path, customer_id: int) -> tuple[PageSet, APIRouter]:
    """A tiny page set at /console: a sign-in page, a private page and a form."""
    (templates / "hello.html").write_text(HELLO)
    (templates / "sign_in.html").write_text(SIGN_IN)
    page_set = PageSet(
        name="console",
        templates=templates,
        cookie_name=COOKIE,
        owns=lambda path: path == "/console" or path.startswith("/console/"),
        home_url="/console/",
        help_url="/console/help",
        sign_in_url="/console/sign-in",
        sign_out_url="/console/sign-out",
    )
    router = APIRouter()

    def page(request: Request) -> KitPage:
        kit: PageKit = request.app.state.console
        return KitPage(request, kit)

    @router.get("/console/")
    def hello(page: KitPage = Depends(page)) -> Response:
        page.require_sign_in()
        return page.render("hello.html")

    @router.get("/console/sign-in")
    def sign_in_form(page: KitPage = Depends(page)) -> Response:
        page.ensure_session()
        return page.render("sign_in.html")

    @router.post("/console/sign-in")
    def sign_in(page: KitPage = Depends(page), csrf_token: str = Form("")) -> Response:
        page.check_csrf(csrf_token)
        page.sign_in(customer_id)
        return page.redirect("/console/")

    @router.post("/console/note")
    def note(page: KitPage = Depends(page), csrf_token: str = Form("")) -> Response:
        page.require_sign_in()
        page.check_csrf(csrf_token)
        return page.redirect("/console/")

    return page_set, router


@pytest.fixture
def both(demo_template: Path, tmp_path: Path) -> Iterator[WebApp]:
    """The gateway app (customer pages at /) with the tiny console pages added on the kit."""
    web = make_web_app(demo_template, tmp_path)
    templates = tmp_path / "console_templates"
    templates.mkdir()
    page_set, router = _console_pages(templates, web.customer_id())
    install_page_set(web.app, make_kit(page_set, web.settings, web.sessions), router)
    yield web
    web.close()


def _console_signed_in(web: WebApp) -> Browser:
    console = web.browser()
    signed_in = console.post("/console/sign-in", {})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/console/"
    assert console.client.cookies.get(COOKIE)
    return console


def test_a_page_set_gets_the_kits_large_text_layout_and_headers(both: WebApp) -> None:
    browser = both.browser()
    reply = browser.get("/console/sign-in")
    assert reply.status_code == 200
    assert reply.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["set-cookie"].startswith(f"{COOKIE}=")
    html = reply.text
    page = shape(html)
    assert page.lang == "en" and page.html_class == "text-large"
    assert page.skip_links == ["#main-content"] and page.main_ids == ["main-content"]
    assert page.header_links == ["Kindly Bank=/console/", "Get help=/console/help"]
    assert page.h1 == ["Console sign in"]
    assert "<title>Console sign in - Kindly Bank</title>" in html
    assert "1-800-555-0199" in visible_text(html)  # the kit's footer
    assert "customer.css" not in html  # the customer pages' own styles stay theirs

    css_url = next(p.split('"')[0] for p in html.split('href="') if "/web.css?v=" in p)
    assert css_url.startswith("/static/kit/web.css?v=")
    css = browser.get(css_url)
    assert css.status_code == 200
    assert "html.text-largest { font-size: 150%; }" in css.text
    assert ".high-contrast" in css.text
    assert css.headers["x-content-type-options"] == "nosniff"
    assert css.headers["cache-control"].startswith("public")
    script_url = next(p.split('"')[0] for p in html.split('src="') if "/web.js?v=" in p)
    assert "speechSynthesis" in browser.get(script_url).text  # read aloud


def test_a_page_set_refuses_a_form_without_its_csrf_token(both: WebApp) -> None:
    console = _console_signed_in(both)
    refused = console.client.post("/console/note", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert shape(refused.text).h1 == ["Sorry, that did not work"]
    assert refused.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    wrong = console.post("/console/note", {}, csrf="not-the-token")
    assert wrong.status_code == 403
    assert console.post("/console/note", {}, token_from="/console/").status_code == 303


def test_a_page_set_sends_you_to_its_own_sign_in_and_has_kind_error_pages(
    both: WebApp,
) -> None:
    guest = both.browser()
    reply = guest.get("/console/")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/console/sign-in"
    missing = guest.get("/console/nothing-here")
    assert missing.status_code == 404
    assert shape(missing.text).h1 == ["Page not found"]
    assert 'href="/console/">Start again</a>' in missing.text
    assert missing.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    # the customer pages keep theirs
    assert guest.get("/balance").headers["location"] == "/sign-in"


def test_one_page_sets_session_never_opens_the_other(both: WebApp, margaret: Browser) -> None:
    console = _console_signed_in(both)
    assert console.get("/console/").status_code == 200
    console_token = console.client.cookies.get(COOKIE)
    customer_token = margaret.cookie
    assert console_token and customer_token

    stranger = both.browser()
    stranger.client.cookies.set("kb_session", console_token)
    assert stranger.get("/balance").headers["location"] == "/sign-in"
    other = both.browser()
    other.client.cookies.set(COOKIE, customer_token)
    assert other.get("/console/").headers["location"] == "/console/sign-in"

    # signing out everywhere on the customer pages ends only the customer pages' sessions
    assert margaret.post("/sign-out-everywhere", {}, token_from="/settings").status_code == 303
    assert console.get("/console/").status_code == 200
