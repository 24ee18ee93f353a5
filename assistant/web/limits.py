"""The customer's safety limits on the web (issue 10 item 5): each limit as it is and any change
still waiting (``/settings/limits``), one page per limit to change it, a check page that says
the limit as it will be and when that starts, and only the button there changes it.

A stricter limit starts at once; a looser one starts ``safety_loosen_hours`` later, and the
page says when (``assistant.banking.safety``). The answers wait in the web session with a key
made for the check page; the same form sent twice changes the limit once. Every page needs
the customer signed in with their PIN; every form carries the session's CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Dict, List, Optional

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.banking.errors import DailyLimitReached
from assistant.banking.limits import (
    COSIGN_ABOVE,
    DAILY,
    DAILY_SMS,
    DAILY_VOICE,
    DAILY_WEB,
    NAMES,
    NEW_PAYEE_COOLING_OFF,
)
from assistant.banking.safety import KEPT, SafetyLimits
from assistant.gateway.deps import Family, Safety
from assistant.money import Money, format_money
from assistant.web.deps import not_found, signed_in_csrf_page, signed_in_page
from assistant.web.flows import AMOUNT_MISSING, AmountError, parse_amount
from assistant.web.moments import deadline_words
from assistant.web.pages import Page
from assistant.webkit.i18n import N_
from family.links.permissions import APPROVE_PAYMENTS

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

CHANNEL = "web"
PATH = "/settings/limits"
#: Each limit's address on the pages.
SLUGS = {
    "phone": DAILY_VOICE,
    "text": DAILY_SMS,
    "online": DAILY_WEB,
    "helper": COSIGN_ABOVE,
    "new-payees": NEW_PAYEE_COOLING_OFF,
}
SLUG_OF = {name: slug for slug, name in SLUGS.items()}

TITLES = {
    DAILY_VOICE: N_("Payments by phone"),
    DAILY_SMS: N_("Payments by text message"),
    DAILY_WEB: N_("Payments online"),
    COSIGN_ABOVE: N_("Asking your helper first"),
    NEW_PAYEE_COOLING_OFF: N_("Paying someone new"),
}
WAYS = {DAILY_VOICE: N_("by phone"), DAILY_SMS: N_("by text message"), DAILY_WEB: N_("online")}
QUESTIONS = {
    **{name: N_("How much may be paid %(way)s each day?") for name in DAILY},
    COSIGN_ABOVE: N_("When should your helper be asked first?"),
    NEW_PAYEE_COOLING_OFF: N_("Should the first payment to someone new wait?"),
}
HINTS = {
    **{
        name: N_(
            "This covers payments to other people and bills asked for %(way)s, in one day. "
            "Moving money between your own accounts is not limited."
        )
        for name in DAILY
    },
    COSIGN_ABOVE: N_(
        "A payment above this amount waits until your helper says yes. Only a helper you "
        "allowed to approve payments can be asked."
    ),
    NEW_PAYEE_COOLING_OFF: N_(
        "Scammers often ask people to add someone new and pay them at once. A wait gives you "
        "time to think and to talk to someone."
    ),
}
# Each limit's value in words.
DAILY_AMOUNT = N_("At most %(amount)s a day")
DAILY_NONE = N_("No payments %(way)s")
DAILY_OFF = N_("No limit of your own")
COSIGN_AMOUNT = N_("Your helper is asked first before any payment above %(amount)s")
COSIGN_OFF = N_("Your helper is not asked first")
COOLING_ON = N_("The first payment to someone new waits %(hours)s hours")
COOLING_OFF = N_("The first payment to someone new goes at once")
WAITING = N_("From %(when)s: %(change)s")
# The choices on a limit's page.
CHOICE_AMOUNT = N_("At most this much a day")
CHOICE_ASK_ABOVE = N_("Ask my helper first above this amount")
AMOUNT_LABEL = N_("The amount, in dollars")
# Answers that cannot be used.
CHOOSE_ONE = N_("Choose one.")
ENTER_AMOUNT = N_("Enter the amount, like 500.")
NO_APPROVER = N_(
    "For your helper to be asked first, you need a helper who may approve payments. "
    "You can invite one on the Helpers page."
)
CHECK_AGAIN = N_("Please check the change again. Nothing was changed.")
# What happened.
CHANGED_NOW = N_("Done. From now on: %(change)s.")
CHANGED_LATER = N_(
    "Done. From %(when)s: %(change)s. Until then your limit stays as it is. If someone "
    "asked you to change it, call us on %(phone)s."
)
ALREADY = N_("That is already your limit. Nothing has changed.")
# A payment one of the limits stopped (the payment pages).
OVER_LIMIT = N_(
    "You have set a limit of %(limit)s a day for payments %(way)s. Today you can pay %(left)s "
    "more %(way)s. Nothing was sent."
)
WAY_BLOCKED = N_(
    "You have chosen not to make payments %(way)s. Nothing was sent. You can change this on "
    "the Safety limits page, in Settings."
)
KEPT_CANCELLED = N_("Your limit stays as it is, and the change that was waiting is cancelled.")


def hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def limit_words(page: Page, name: str, value: Any) -> str:
    """Limit ``name`` at ``value``, in the page's words."""
    currency = page.settings.currency
    if name == NEW_PAYEE_COOLING_OFF:
        if value:
            return page._(COOLING_ON, hours=hours(page.settings.scam_cooling_off_hours))
        return page._(COOLING_OFF)
    if name == COSIGN_ABOVE:
        if value is None:
            return page._(COSIGN_OFF)
        return page._(COSIGN_AMOUNT, amount=format_money(Money(int(value), currency), page.locale))
    if value is None:
        return page._(DAILY_OFF)
    if value == 0:
        return page._(DAILY_NONE, way=page._(WAYS[name]))
    return page._(DAILY_AMOUNT, amount=format_money(Money(int(value), currency), page.locale))


def _when(page: Page, moment: Any) -> str:
    return deadline_words(moment, page.words, page.locale, page.settings.timezone)


def _has_approver(family: Any, customer_id: int) -> bool:
    return any(
        h.status == "active" and APPROVE_PAYMENTS in h.permissions
        for h in family.list_helpers(customer_id)
    )


@router.get(PATH)
def limits_page(safety: Safety, page: Page = Depends(signed_in_page)) -> Response:
    """Each limit as it is now, and the changes still waiting for their time."""
    view = safety.limits(page.customer_id)
    rows = []
    for name in NAMES:
        waiting = view.pending_for(name)
        rows.append(
            {
                "slug": SLUG_OF[name],
                "title": page._(TITLES[name]),
                "now": limit_words(page, name, view.limits.value(name)),
                "waiting": page._(
                    WAITING,
                    when=_when(page, waiting.effective_at),
                    change=limit_words(page, name, waiting.value),
                )
                if waiting
                else "",
            }
        )
    return page.render("limits.html", rows=rows, hours=hours(safety.loosen_hours))


def _choices(page: Page, name: str) -> List[Dict[str, str]]:
    if name == NEW_PAYEE_COOLING_OFF:
        return [
            {"value": "on", "label": limit_words(page, name, True)},
            {"value": "off", "label": limit_words(page, name, False)},
        ]
    if name == COSIGN_ABOVE:
        return [
            {"value": "amount", "label": page._(CHOICE_ASK_ABOVE)},
            {"value": "off", "label": page._(COSIGN_OFF)},
        ]
    return [
        {"value": "amount", "label": page._(CHOICE_AMOUNT)},
        {"value": "none", "label": page._(DAILY_NONE, way=page._(WAYS[name]))},
        {"value": "off", "label": page._(DAILY_OFF)},
    ]


def _chosen(name: str, value: Any) -> str:
    """The radio that stands for ``value``."""
    if name == NEW_PAYEE_COOLING_OFF:
        return "on" if value else "off"
    if value is None:
        return "off"
    return "none" if value == 0 and name in DAILY else "amount"


def _amount_typed(page: Page, value: Any) -> str:
    if value is None or value == 0 or isinstance(value, bool):
        return ""
    return format_money(Money(int(value), page.settings.currency), page.locale)


def _render_change(
    page: Page, name: str, chosen: str, amount: str, errors: Dict[str, str]
) -> Response:
    way = page._(WAYS[name]) if name in WAYS else ""
    return page.render(
        "limit_change.html",
        slug=SLUG_OF[name],
        title=page._(QUESTIONS[name], way=way),
        hint=page._(HINTS[name], way=way),
        choices=_choices(page, name),
        chosen=chosen,
        with_amount=name != NEW_PAYEE_COOLING_OFF,
        amount_label=page._(AMOUNT_LABEL),
        errors=errors,
        values={"amount": amount},
    )


@router.get(PATH + "/{slug}")
def change_page(slug: str, safety: Safety, page: Page = Depends(signed_in_page)) -> Response:
    """One limit's choices, with the one in effect chosen."""
    name = SLUGS.get(slug)
    if name is None:
        return not_found(page)
    value = safety.limits(page.customer_id).limits.value(name)
    return _render_change(page, name, _chosen(name, value), _amount_typed(page, value), {})


@router.post(PATH + "/{slug}")
def change_answer(
    slug: str,
    family: Family,
    page: Page = Depends(signed_in_csrf_page),
    choice: str = Form(""),
    amount: str = Form(""),
) -> Response:
    """Check the answer and keep it for the check page; nothing changes yet."""
    name = SLUGS.get(slug)
    if name is None:
        return not_found(page)
    amount = amount[:40]
    value, error_field, error = _value(page, name, choice, amount)
    if error is None and name == COSIGN_ABOVE and value is not None:
        if not _has_approver(family, page.customer_id):
            error_field, error = "choice", page._(NO_APPROVER)
    if error is not None:
        return _render_change(page, name, choice, amount, {error_field: error})
    assert page.session is not None  # signed in
    page.session.changed()["limit"] = {
        "name": name,
        "value": value,
        "key": secrets.token_urlsafe(18),
    }
    return page.redirect(f"{PATH}/{slug}/check")


def _value(page: Page, name: str, choice: str, typed: str) -> tuple[Any, str, Optional[str]]:
    """The value chosen, or the field and words of what is wrong."""
    if choice not in {c["value"] for c in _choices(page, name)}:
        return None, "choice", page._(CHOOSE_ONE)
    if name == NEW_PAYEE_COOLING_OFF:
        return choice == "on", "", None
    if choice == "off":
        return None, "", None
    if choice == "none":
        return 0, "", None
    try:
        money = parse_amount(typed, page.settings.currency, page.locale)
    except AmountError as wrong:
        message = ENTER_AMOUNT if wrong.message == AMOUNT_MISSING else wrong.message
        return None, "amount", page._(message)
    return money.minor, "", None


def _draft(page: Page, name: str) -> Optional[Dict[str, Any]]:
    draft = page.data.get("limit") or {}
    return draft if draft.get("name") == name and draft.get("key") else None


@router.get(PATH + "/{slug}/check")
def check_page(slug: str, safety: Safety, page: Page = Depends(signed_in_page)) -> Response:
    """The limit as it will be, and when that starts; the button changes it."""
    name = SLUGS.get(slug)
    if name is None:
        return not_found(page)
    draft = _draft(page, name)
    if draft is None:
        return page.redirect(f"{PATH}/{slug}")
    preview = safety.preview(page.customer_id, name, draft["value"])
    return page.render(
        "limit_check.html",
        slug=slug,
        title=page._(TITLES[name]),
        change=limit_words(page, name, draft["value"]),
        preview=preview,
        kept=preview.outcome == KEPT and not preview.cancelled,
        hours=hours(safety.loosen_hours),
        key=draft["key"],
    )


@router.post(PATH + "/{slug}/confirm")
def confirm(
    slug: str,
    safety: Safety,
    page: Page = Depends(signed_in_csrf_page),
    key: str = Form(""),
) -> Response:
    """Change the limit once per check page, and say when the change starts."""
    name = SLUGS.get(slug)
    if name is None:
        return not_found(page)
    if key and page.data.get("limit_done") == key:
        return page.redirect(PATH)  # the same form sent again: done already
    draft = _draft(page, name)
    if draft is None or draft["key"] != key:
        page.flash(CHECK_AGAIN)
        return page.redirect(f"{PATH}/{slug}")
    _change(page, safety, name, draft["value"])
    changed = page.session.changed() if page.session is not None else {}
    changed.pop("limit", None)
    changed["limit_done"] = key
    return page.redirect(PATH)


def _change(page: Page, safety: SafetyLimits, name: str, value: Any) -> None:
    customer_id = page.customer_id
    done = safety.change(customer_id, name, value, f"customer:{customer_id}", CHANNEL)
    log.info("web: customer %s limit %s %s", customer_id, name, done.outcome)
    change = limit_words(page, name, value)
    if not done.at_once:
        page.flash(
            CHANGED_LATER,
            when=_when(page, done.effective_at),
            change=change,
            phone=page.bank_phone["display"],
        )
    elif done.outcome == KEPT:
        page.flash(KEPT_CANCELLED if done.cancelled else ALREADY)
    else:
        page.flash(CHANGED_NOW, change=change)


def flash_refusal(page: Page, limit: DailyLimitReached) -> None:
    """Tell the payment pages' customer which of their limits stopped the payment."""
    way = page._(WAYS.get(limit.limit_name, WAYS[DAILY_WEB]))
    if limit.limit.minor == 0:
        page.flash(WAY_BLOCKED, way=way)
        return
    page.flash(
        OVER_LIMIT,
        way=way,
        limit=format_money(limit.limit, page.locale),
        left=format_money(limit.left, page.locale),
    )
