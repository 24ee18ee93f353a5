"""The customer's large-text web interface (DESIGN.md sections 6 to 9).

Server-rendered pages (Jinja, autoescaped) that work with JavaScript off, a page set of the
shared web kit (:mod:`assistant.webkit`: layout, sessions with a CSRF token on every form,
strict security headers, error pages, the words per request). Its routes take the banking
services and the conversation turn from :mod:`assistant.gateway.deps` and talk to the same
assistant on the ``web`` channel. The pages: :mod:`~assistant.web.routes` (sign in, money,
ask me, settings), :mod:`~assistant.web.holds` (payments that wait),
:mod:`~assistant.web.helpers` and :mod:`~assistant.web.invite` (family helpers),
:mod:`~assistant.web.limits` (the customer's safety limits).
:func:`install` adds them to the gateway app.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy.orm import sessionmaker

from assistant.gateway.deps import get_banking, get_preferences
from assistant.web import helpers, holds, invite, limits, routes
from assistant.web.deps import get_kit
from assistant.web.pages import Page, customer_page_set
from assistant.webkit.install import install_page_set, make_kit

__all__ = ["install", "is_web_path"]

router = APIRouter(include_in_schema=False)
for _pages in (routes, holds, invite, helpers, limits):
    router.include_router(_pages.router)


def _first_segments() -> frozenset[str]:
    return frozenset(route.path.strip("/").split("/")[0] for route in router.routes)


WEB_SEGMENTS = _first_segments()


def is_web_path(path: str) -> bool:
    """Whether ``path`` is one of the customer pages (and so gets their headers and error
    pages); their static files are the kit's concern."""
    return path.strip("/").split("/")[0] in WEB_SEGMENTS


def _page(request: Request) -> Page:
    return Page(request, get_kit(request), get_preferences(request), get_banking(request))


def install(app: FastAPI, session_factory: sessionmaker) -> None:
    """Add the customer pages to ``app`` on the web kit (their kit on ``app.state.web``).

    The pages use the services the app assembly put on ``app.state``, through the same typed
    dependencies (:mod:`assistant.gateway.deps`) as every channel.
    """
    page_set = customer_page_set(owns=is_web_path)
    kit = make_kit(page_set, app.state.settings, session_factory)
    install_page_set(app, kit, router, page=_page)
