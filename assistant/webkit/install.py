"""Adding a set of pages to the app in a few lines, on the kit.

:func:`install_page_set` includes the page set's router, serves its static files (and the
kit's, once, for every page set), adds the security headers and CSP to its pages and static
files, and answers for its pages: a page that needs sign-in redirects to the page set's sign-in
page, a form without the session's CSRF token gets the kind 403 page, and a missing page or
another HTTP error the kind error page, in the request's language. Paths no page set owns (the
JSON API, Twilio's webhooks) keep FastAPI's own answers and no page headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.settings import Settings
from assistant.webkit.i18n import Catalogues
from assistant.webkit.page import CsrfRejected, SignInRequired
from assistant.webkit.pageset import KIT_STATIC, KIT_STATIC_URL, STATIC_ROOT, PageKit, PageSet
from assistant.webkit.rendering import KitPage
from assistant.webkit.security import SecurityHeadersMiddleware
from assistant.webkit.sessions import WebSessionStore

PageFactory = Callable[[Request], KitPage]


def make_kit(
    page_set: PageSet,
    settings: Settings,
    session_factory: sessionmaker,
    catalogues: Optional[Catalogues] = None,
) -> PageKit:
    """The kit for ``page_set``: its sessions (tagged with its name), templates and words."""
    return PageKit(
        page_set=page_set,
        settings=settings,
        sessions=WebSessionStore(
            session_factory,
            settings.web_session_idle_minutes,
            settings.web_session_max_hours,
            page_set=page_set.name,
        ),
        templates=page_set.environment(),
        catalogues=catalogues or Catalogues(),
    )


@dataclass(frozen=True)
class _Installed:
    kit: PageKit
    page: PageFactory

    def owns(self, path: str) -> bool:
        page_set = self.kit.page_set
        if page_set.static is not None and path.startswith(page_set.static_url + "/"):
            return True
        return page_set.owns(path)


class PageSets:
    """The page sets installed on one app (``app.state.page_sets``), found by request path."""

    def __init__(self) -> None:
        self.installed: List[_Installed] = []

    def owner(self, path: str) -> Optional[_Installed]:
        return next((item for item in self.installed if item.owns(path)), None)

    def owns(self, path: str) -> bool:
        """Whether ``path`` is a page or static file of a page set (or the kit's)."""
        return path.startswith(KIT_STATIC_URL + "/") or self.owner(path) is not None


def install_page_set(
    app: FastAPI, kit: PageKit, router: APIRouter, page: Optional[PageFactory] = None
) -> None:
    """Add ``router``'s pages to ``app`` with the kit's static files, headers and error pages.

    ``kit`` is kept on ``app.state.<page set name>``; ``page`` makes the page set's page for a
    request (the error pages use it; default: a plain :class:`KitPage`).
    """
    page_sets = _page_sets(app)
    name = kit.page_set.name
    page_sets.installed.append(_Installed(kit, page or (lambda request: KitPage(request, kit))))
    setattr(app.state, name, kit)
    app.include_router(router)
    if kit.page_set.static is not None:
        app.mount(
            kit.page_set.static_url,
            StaticFiles(directory=str(kit.page_set.static)),
            name=f"{name}-static",
        )


def _page_sets(app: FastAPI) -> PageSets:
    """The app's page sets; the first call adds the kit's static files, headers and handlers."""
    existing = getattr(app.state, "page_sets", None)
    if existing is not None:
        return existing
    page_sets = PageSets()
    app.state.page_sets = page_sets
    app.mount(KIT_STATIC_URL, StaticFiles(directory=str(KIT_STATIC)), name="kit-static")
    app.add_middleware(
        SecurityHeadersMiddleware, applies=page_sets.owns, static_prefix=STATIC_ROOT + "/"
    )

    @app.exception_handler(SignInRequired)
    def _sign_in_first(request: Request, exc: SignInRequired) -> Response:
        owner = page_sets.owner(request.url.path)
        target = owner.kit.page_set.sign_in_url if owner is not None else "/"
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfRejected)
    def _csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        owner = page_sets.owner(request.url.path)
        if owner is None:
            return Response(status_code=403)
        return owner.page(request).render_problem(403, "forbidden")

    @app.exception_handler(StarletteHTTPException)
    async def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        owner = page_sets.owner(path)
        if owner is None or path.startswith(STATIC_ROOT + "/"):
            return await http_exception_handler(request, exc)
        kind = "not_found" if exc.status_code == 404 else "problem"
        return await run_in_threadpool(
            lambda: owner.page(request).render_problem(exc.status_code, kind)
        )

    return page_sets
