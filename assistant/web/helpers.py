"""The customer's helpers (DESIGN.md section 9): who helps and what each may do, relatives
who accepted and wait for the customer's yes, the six-monthly question whether each keeps
their access, changing one helper's permissions, removing a helper, and who looked.

Every helper is found among the signed-in customer's own (``list_helpers``,
``pending_confirmations``) before anything is shown or changed, and every change goes to
the family services with the customer's id, so another customer's link id in the address is
a 404 and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.gateway.deps import Family
from assistant.web import helper_words
from assistant.web.deps import not_found, signed_in_csrf_page, signed_in_page
from assistant.web.moments import deadline_words, moment_words
from assistant.web.pages import Page
from assistant.webkit.i18n import N_
from assistant.webkit.phones import phone_display
from family.links.permissions import PERMISSIONS
from family.links.service import FamilyLinks
from family.links.views import HelperInfo, PendingHelper

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CHANNEL = "web"
WHO_LOOKED_MOST = 500  # the whole list, as far as anyone would read it
LOOKED = {
    "balance": N_("%(helper)s looked at your balance"),
    "payments": N_("%(helper)s looked at your recent payments"),
    "alerts": N_("%(helper)s looked at your alerts"),
}
CONFIRMED = N_("%(name)s is now your helper.")
DECLINED = N_("%(name)s will not be your helper. We have not shared anything with them.")
SAVED = N_("Your choices for %(name)s are saved.")
REMOVED = N_("%(name)s is no longer your helper.")
KEPT = N_("%(name)s keeps helping you. We will ask you again in six months.")
ANSWER_MISSING = N_("Choose yes or no.")


def _linked(family: FamilyLinks, customer_id: int, link_id: int) -> Optional[HelperInfo]:
    return next((h for h in family.list_helpers(customer_id) if h.link_id == link_id), None)


def _pending(family: FamilyLinks, customer_id: int, link_id: int) -> Optional[PendingHelper]:
    return next(
        (p for p in family.pending_confirmations(customer_id) if p.link_id == link_id), None
    )


def _can_do(page: Page, permissions: Any) -> List[str]:
    return [page._(label) for label in helper_words.labels(permissions)]


@router.get("/helpers")
def helpers(family: Family, page: Page = Depends(signed_in_page)) -> Response:
    """Reviews due, relatives waiting for the customer's yes, helpers and open invitations."""
    customer_id = page.customer_id
    zone, locale = page.settings.timezone, page.locale
    active = [h for h in family.list_helpers(customer_id) if h.status == "active"]
    invitations = [
        {
            "id": invitation.id,
            "name": invitation.helper_name,
            "phone": phone_display(invitation.phone, page.settings.locale),
            "until": deadline_words(invitation.expires_at, page.words, locale, zone),
        }
        for invitation in family.list_invitations(customer_id)
    ]
    return page.render(
        "helpers.html",
        reviews=family.due_reviews(customer_id),
        pending=family.pending_confirmations(customer_id),
        helpers=[{"info": h, "can": _can_do(page, h.permissions)} for h in active],
        invitations=invitations,
    )


# ---- a relative who accepted: the customer's yes or no ------------------------------------


@router.get("/helpers/{link_id:int}/confirm")
def confirm_page(link_id: int, family: Family, page: Page = Depends(signed_in_page)) -> Response:
    """Shall they be your helper? What they would be able to do, and yes or no."""
    pending = _pending(family, page.customer_id, link_id)
    if pending is None:
        return not_found(page)
    return _render_confirm(page, pending, {})


def _render_confirm(page: Page, pending: PendingHelper, errors: Dict[str, str]) -> Response:
    return page.render(
        "helper_confirm.html",
        pending=pending,
        can=_can_do(page, pending.permissions),
        errors=errors,
    )


@router.post("/helpers/{link_id:int}/confirm")
def confirm(
    link_id: int,
    family: Family,
    page: Page = Depends(signed_in_csrf_page),
    answer: str = Form(""),
) -> Response:
    """The customer's yes or no about a relative who accepted."""
    pending = _pending(family, page.customer_id, link_id)
    if pending is None:
        return not_found(page)
    if answer not in ("yes", "no"):
        return _render_confirm(page, pending, {"answer": page._(ANSWER_MISSING)})
    yes = answer == "yes"
    if not family.confirm_helper(page.customer_id, link_id, yes, CHANNEL):
        return not_found(page)
    page.flash(CONFIRMED if yes else DECLINED, name=pending.name)
    return page.redirect("/helpers")


# ---- what one helper may do ----------------------------------------------------------------


@router.get("/helpers/{link_id:int}/permissions")
def permissions_page(
    link_id: int, family: Family, page: Page = Depends(signed_in_page)
) -> Response:
    """One checkbox per permission, ticked as it is now."""
    helper = _linked(family, page.customer_id, link_id)
    if helper is None:
        return not_found(page)
    return page.render("helper_permissions.html", helper=helper, **helper_words.CHECKBOXES)


@router.post("/helpers/{link_id:int}/permissions")
def save_permissions(
    link_id: int,
    family: Family,
    page: Page = Depends(signed_in_csrf_page),
    ticked: List[str] = Depends(helper_words.ticked),
) -> Response:
    """Grant what was ticked and withdraw what was not, each at once."""
    customer_id = page.customer_id
    helper = _linked(family, customer_id, link_id)
    if helper is None:
        return not_found(page)
    wanted = set(ticked)
    for name in PERMISSIONS:
        if (name in wanted) != (name in helper.permissions):
            if not family.set_permission(customer_id, link_id, name, name in wanted, CHANNEL):
                return not_found(page)
    page.flash(SAVED, name=helper.name)
    return page.redirect("/helpers")


# ---- removing a helper, and the six-monthly question ------------------------------------------


@router.get("/helpers/{link_id:int}/remove")
def remove_page(link_id: int, family: Family, page: Page = Depends(signed_in_page)) -> Response:
    """Are you sure? What removing them does."""
    helper = _linked(family, page.customer_id, link_id)
    if helper is None:
        return not_found(page)
    return page.render("helper_remove.html", helper=helper)


@router.post("/helpers/{link_id:int}/remove")
def remove(link_id: int, family: Family, page: Page = Depends(signed_in_csrf_page)) -> Response:
    """End the helper's access at once."""
    helper = _linked(family, page.customer_id, link_id)
    if helper is None or not family.remove_helper(page.customer_id, link_id, CHANNEL):
        return not_found(page)
    log.info("web: customer %s removed helper link %s", page.customer_id, link_id)
    page.flash(REMOVED, name=helper.name)
    return page.redirect("/helpers")


@router.post("/helpers/{link_id:int}/keep")
def keep(link_id: int, family: Family, page: Page = Depends(signed_in_csrf_page)) -> Response:
    """The six-monthly question answered "keep": asked again in six months."""
    helper = _linked(family, page.customer_id, link_id)
    if helper is None or not family.keep_helper(page.customer_id, link_id, CHANNEL):
        return not_found(page)
    page.flash(KEPT, name=helper.name)
    return page.redirect("/helpers")


# ---- who looked ------------------------------------------------------------------------------


@router.get("/helpers/who-looked")
def who_looked(family: Family, page: Page = Depends(signed_in_page)) -> Response:
    """Every time a helper looked at the customer's account, newest first."""
    zone, locale = page.settings.timezone, page.locale
    rows = [
        {
            "what": page._(LOOKED[entry.what], helper=entry.helper_name),
            "when": moment_words(entry.at, page.words, locale, zone),
        }
        for entry in family.who_looked(page.customer_id, limit=WHO_LOOKED_MOST)
        if entry.what in LOOKED
    ]
    return page.render("helpers_who_looked.html", rows=rows)
