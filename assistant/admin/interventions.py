"""Scam interventions for review: who, when, on which channel, the signals seen, the scam
named, what the bank did and how it ended; and a review note (audited as "staff:<username>")."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.admin import words
from assistant.admin.deps import Reviews, fraud_form, fraud_page, not_found
from assistant.admin.pages import HELD_PAYMENTS, INTERVENTIONS, AdminPage
from fraud.interventions_view import REVIEW_NOTE_CHARS, ReviewItem

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 200


def _row(page: AdminPage, item: ReviewItem) -> dict:
    say = page._
    return {
        "id": item.id,
        "href": f"{INTERVENTIONS}/{item.id}",
        "customer": item.customer_name,
        "when": page.when(item.at),
        "channel": words.word(say, words.CHANNELS, item.channel) if item.channel else "",
        "signals": words.words_for(say, words.SIGNALS, item.signals),
        "scam": words.word(say, words.SCAMS, item.scam) if item.scam else "",
        "amount": page.money(item.amount) if item.amount is not None else "",
        "action": words.word(say, words.ACTIONS, item.action),
        "outcome": words.word(say, words.OUTCOMES, item.outcome) if item.outcome else "",
        "hold_href": f"{HELD_PAYMENTS}/{item.held_payment_id}" if item.held_payment_id else "",
        "hold_reference": item.hold_reference or "",
        "reviewed_by": item.reviewed_by or "",
        "review_note": item.review_note or "",
    }


@router.get(INTERVENTIONS)
def interventions(found: Reviews, page: AdminPage = Depends(fraud_page)) -> Response:
    rows = [_row(page, item) for item in found.recent(LIST_LIMIT)]
    return page.render("interventions.html", rows=rows)


@router.get(INTERVENTIONS + "/{intervention_id:int}")
def intervention(
    found: Reviews, intervention_id: int, page: AdminPage = Depends(fraud_page)
) -> Response:
    item = found.get(intervention_id)
    if item is None:
        not_found()
    return page.render("intervention.html", item=_row(page, item), values={})


@router.post(INTERVENTIONS + "/{intervention_id:int}/review")
def review(
    found: Reviews,
    intervention_id: int,
    page: AdminPage = Depends(fraud_form),
    note: str = Form(""),
) -> Response:
    """Keep the review note; a later note replaces it."""
    note = note.strip()
    error = None
    if not note:
        error = page._("Enter your review note.")
    elif len(note) > REVIEW_NOTE_CHARS:
        error = page._(
            "Your note is too long. Use %(most)s letters or fewer.", most=REVIEW_NOTE_CHARS
        )
    if error is not None:
        item = found.get(intervention_id)
        if item is None:
            not_found()
        return page.render(
            "intervention.html",
            item=_row(page, item),
            errors={"note": error},
            values={"note": note},
        )
    if found.review(intervention_id, page.signed_in_staff.actor, note) is None:
        not_found()
    page.flash(words.REVIEW_SAVED)
    return page.redirect(f"{INTERVENTIONS}/{intervention_id}")
