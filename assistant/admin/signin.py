"""Signing staff in and out of the console, its home page and its help page.

A username and a password; a wrong password and an unknown username get the same words, and
past the throttle (per username and per client address) the page says to wait, whichever it
was. A session of the console is new at sign-in (no fixation) and belongs to the staff user.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.admin.deps import address_of, csrf_page, get_page, signed_in_page
from assistant.admin.pages import HOME, PREFIX, SIGN_IN, AdminPage
from assistant.gateway.deps import Banking, Identity
from assistant.webkit.i18n import N_

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

NOTICES = {"signed-out": N_("You are signed out.")}
FAILED = N_("The username or password is not right. Check them and try again.")
THROTTLED = N_(
    "There have been too many tries to sign in. Wait %(minutes)s minutes, then try again."
)
FIELD_CHARS = 200


@router.get(SIGN_IN)
def sign_in_form(page: AdminPage = Depends(get_page), notice: str = "") -> Response:
    if page.signed_in:
        return page.redirect(HOME)
    page.ensure_session()
    message = page._(NOTICES[notice]) if notice in NOTICES else None
    return page.render("sign_in.html", notice=message)


@router.post(SIGN_IN)
def sign_in(
    identity: Identity,
    page: AdminPage = Depends(csrf_page),
    username: str = Form(""),
    password: str = Form(""),
) -> Response:
    """Sign in; the page after it is the console's home."""
    username, password = username.strip()[:FIELD_CHARS], password[:FIELD_CHARS]
    errors = {}
    if not username:
        errors["username"] = page._("Enter your username.")
    if not password:
        errors["password"] = page._("Enter your password.")
    if not errors:
        result = identity.sign_in_staff(username, password, address_of(page))
        if result.staff is not None:
            page.sign_in_staff(result.staff.id)
            return page.redirect(HOME)
        if result.throttled:
            minutes = str(page.settings.staff_sign_in_window_minutes)
            errors["username"] = page._(THROTTLED, minutes=minutes)
        else:
            errors["username"] = page._(FAILED)
    return page.render("sign_in.html", errors=errors, values={"username": username}, notice=None)


@router.post(PREFIX + "/sign-out")
def sign_out(banking: Banking, page: AdminPage = Depends(csrf_page)) -> Response:
    staff = page.staff
    page.end_session()
    if staff is not None:
        banking.record_audit(staff.actor, "staff_signed_out", None, {"channel": "admin"})
    return page.redirect(f"{SIGN_IN}?notice=signed-out")


@router.get(HOME)
def home(page: AdminPage = Depends(signed_in_page)) -> Response:
    """What this staff user may do here."""
    return page.render("home.html")


@router.get(HOME + "/")
def home_slash(page: AdminPage = Depends(get_page)) -> Response:
    return page.redirect(HOME)


@router.get(PREFIX + "/help")
def get_help(page: AdminPage = Depends(get_page)) -> Response:
    """What the console is for, who may use which page, and how times are shown."""
    return page.render("help.html", zone=page.settings.timezone)
