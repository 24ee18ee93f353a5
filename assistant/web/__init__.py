"""The customer's large-text web interface (DESIGN.md sections 6 and 7).

Server-rendered pages (Jinja, autoescaped) that work with JavaScript off; server-side sessions
(``web_sessions``) with a CSRF token on every form and strict security headers, from the shared
web kit (:mod:`assistant.webkit`). It reuses the
banking services and talks to the same assistant through :class:`TurnHandler` on the ``web``
channel. :func:`install` adds it to the gateway app.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.web.pages import STATIC, STATIC_URL, Page, WebServices, make_environment
from assistant.web.routes import router
from assistant.webkit.page import CsrfRejected, SignInRequired
from assistant.webkit.security import SecurityHeadersMiddleware
from assistant.webkit.sessions import WebSessionStore

__all__ = ["install", "is_web_path"]


def _first_segments() -> frozenset[str]:
    return frozenset(route.path.strip("/").split("/")[0] for route in router.routes)


WEB_SEGMENTS = _first_segments()


def is_web_path(path: str) -> bool:
    """Whether ``path`` belongs to the web pages (and so gets their headers and error pages)."""
    if path.startswith(STATIC_URL + "/"):
        return True
    return path.strip("/").split("/")[0] in WEB_SEGMENTS


def install(app: FastAPI, session_factory: sessionmaker) -> None:
    """Add the pages, their static files, security headers and error pages to ``app``.

    The pages use the services the app assembly put on ``app.state`` (the same ones
    :mod:`assistant.gateway.deps` hands to routes), each by name.
    """
    settings = app.state.settings
    app.state.web = WebServices(
        settings=settings,
        turns=app.state.turns,
        banking=app.state.banking,
        identity=app.state.identity,
        conversations=app.state.conversations,
        sessions=WebSessionStore(
            session_factory, settings.web_session_idle_minutes, settings.web_session_max_hours
        ),
        preferences=app.state.preferences,
        templates=make_environment(),
    )
    app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=str(STATIC)), name="web-static")
    app.add_middleware(
        SecurityHeadersMiddleware, applies=is_web_path, static_prefix=STATIC_URL + "/"
    )

    @app.exception_handler(SignInRequired)
    def _sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    @app.exception_handler(CsrfRejected)
    def _csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return Page(request, request.app.state.web).render(
            "problem.html", status_code=403, kind="forbidden"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_web_path(request.url.path) or request.url.path.startswith(STATIC_URL):
            return await http_exception_handler(request, exc)
        kind = "not_found" if exc.status_code == 404 else "problem"

        def render() -> Response:
            return Page(request, request.app.state.web).render(
                "problem.html", status_code=exc.status_code, kind=kind
            )

        return await run_in_threadpool(render)
