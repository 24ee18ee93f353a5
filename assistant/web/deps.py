"""What every customer page's route asks for: its kit, the request's page (signed in, with a
CSRF-checked form), and the kind 404 page."""

from __future__ import annotations

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from assistant.gateway.deps import Banking, CustomerPreferences
from assistant.web.pages import Page
from assistant.webkit.pageset import PageKit


def get_kit(request: Request) -> PageKit:
    """The customer pages' kit (templates, sessions, words), put on ``app.state.web`` by
    :func:`assistant.web.install`."""
    return request.app.state.web


def get_page(request: Request, preferences: CustomerPreferences, banking: Banking) -> Page:
    """The request's page state (session loaded from the cookie, if any)."""
    return Page(request, get_kit(request), preferences, banking)


def signed_in_page(page: Page = Depends(get_page)) -> Page:
    """The page state, or a redirect to sign in."""
    page.require_sign_in()
    return page


def _check_csrf(page: Page, token: str) -> Page:
    page.check_csrf(token)
    return page


def csrf_page(page: Page = Depends(get_page), csrf_token: str = Form("")) -> Page:
    """The page state of a form post carrying this session's CSRF token (else 403)."""
    return _check_csrf(page, csrf_token)


def signed_in_csrf_page(page: Page = Depends(signed_in_page), csrf_token: str = Form("")) -> Page:
    """A signed-in form post carrying this session's CSRF token."""
    return _check_csrf(page, csrf_token)


def not_found(page: Page) -> Response:
    """The kind 404 page: also the answer for another customer's helper, invitation or
    held payment, so an id tells nothing about whether it exists."""
    return page.render("problem.html", status_code=404, kind="not_found")
