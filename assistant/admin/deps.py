"""What every console route asks for: its kit, the request's staff page (signed in, with the
role that opens the fraud pages, with a CSRF-checked form), the fraud services, and the client
address its sign-in is throttled by."""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import Depends, Form, HTTPException, Request

from assistant.admin.pages import AdminPage
from assistant.gateway.client_address import client_address
from assistant.gateway.deps import Identity
from assistant.webkit.pageset import PageKit
from fraud.interventions_view import InterventionReview


def get_kit(request: Request) -> PageKit:
    """The console's kit, put on ``app.state.admin`` by :func:`assistant.admin.install`."""
    return request.app.state.admin


def get_page(request: Request, identity: Identity) -> AdminPage:
    """The request's page (the session from the ``kb_staff`` cookie, if any)."""
    return AdminPage(request, get_kit(request), identity)


def signed_in_page(page: AdminPage = Depends(get_page)) -> AdminPage:
    """Any signed-in staff user's page, or a redirect to sign in."""
    page.require_sign_in()
    return page


def csrf_page(page: AdminPage = Depends(get_page), csrf_token: str = Form("")) -> AdminPage:
    """A form post carrying this session's CSRF token (else the kind 403 page)."""
    page.check_csrf(csrf_token)
    return page


def fraud_page(page: AdminPage = Depends(signed_in_page)) -> AdminPage:
    """A page of fraud operations: signed in, with the fraud or admin role (else 403)."""
    page.require_fraud_role()
    return page


def fraud_form(page: AdminPage = Depends(fraud_page), csrf_token: str = Form("")) -> AdminPage:
    """A form of fraud operations: the role first, then this session's CSRF token."""
    page.check_csrf(csrf_token)
    return page


def get_intervention_review(request: Request) -> InterventionReview:
    """Staff's view of the scam interventions (``app.state.intervention_review``)."""
    return request.app.state.intervention_review


Reviews = Annotated[InterventionReview, Depends(get_intervention_review)]


def address_of(page: AdminPage) -> str:
    """The client address (behind a trusted proxy, the one it forwarded)."""
    request = page.request
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        page.settings.trusted_proxies,
    )


def not_found() -> NoReturn:
    raise HTTPException(status_code=404)
