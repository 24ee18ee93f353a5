"""Held payments waiting, for fraud operations: every customer's, oldest first, and a staff
member's release of one on their word (audited as "staff:<username>"; the bank gives the
payment exactly one outcome, so a second release, or one of a payment that has ended, changes
nothing and the page says so)."""

from __future__ import annotations

from typing import Dict

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.admin import words
from assistant.admin.deps import fraud_form, fraud_page, not_found
from assistant.admin.pages import HELD_PAYMENTS, AdminPage
from assistant.banking.errors import UnknownHold
from assistant.banking.views import HeldPaymentView
from assistant.gateway.deps import Banking
from assistant.webkit.bank_words import ACCOUNT_TITLES

router = APIRouter(include_in_schema=False)

NOTE_CHARS = 500
LIST_LIMIT = 200


def _row(page: AdminPage, banking: Banking, hold: HeldPaymentView, names: Dict[int, str]):
    if hold.customer_id not in names:
        names[hold.customer_id] = banking.get_customer(hold.customer_id).name
    say = page._
    return {
        "id": hold.id,
        "href": f"{HELD_PAYMENTS}/{hold.id}",
        "reference": hold.reference,
        "customer": names[hold.customer_id],
        "amount": page.money(hold.amount),
        "payee": hold.counterparty,
        "account": say(ACCOUNT_TITLES[hold.from_account_kind])
        if hold.from_account_kind in ACCOUNT_TITLES
        else hold.from_account_kind,
        "channel": words.word(say, words.CHANNELS, hold.channel) if hold.channel else "",
        "asked": page.when(hold.created_at),
        "waiting": hold.status == "held",
        "status": words.word(say, words.HOLD_STATUSES, hold.status),
        "conditions": [
            {
                "what": words.word(say, words.CONDITIONS, c.kind),
                "until": page.when(c.deadline),
                "pending": c.status == "pending",
                "decided_by": c.decided_by or "",
            }
            for c in hold.conditions
        ],
        "decided": page.when(hold.decided_at),
        "outcome_by": hold.outcome_by or "",
    }


@router.get(HELD_PAYMENTS)
def held_payments(banking: Banking, page: AdminPage = Depends(fraud_page)) -> Response:
    names: Dict[int, str] = {}
    rows = [_row(page, banking, hold, names) for hold in banking.waiting_holds(LIST_LIMIT)]
    return page.render("held_payments.html", rows=rows)


@router.get(HELD_PAYMENTS + "/{hold_id:int}")
def held_payment(banking: Banking, hold_id: int, page: AdminPage = Depends(fraud_page)) -> Response:
    """One held payment: release it while it waits; how it ended once it does not."""
    hold = banking.get_hold(hold_id)
    if hold is None:
        not_found()
    return page.render("held_payment.html", hold=_row(page, banking, hold, {}))


@router.post(HELD_PAYMENTS + "/{hold_id:int}/release")
def release(
    banking: Banking,
    hold_id: int,
    page: AdminPage = Depends(fraud_form),
    note: str = Form(""),
) -> Response:
    """Release the payment on this staff member's word; the page after it says what happened."""
    note = note.strip()
    if len(note) > NOTE_CHARS:
        hold = banking.get_hold(hold_id)
        if hold is None:
            not_found()
        error = page._("Your note is too long. Use %(most)s letters or fewer.", most=NOTE_CHARS)
        return page.render(
            "held_payment.html",
            hold=_row(page, banking, hold, {}),
            errors={"note": error},
            values={"note": note},
        )
    try:
        outcome = banking.release_hold(hold_id, page.signed_in_staff.actor, note)
    except UnknownHold:
        not_found()
    result = outcome.result if outcome.result in words.RELEASE_RESULTS else "already"
    page.flash(words.RELEASE_RESULTS[result], payee=outcome.hold.counterparty)
    return page.redirect(f"{HELD_PAYMENTS}/{hold_id}")
