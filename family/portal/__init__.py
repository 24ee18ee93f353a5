"""The helper portal at ``/helper/...``: a page set on the web kit, for relatives who help.

Server-rendered large-text pages (Jinja, autoescaped, JavaScript optional) with the kit's own
session cookie for helpers (``kb_helper``), CSRF on every form and the strict security headers.
The routes take the family-helper services (``family.links``) from
:mod:`assistant.gateway.deps` and never touch a table. :func:`install` adds it to the app.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from assistant.webkit.install import install_page_set, make_kit
from family.portal.pages import HelperPage, is_portal_path, portal_page_set
from family.portal.routes import router

__all__ = ["install", "is_portal_path"]


def install(app: FastAPI, session_factory: sessionmaker) -> None:
    """Add the helper portal to ``app`` on the web kit (its kit on ``app.state.helper``)."""
    kit = make_kit(portal_page_set(), app.state.settings, session_factory)
    install_page_set(app, kit, router, page=lambda request: HelperPage(request, kit))
