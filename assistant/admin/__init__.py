"""The staff admin console at ``/admin/...``: a page set on the web kit, for bank staff.

Server-rendered pages (Jinja, autoescaped, JavaScript optional) with the kit's own session
cookie for staff (``kb_staff``: a customer's or helper's cookie is never accepted here), CSRF on
every form and the strict security headers. Staff sign in with a username and a password
(:mod:`~assistant.admin.signin`: throttled, audited); the fraud and admin roles use the scam
warnings (:mod:`~assistant.admin.warnings`, on :mod:`fraud.broadcasts`), the scam interventions
(:mod:`~assistant.admin.interventions`) and the held payments waiting, which they may release
(:mod:`~assistant.admin.held`); an agent signs in but gets a kind 403 page there. Every change
is audited as "staff:<username>". The routes take the services from ``app.state`` and never
touch a table. :func:`install` adds the console to the app.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import sessionmaker

from assistant.admin import held, interventions, signin, warnings
from assistant.admin.deps import get_kit
from assistant.admin.pages import AdminPage, RoleRefused, admin_page_set, is_admin_path
from assistant.gateway.deps import get_identity
from assistant.webkit.install import install_page_set, make_kit

__all__ = ["install", "is_admin_path"]

router = APIRouter(include_in_schema=False)
for _pages in (signin, warnings, interventions, held):
    router.include_router(_pages.router)


def _page(request: Request) -> AdminPage:
    return AdminPage(request, get_kit(request), get_identity(request))


def install(app: FastAPI, session_factory: sessionmaker) -> None:
    """Add the admin console to ``app`` on the web kit (its kit on ``app.state.admin``)."""
    kit = make_kit(admin_page_set(), app.state.settings, session_factory)
    install_page_set(app, kit, router, page=_page)

    @app.exception_handler(RoleRefused)
    def _role_refused(request: Request, exc: RoleRefused) -> Response:
        return _page(request).render_problem(403, "role")
