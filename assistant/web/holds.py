"""Payments that wait (DESIGN.md section 8) on the customer pages: what the receipt, the
"Waiting payments" page and the home page say about them, and cancelling one.

A held payment is found only among the signed-in customer's own (``list_holds``), and cancelled
through ``cancel_hold`` with their id, so another customer's reference in the address or the
form is a 404 and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from babel.lists import format_list
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from assistant.banking import HeldPaymentView, UnknownHold
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.banking.service import BankingService
from assistant.gateway.deps import Banking, Family
from assistant.money import format_money
from assistant.texts import text
from assistant.web.deps import not_found, signed_in_csrf_page, signed_in_page
from assistant.web.flows import ACCOUNT_WORDS
from assistant.web.moments import deadline_words, moment_words
from assistant.web.pages import Page
from assistant.webkit.i18n import N_
from family.links.permissions import APPROVE_PAYMENTS
from family.links.service import FamilyLinks
from fraud.interventions import Interventions
from fraud.scams import warning_key

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

STATUSES = ("held", "released", "declined", "expired", "cancelled")
WAITING_TITLE = N_("Your payment is waiting")
NOT_SENT_TITLE = N_("Your payment was not sent")
WAITING_FOR_ONE = N_(
    "This payment is waiting for %(helper)s to approve it. It will go as soon as %(helper)s "
    "says yes, or be cancelled if nobody answers by %(deadline)s."
)
WAITING_FOR_SOME = N_(
    "This payment is waiting for %(helpers)s to approve it. It will go as soon as one of them "
    "says yes, or be cancelled if nobody answers by %(deadline)s."
)
WAITING_FOR_A_CHECK = N_("This payment is waiting for a check. It has not gone yet.")
PAUSED = N_(
    "So we have paused this payment until %(deadline)s, in case it is a scam. If you do "
    "nothing, it goes then. You can cancel it any time before."
)
PERSON_NOW = N_("To talk to a person now, call us on %(phone)s, day or night.")
KEPT_ASIDE = N_("Until then, %(amount)s is kept aside in your %(account)s account.")
ENDED = {
    "released": N_("This payment was approved and has gone."),
    "declined": N_("This payment was not approved, so it was cancelled. No money has moved."),
    "expired": N_("Nobody answered in time, so this payment was cancelled. No money has moved."),
    "cancelled": N_("This payment was cancelled. No money has moved."),
}
CANCELLED = N_("The payment of %(amount)s to %(to)s is cancelled. No money has moved.")
ALREADY_ENDED = N_("That payment is not waiting any more, so there was nothing to cancel.")


def approvers(family: FamilyLinks, customer_id: int) -> List[str]:
    """The names of the customer's helpers who may approve a payment."""
    return [
        helper.name
        for helper in family.list_helpers(customer_id)
        if helper.status == "active" and APPROVE_PAYMENTS in helper.permissions
    ]


def waiting_count(banking: BankingService, customer_id: int) -> int:
    """How many of the customer's payments wait now."""
    return len(banking.list_holds(customer_id))


def find_hold(
    banking: BankingService, customer_id: int, reference: str
) -> Optional[HeldPaymentView]:
    """One of the customer's own held payments (waiting or ended), by its reference."""
    wanted = reference.strip().upper()
    return next(
        (hold for hold in banking.list_holds(customer_id, STATUSES) if hold.reference == wanted),
        None,
    )


def story(page: Page, hold: HeldPaymentView, names: List[str]) -> Dict[str, Any]:
    """What a held payment is doing, in words: its ``status``, ``waiting``, ``sentence`` (who
    it waits for and until when, or how it ended) and ``kept`` (where its money is kept
    meanwhile)."""
    money = format_money(hold.amount, page.locale)
    account = page._(ACCOUNT_WORDS.get(hold.from_account_kind, hold.from_account_kind))
    if hold.status != "held":
        ended = page._(ENDED[hold.status])
        return {"status": hold.status, "waiting": False, "sentence": ended, "kept": ""}
    if COOLING_OFF in hold.pending and hold.deadline is not None:
        deadline = deadline_words(hold.deadline, page.words, page.locale, page.settings.timezone)
        sentence = page._(PAUSED, deadline=deadline)
    elif COSIGN in hold.pending and names and hold.deadline is not None:
        deadline = deadline_words(hold.deadline, page.words, page.locale, page.settings.timezone)
        if len(names) == 1:
            sentence = page._(WAITING_FOR_ONE, helper=names[0], deadline=deadline)
        else:
            helpers = format_list(names, style="or", locale=page.locale)
            sentence = page._(WAITING_FOR_SOME, helpers=helpers, deadline=deadline)
    else:
        sentence = page._(WAITING_FOR_A_CHECK)
    return {
        "status": hold.status,
        "waiting": True,
        "sentence": sentence,
        "kept": page._(KEPT_ASIDE, amount=money, account=account),
    }


def scam_warning(page: Page, scams: Interventions, hold: HeldPaymentView) -> str:
    """For a payment paused as a possible scam: the words that name the scam, and a person
    now ("" for any other held payment)."""
    intervention = scams.for_hold(hold.customer_id, hold.reference)
    if intervention is None and COOLING_OFF not in {c.kind for c in hold.conditions}:
        return ""
    scam = intervention.scam if intervention is not None else ""
    warning = text(warning_key(scam), "default", page.language)
    return f"{warning} {page._(PERSON_NOW, phone=page.settings.bank_phone)}"


@router.get("/waiting")
def waiting(banking: Banking, family: Family, page: Page = Depends(signed_in_page)) -> Response:
    """The customer's payments that wait, each with a way to cancel it."""
    holds = banking.list_holds(page.customer_id)
    names = approvers(family, page.customer_id) if holds else []
    rows = [_row(page, hold, names) for hold in holds]
    return page.render("waiting.html", rows=rows)


def _row(page: Page, hold: HeldPaymentView, names: List[str]) -> Dict[str, Any]:
    return {
        "reference": hold.reference,
        "amount": format_money(hold.amount, page.locale),
        "to": hold.counterparty,
        "account": page._(ACCOUNT_WORDS.get(hold.from_account_kind, hold.from_account_kind)),
        "asked": moment_words(hold.created_at, page.words, page.locale, page.settings.timezone),
        **story(page, hold, names),
    }


@router.get("/waiting/{reference}/cancel")
def cancel_page(
    reference: str, banking: Banking, family: Family, page: Page = Depends(signed_in_page)
) -> Response:
    """Are you sure? The payment, and what cancelling it does."""
    hold = find_hold(banking, page.customer_id, reference)
    if hold is None:
        return not_found(page)
    if hold.status != "held":
        page.flash(ALREADY_ENDED)
        return page.redirect("/waiting")
    return page.render(
        "waiting_cancel.html", row=_row(page, hold, approvers(family, page.customer_id))
    )


@router.post("/waiting/{reference}/cancel")
def cancel(reference: str, banking: Banking, page: Page = Depends(signed_in_csrf_page)) -> Response:
    """Cancel one of the customer's own waiting payments; nothing moves."""
    customer_id = page.customer_id
    try:
        outcome = banking.cancel_hold(customer_id, reference[:40], actor=f"customer:{customer_id}")
    except UnknownHold:
        log.info("web: customer %s asked to cancel a payment that is not theirs", customer_id)
        return not_found(page)
    hold = outcome.hold
    if outcome.result == "cancelled":
        page.flash(CANCELLED, amount=format_money(hold.amount, page.locale), to=hold.counterparty)
    else:
        page.flash(ALREADY_ENDED)
    return page.redirect("/waiting")
