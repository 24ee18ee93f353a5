"""The helper portal's pages: sign in with a code by text, the people you help and what each
allowed, their balance, payments and alerts, payments waiting for your OK, leaving, and your own
history. One task per page; every form carries the session's CSRF token.

Every page about a customer asks the family-helper services again, so a helper the customer
removed loses the page on their next request. A customer who is not theirs, a permission they
were not given or a payment of someone else is a 404 (the services audit it), never data.
"""

from __future__ import annotations

import logging
from typing import Dict, NoReturn

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from assistant.gateway.client_address import client_address
from assistant.gateway.deps import Family
from assistant.webkit.bank_words import ACCOUNT_TITLES, transaction_words
from assistant.webkit.i18n import N_
from assistant.webkit.pageset import PageKit
from assistant.webkit.phones import phone_e164
from family.links import codes
from family.links.approvals import ApprovalItem
from family.links.permissions import (
    APPROVE_PAYMENTS,
    PERMISSIONS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    VIEW_PAYMENTS,
)
from family.links.views import LinkedCustomer
from family.portal import words
from family.portal.pages import HOME, PREFIX, SIGN_IN, HelperPage

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CUSTOMER = PREFIX + "/customers/{customer_id:int}"
NOTE_CHARS = 500
NOTICES = {"signed-out": N_("You are signed out.")}
# The same words for every code that does not sign in (wrong, used, too old, too many tries,
# or a number that may not use the portal), so the page never tells which.
CODE_FAILED = N_(
    "That code did not work. It may be mistyped, used already or too old. Check the text we "
    "sent and try again, or ask for a new code."
)
# What the page after an answer says first (the result of ``answer_approval``); the page itself
# then says how the payment ended and who answered.
ANSWERED = {
    "saved": N_("Thank you. We have saved your answer."),
    "already": N_("This payment was decided before your answer came, so it was not needed."),
    "expired": N_("Sorry, the time to answer had run out before your answer came."),
}


# ---- dependencies ------------------------------------------------------------------------


def get_kit(request: Request) -> PageKit:
    """The portal's kit, put on ``app.state.helper`` by :func:`family.portal.install`."""
    return request.app.state.helper


def get_page(request: Request) -> HelperPage:
    return HelperPage(request, get_kit(request))


def signed_in_page(page: HelperPage = Depends(get_page)) -> HelperPage:
    page.require_sign_in()
    return page


def csrf_page(page: HelperPage = Depends(get_page), csrf_token: str = Form("")) -> HelperPage:
    page.check_csrf(csrf_token)
    return page


def signed_in_csrf_page(
    page: HelperPage = Depends(signed_in_page), csrf_token: str = Form("")
) -> HelperPage:
    page.check_csrf(csrf_token)
    return page


def _address(page: HelperPage) -> str:
    request = page.request
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        page.settings.trusted_proxies,
    )


def _not_found() -> NoReturn:
    raise HTTPException(status_code=404)


def _linked(
    family: Family, page: HelperPage, customer_id: int, permission: str | None, what: str
) -> LinkedCustomer:
    """The helper's link to this customer with ``permission``, checked now; else 404."""
    link = family.check_link(page.helper_id, customer_id, permission, what, "portal")
    if link is None:
        _not_found()
    return link


# ---- sign in and out ----------------------------------------------------------------------


@router.get(SIGN_IN)
def sign_in_form(page: HelperPage = Depends(get_page), notice: str = "") -> Response:
    """The first sign-in page: the helper's mobile number."""
    if page.signed_in:
        return page.redirect(HOME)
    page.ensure_session()
    message = page._(NOTICES[notice]) if notice in NOTICES else None
    typed = str(page.data.get("sign_in_typed", ""))
    return page.render("sign_in.html", notice=message, values={"phone": typed})


@router.post(SIGN_IN)
def ask_for_code(
    family: Family, page: HelperPage = Depends(csrf_page), phone: str = Form("")
) -> Response:
    """Text a code to the number if it may use the portal; the next page says the same for
    every number."""
    phone = phone[:40]
    e164 = phone_e164(phone, page.settings.locale)
    if not phone.strip():
        error = page._("Enter your mobile phone number.")
    elif e164 is None:
        error = page._("Enter a mobile phone number with its area code, like (555) 010-0003.")
    else:
        family.request_sign_in_code(e164, _address(page))
        data = page.ensure_session().changed()
        data["sign_in_phone"], data["sign_in_typed"] = e164, phone.strip()
        return page.redirect(f"{SIGN_IN}/code")
    return page.render(
        "sign_in.html", errors={"phone": error}, values={"phone": phone}, notice=None
    )


@router.get(SIGN_IN + "/code")
def code_form(page: HelperPage = Depends(get_page)) -> Response:
    """The second sign-in page: the code from the text (or from the invitation)."""
    if page.signed_in:
        return page.redirect(HOME)
    if not page.data.get("sign_in_phone"):
        return page.redirect(SIGN_IN)
    return page.render("sign_in_code.html")


@router.post(SIGN_IN + "/code")
def sign_in(
    family: Family, page: HelperPage = Depends(csrf_page), code: str = Form("")
) -> Response:
    """Sign in with the code; an invitation's code accepts that invitation too."""
    phone = page.data.get("sign_in_phone")
    if not phone:
        return page.redirect(SIGN_IN)
    error = _code_error(page, code)
    if error is None:
        helper = family.sign_in(phone, code, _address(page))
        if helper is not None:
            page.sign_in_helper(helper.helper_id)
            page.session.changed()["helper_name"] = helper.name  # type: ignore[union-attr]
            if helper.accepted is not None:
                _flash_accepted(page, helper.accepted.customer_name)
            log.info("helper portal sign-in: helper %s", helper.helper_id)
            return page.redirect(HOME)
        error = page._(CODE_FAILED)
    return page.render("sign_in_code.html", errors={"code": error})


def _code_error(page: HelperPage, code: str) -> str | None:
    """What is wrong with the code as typed, before asking the service; None if nothing."""
    if not code.strip():
        return page._("Enter the code from the text we sent you.")
    if codes.clean(code[:40]) is None:
        return page._("The code is 6 numbers, like 123456. Enter only the numbers.")
    return None


def _flash_accepted(page: HelperPage, customer: str) -> None:
    page.flash(
        N_(
            "You accepted the invitation from %(customer)s. We have asked %(customer)s to "
            "confirm. Once they do, you will see here what they chose to share."
        ),
        customer=customer,
    )


@router.post(PREFIX + "/sign-out")
def sign_out(page: HelperPage = Depends(csrf_page)) -> Response:
    page.end_session()
    return page.redirect(f"{SIGN_IN}?notice=signed-out")


@router.get(PREFIX + "/help")
def get_help(page: HelperPage = Depends(get_page)) -> Response:
    """What the helper service is, what a helper can and cannot do, how to reach a person."""
    return page.render("help.html")


# ---- home, invitations and history ---------------------------------------------------------


@router.get(HOME)
def home(family: Family, page: HelperPage = Depends(get_page)) -> Response:
    """The people this helper helps and what each allowed; invitations to accept."""
    if not page.signed_in:
        return page.redirect(SIGN_IN)
    return _render_home(family, page, {})


@router.get(HOME + "/")
def home_slash(page: HelperPage = Depends(get_page)) -> Response:
    return page.redirect(HOME)


def _render_home(family: Family, page: HelperPage, errors: Dict[str, str]) -> Response:
    helper_id = page.helper_id
    people = family.customers_of(helper_id)
    return page.render(
        "home.html",
        people=[_person(page, link) for link in people],
        awaiting=family.customers_awaiting(helper_id),
        invitations=family.invitations_for(helper_id),
        errors=errors,
    )


def _person(page: HelperPage, link: LinkedCustomer) -> Dict[str, object]:
    base = f"{PREFIX}/customers/{link.customer_id}"
    pages = [
        (VIEW_BALANCE, f"{base}/balance", N_("Balance of %(customer)s")),
        (VIEW_PAYMENTS, f"{base}/payments", N_("Recent payments of %(customer)s")),
        (RECEIVE_ALERTS, f"{base}/alerts", N_("Alerts about %(customer)s")),
        (APPROVE_PAYMENTS, f"{base}/approvals", N_("Payments of %(customer)s to approve")),
    ]
    return {
        "name": link.name,
        "allowed": [page._(words.PERMISSIONS[name]) for name in PERMISSIONS if link.allows(name)],
        "choices": [
            {"href": href, "label": page._(label, customer=link.name)}
            for permission, href, label in pages
            if link.allows(permission)
        ],
        "leave": f"{base}/leave",
    }


@router.post(PREFIX + "/invitations")
def accept_invitation(
    family: Family, page: HelperPage = Depends(signed_in_csrf_page), code: str = Form("")
) -> Response:
    """Accept an invitation to the helper's own number with its code."""
    error = _code_error(page, code)
    if error is None:
        accepted = family.accept_invitation(page.helper_id, code)
        if accepted is not None:
            _flash_accepted(page, accepted.customer_name)
            return page.redirect(HOME)
        error = page._(CODE_FAILED)
    return _render_home(family, page, {"code": error})


@router.get(PREFIX + "/activity")
def activity(family: Family, page: HelperPage = Depends(signed_in_page)) -> Response:
    """What this helper saw and did, newest first."""
    rows = []
    for entry in family.helper_activity(page.helper_id, limit=40):
        what = words.activity_words(page._, entry)
        if what is None:
            continue
        how = words.CHANNELS.get(entry.channel)
        rows.append({"when": page.when(entry.at), "what": what, "how": page._(how) if how else ""})
    return page.render("activity.html", rows=rows)


# ---- one customer's pages ------------------------------------------------------------------


@router.get(CUSTOMER + "/balance")
def balance(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """The customer's accounts (last four digits only), for a helper allowed to see them."""
    accounts = family.helper_view_balance(page.helper_id, customer_id, "portal")
    if accounts is None:
        _not_found()
    link = _name_of(family, page, customer_id)
    rows = [
        {
            "account": words.account_line(page._, account),
            "balance": page.money(account.balance),
            "held": page.money(account.held) if account.held.minor else "",
        }
        for account in accounts
    ]
    return page.render("balance.html", customer=link, rows=rows)


@router.get(CUSTOMER + "/payments")
def payments(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """The customer's ten newest payments, for a helper allowed to see them."""
    items = family.helper_view_payments(page.helper_id, customer_id, "portal")
    if items is None:
        _not_found()
    rows = [
        {
            "date": page.date(item.created_at),
            "description": transaction_words(page._, item),
            "amount": page._(
                N_("%(amount)s out") if item.amount.is_negative else N_("%(amount)s in"),
                amount=page.money(abs(item.amount)),
            ),
        }
        for item in items
    ]
    return page.render("payments.html", customer=_name_of(family, page, customer_id), rows=rows)


@router.get(CUSTOMER + "/alerts")
def alerts(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """What happened (a payment paused, approved...), never the amount or the payee."""
    found = family.helper_alerts(page.helper_id, customer_id, "portal")
    if found is None:
        _not_found()
    rows = [
        {"when": page.when(alert.at), "what": page._(words.ALERTS[alert.kind])}
        for alert in found
        if alert.kind in words.ALERTS
    ]
    return page.render("alerts.html", customer=_name_of(family, page, customer_id), rows=rows)


def _name_of(family: Family, page: HelperPage, customer_id: int) -> str:
    """The customer's name, after a service call that already checked the link."""
    link = family.link_for(page.helper_id, customer_id)
    if link is None:  # removed between the two calls
        _not_found()
    return link.name


@router.get(CUSTOMER + "/approvals")
def approvals(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """The customer's payments waiting for a helper's OK."""
    link = _linked(family, page, customer_id, APPROVE_PAYMENTS, "approvals")
    items = family.pending_approvals(page.helper_id, customer_id, "portal")
    return page.render(
        "approvals.html",
        customer=link.name,
        items=[_approval(page, item) for item in items],
    )


def _approval(page: HelperPage, item: ApprovalItem) -> Dict[str, object]:
    hold = item.hold
    # Past its deadline a payment no longer waits, even before the worker's sweep ends it.
    waiting = item.waiting and (hold.deadline is None or hold.deadline > page.now)
    return {
        "href": f"{PREFIX}/customers/{item.customer_id}/approvals/{item.hold_id}",
        "amount": page.money(hold.amount),
        "payee": hold.counterparty,
        "account": (
            page._(ACCOUNT_TITLES[hold.from_account_kind])
            if hold.from_account_kind in ACCOUNT_TITLES
            else ""
        ),
        "asked": page.when(hold.created_at),
        "deadline": page.when(hold.deadline) if hold.deadline is not None else "",
        "reasons": words.reasons(page._, item, page.money),
        "waiting": waiting,
        "outcome": [] if waiting else words.outcome(page._, item),
    }


@router.get(CUSTOMER + "/approvals/{hold_id:int}")
def approval(
    family: Family, customer_id: int, hold_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """One payment: approve or decline it while it waits; how it ended once it does not."""
    item = family.approval_for(page.helper_id, customer_id, hold_id, "portal")
    if item is None:
        _not_found()
    return _render_approval(page, item, {}, {})


def _render_approval(
    page: HelperPage, item: ApprovalItem, errors: Dict[str, str], values: Dict[str, str]
) -> Response:
    return page.render(
        "approval.html",
        customer=item.customer_name,
        item=_approval(page, item),
        errors=errors,
        values=values,
    )


@router.post(CUSTOMER + "/approvals/{hold_id:int}")
def answer(
    family: Family,
    customer_id: int,
    hold_id: int,
    page: HelperPage = Depends(signed_in_csrf_page),
    decision: str = Form(""),
    note: str = Form(""),
) -> Response:
    """Approve or decline; the page after it says what happened (and who answered first)."""
    note = note.strip()
    errors: Dict[str, str] = {}
    if decision not in ("approve", "decline"):
        errors["decision"] = page._("Choose approve or decline.")
    if len(note) > NOTE_CHARS:
        errors["note"] = page._(
            "Your note is too long. Use %(most)s letters or fewer.", most=str(NOTE_CHARS)
        )
    if errors:
        item = family.approval_for(page.helper_id, customer_id, hold_id, "portal")
        if item is None:
            _not_found()
        return _render_approval(page, item, errors, {"decision": decision, "note": note})
    answered = family.answer_approval(
        page.helper_id,
        hold_id,
        decision == "approve",
        note,
        channel="portal",
        customer_id=customer_id,
    )
    if answered is None:
        _not_found()
    page.flash(ANSWERED.get(answered.outcome.result, ANSWERED["saved"]))
    return page.redirect(f"{PREFIX}/customers/{customer_id}/approvals/{hold_id}")


@router.get(CUSTOMER + "/leave")
def leave_page(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_page)
) -> Response:
    """Ask before the helper stops helping this customer."""
    link = _linked(family, page, customer_id, None, "leave")
    return page.render("leave.html", customer=link.name, customer_id=customer_id)


@router.post(CUSTOMER + "/leave")
def leave(
    family: Family, customer_id: int, page: HelperPage = Depends(signed_in_csrf_page)
) -> Response:
    """Stop helping this customer, at once."""
    link = _linked(family, page, customer_id, None, "leave")
    if family.leave(page.helper_id, customer_id, "portal"):
        page.flash(N_("You no longer help %(customer)s."), customer=link.name)
    return page.redirect(HOME)
