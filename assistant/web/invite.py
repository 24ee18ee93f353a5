"""Inviting a helper from the web (issue 9 item 1): name, mobile number and permissions on one
page (only "receive alerts" ticked at first), a check page that reads the number back one digit
group at a time, then the invitation goes out once, and a page that says what happened.
Cancelling an open invitation.

The answers wait in the web session until they are sent. The check page's key is kept with the
result, so a second press of the button shows the same result instead of inviting twice.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.gateway.deps import Family
from assistant.web import helper_words
from assistant.web.deps import not_found, signed_in_csrf_page, signed_in_page
from assistant.web.moments import deadline_words
from assistant.web.pages import Page
from assistant.webkit.i18n import N_
from assistant.webkit.phones import digit_groups, phone_display, phone_e164
from family.links.permissions import DEFAULT_GRANTED
from family.links.service import FamilyLinks
from family.links.views import InvitationView

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CHANNEL = "web"
MAX_NAME = 100
NAME_MISSING = N_("Enter their name.")
PHONE_MISSING = N_("Enter their mobile number.")
PHONE_INVALID = N_("Enter a mobile number with its area code, like (555) 010-0077.")
CHECK_AGAIN = N_("Please check the invitation again before you send it. Nothing was sent.")
INVITATION_CANCELLED = N_("The invitation to %(name)s is cancelled. Their code no longer works.")


def _draft(page: Page) -> Dict[str, Any]:
    return page.data.get("invite", {})


def _form_values(draft: Dict[str, Any], page: Page) -> Dict[str, Any]:
    phone = draft.get("phone", "")
    return {
        "name": draft.get("name", ""),
        "phone": phone_display(phone, page.settings.locale) if phone else "",
        "permissions": draft.get("permissions", sorted(DEFAULT_GRANTED)),
    }


@router.get("/helpers/invite")
def invite_page(page: Page = Depends(signed_in_page)) -> Response:
    """Who, their mobile number, what they may do (the answers so far, when changing them)."""
    return page.render(
        "invite.html", values=_form_values(_draft(page), page), **helper_words.CHECKBOXES
    )


@router.post("/helpers/invite")
def invite_answer(
    page: Page = Depends(signed_in_csrf_page),
    name: str = Form(""),
    phone: str = Form(""),
    permissions: List[str] = Depends(helper_words.ticked),
) -> Response:
    """Check the answers and keep them for the check page; nothing is sent yet."""
    name = " ".join(name.split())[:MAX_NAME]
    typed = phone[:40]
    e164 = phone_e164(typed, page.settings.locale) if typed.strip() else None
    errors: Dict[str, str] = {}
    if not name:
        errors["name"] = page._(NAME_MISSING)
    if not typed.strip():
        errors["phone"] = page._(PHONE_MISSING)
    elif e164 is None:
        errors["phone"] = page._(PHONE_INVALID)
    if errors:
        values = {"name": name, "phone": typed, "permissions": permissions}
        return page.render("invite.html", errors=errors, values=values, **helper_words.CHECKBOXES)
    assert page.session is not None  # signed in
    page.session.changed()["invite"] = {
        "name": name,
        "phone": e164,
        "permissions": permissions,
        "key": secrets.token_urlsafe(18),
    }
    return page.redirect("/helpers/invite/check")


@router.get("/helpers/invite/check")
def check_page(page: Page = Depends(signed_in_page)) -> Response:
    """Read everything back, the number one digit group at a time, before anything is sent."""
    draft = _draft(page)
    if not draft.get("key"):
        return page.redirect("/helpers/invite")
    locale = page.settings.locale
    return page.render(
        "invite_check.html",
        name=draft["name"],
        phone=phone_display(draft["phone"], locale),
        groups=[" ".join(group) for group in digit_groups(draft["phone"], locale)],
        can=[page._(label) for label in helper_words.labels(draft["permissions"])],
        key=draft["key"],
    )


@router.post("/helpers/invite/send")
def send(
    family: Family, page: Page = Depends(signed_in_csrf_page), key: str = Form("")
) -> Response:
    """Invite once per check page; the same form sent again shows the same result."""
    draft = _draft(page)
    done = page.data.get("invite_done", {})
    if key and done.get("key") == key:
        return page.redirect("/helpers/invite/done")
    if not key or draft.get("key") != key:
        page.flash(CHECK_AGAIN)
        return page.redirect("/helpers/invite")
    result = family.invite(
        page.customer_id, draft["name"], draft["phone"], draft["permissions"], channel=CHANNEL
    )
    log.info("web: customer %s invitation %s", page.customer_id, result.status)
    assert page.session is not None  # signed in
    changed = page.session.changed()
    changed.pop("invite", None)
    changed["invite_done"] = {
        "key": key,
        "status": result.status,
        "reason": result.reason,
        "name": draft["name"],
        "phone": draft["phone"],
        "expires_at": result.expires_at.isoformat() if result.expires_at else None,
    }
    return page.redirect("/helpers/invite/done")


@router.get("/helpers/invite/done")
def done_page(page: Page = Depends(signed_in_page)) -> Response:
    """Sent; or not sent, and why, in kind words."""
    done = page.data.get("invite_done")
    if not done:
        return page.redirect("/helpers")
    return page.render("invite_done.html", **_result(page, done))


def _result(page: Page, done: Dict[str, Any]) -> Dict[str, Any]:
    settings = page.settings
    name = done["name"]
    until = ""
    if done.get("expires_at"):
        expires = datetime.fromisoformat(done["expires_at"])
        until = deadline_words(expires, page.words, page.locale, settings.timezone)
    reason: Optional[str] = None
    if done["status"] == "not_sent":
        texting = phone_display(settings.twilio_number, settings.locale)
        reason = page._(helper_words.OPTED_OUT, name=name, number=texting)
    elif done["status"] == "refused":
        message = helper_words.REFUSALS.get(
            done.get("reason") or "", helper_words.REFUSALS["bad_number"]
        )
        reason = page._(message, most=str(settings.helper_max_helpers))
    return {
        "sent": done["status"] == "sent",
        "name": name,
        "phone": phone_display(done["phone"], settings.locale),
        "until": until,
        "reason": reason,
    }


# ---- cancelling an open invitation -------------------------------------------------------------


def _open(family: FamilyLinks, customer_id: int, invitation_id: int) -> Optional[InvitationView]:
    return next((i for i in family.list_invitations(customer_id) if i.id == invitation_id), None)


@router.get("/helpers/invitations/{invitation_id:int}/cancel")
def cancel_page(
    invitation_id: int, family: Family, page: Page = Depends(signed_in_page)
) -> Response:
    """Are you sure? Their code stops working."""
    invitation = _open(family, page.customer_id, invitation_id)
    if invitation is None:
        return not_found(page)
    return page.render(
        "invitation_cancel.html",
        invitation=invitation,
        phone=phone_display(invitation.phone, page.settings.locale),
    )


@router.post("/helpers/invitations/{invitation_id:int}/cancel")
def cancel(
    invitation_id: int, family: Family, page: Page = Depends(signed_in_csrf_page)
) -> Response:
    """Withdraw one of the customer's own open invitations."""
    invitation = _open(family, page.customer_id, invitation_id)
    if invitation is None or not family.cancel_invitation(page.customer_id, invitation_id, CHANNEL):
        return not_found(page)
    page.flash(INVITATION_CANCELLED, name=invitation.helper_name)
    return page.redirect("/helpers")
