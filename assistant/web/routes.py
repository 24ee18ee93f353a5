"""The large-text web pages: sign in, home, balance, payments, send money, pay a bill, talk,
ask me, settings, help. One task per page; every form carries the session's CSRF token."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any, Dict, List

from babel.numbers import get_currency_symbol
from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from assistant.banking import BankingError, DailyLimitReached, InsufficientFunds, TransactionView
from assistant.banking.service import BankingService
from assistant.conversation.turns import MAX_MESSAGE_CHARS, TurnHandler
from assistant.conversation.warnings import is_warning
from assistant.conversations import ConversationStore
from assistant.gateway.deps import (
    Banking,
    Conversations,
    Cooling,
    CustomerPreferences,
    Family,
    Identity,
    ScamRecords,
    Turns,
)
from assistant.money import format_money
from assistant.preferences import CHANNELS, TEXT_SIZES
from assistant.texts import local_time
from assistant.web import holds, limits
from assistant.web.deps import (
    csrf_page,
    get_page,
    not_found,
    signed_in_csrf_page,
    signed_in_page,
)
from assistant.web.flows import ACCOUNT_WORDS, FLOWS, Flow, PaymentDraft
from assistant.web.pages import Page
from assistant.webkit.bank_words import ACCOUNT_TITLES, transaction_words
from assistant.webkit.i18n import N_
from assistant.webkit.phones import phone_e164

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

KEEP_MESSAGES = 20
NOTICES = {
    "signed-out": N_("You are signed out."),
    "signed-out-everywhere": N_("You are signed out on every computer, phone and tablet."),
}
# The same words for every failed sign-in (a number we don't know, a wrong PIN, a locked PIN),
# so the page never tells whether a number banks with us.
SIGN_IN_FAILED = N_(
    "The phone number or PIN is not right, or the PIN has been tried too many times. "
    "Check them and try again, or call us on %(phone)s."
)
_PIN = re.compile(r"^\d{4,6}$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# ---- sign in and out ------------------------------------------------------------------


@router.get("/")
def home(banking: Banking, page: Page = Depends(get_page)) -> Response:
    """Signed out: the sign-in page. Signed in: the six choices (and a way to the payments
    that wait, when some do)."""
    if not page.signed_in:
        return page.redirect("/sign-in")
    return page.render("home.html", waiting=holds.waiting_count(banking, page.customer_id))


@router.get("/sign-in")
def sign_in_form(page: Page = Depends(get_page), notice: str = "") -> Response:
    """The sign-in page (starts a signed-out session for its CSRF token)."""
    if page.signed_in:
        return page.redirect("/")
    page.ensure_session()
    message = page._(NOTICES[notice]) if notice in NOTICES else None
    return page.render("sign_in.html", notice=message)


@router.post("/sign-in")
def sign_in(
    banking: Banking,
    identity: Identity,
    turns: Turns,
    conversations: Conversations,
    page: Page = Depends(csrf_page),
    phone: str = Form(""),
    pin: str = Form(""),
) -> Response:
    """Check the phone number and PIN (the lockout is shared with every channel).

    Every failure gets the same words (a number we do not know, a wrong PIN, a locked PIN),
    after the same argon2 work, so the page never tells whether a number banks here. Failed
    PINs are throttled per client address too, so one browser cannot lock out many customers.
    """
    from assistant.conversation.pin_answers import refusal_text
    from assistant.gateway.client_address import client_address
    from assistant.identity import pin_sources

    errors: Dict[str, str] = {}
    e164 = phone_e164(phone, page.settings.locale)
    if not phone.strip():
        errors["phone"] = page._("Enter your phone number.")
    elif e164 is None:
        errors["phone"] = page._("Enter your phone number with its area code, like (555) 010-0001.")
    pin = pin.strip()
    if not pin:
        errors["pin"] = page._("Enter your PIN.")
    elif not _PIN.match(pin):
        errors["pin"] = page._("Your PIN is 4 to 6 numbers. Enter only numbers.")
    if not errors:
        assert e164 is not None
        customer = banking.find_customer_by_phone(e164)
        request = page.request
        address = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            page.settings.trusted_proxies,
        )
        result = identity.verify_pin(
            customer.id if customer is not None else None,
            pin,
            "web",
            phone=e164,
            sources=pin_sources("web", address=address),
        )
        if result.ok and customer is not None:
            conversation_id = turns.start("web", e164)
            conversations.mark_verified(
                conversation_id, customer.id, page.settings.web_session_idle_minutes, pin=pin
            )
            page.sign_in(customer.id, conversation_id)
            log.info("web sign-in: customer %s", customer.id)
            return page.redirect("/")
        if result.throttled_until is not None:
            # Too many tries from this address: that says nothing about the number.
            when = refusal_text(result, "web", lambda at: local_time(at, page.settings))
            errors["pin"] = when or page._(SIGN_IN_FAILED, phone=page.bank_phone["display"])
        else:
            errors["pin"] = page._(SIGN_IN_FAILED, phone=page.bank_phone["display"])
    return page.render("sign_in.html", errors=errors, values={"phone": phone}, notice=None)


@router.post("/sign-out")
def sign_out(conversations: Conversations, page: Page = Depends(csrf_page)) -> Response:
    """End this session only."""
    if page.session is not None and page.session.conversation_id:
        conversations.clear_verified(page.session.conversation_id)
    page.end_session()
    return page.redirect("/sign-in?notice=signed-out")


@router.post("/sign-out-everywhere")
def sign_out_everywhere(
    conversations: Conversations, page: Page = Depends(signed_in_csrf_page)
) -> Response:
    """End every web session of this customer, on every device."""
    customer_id = page.customer_id
    for conversation_id in page.sessions.revoke_customer(customer_id):
        conversations.clear_verified(conversation_id)
    log.info("web sign-out everywhere: customer %s", customer_id)
    page.end_session()
    return page.redirect("/sign-in?notice=signed-out-everywhere")


# ---- looking ------------------------------------------------------------------------------


@router.get("/balance")
def balance(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
    """Each account and its balance, and the money kept aside for payments that wait."""
    accounts = banking.list_accounts(page.customer_id)
    return page.render(
        "balance.html",
        accounts=accounts,
        money=_money(page),
        account_titles=ACCOUNT_TITLES,
        any_held=any(account.held.minor for account in accounts),
    )


@router.get("/payments")
def payments(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
    """The ten newest movements on the customer's accounts."""
    items = banking.recent_transactions(page.customer_id, limit=10)
    money = _money(page)
    rows = [_payment_row(page, item, money) for item in items]
    return page.render("payments.html", rows=rows)


def _payment_row(page: Page, item: TransactionView, money: Any) -> Dict[str, str]:
    """One movement for payments.html: ``kind`` and ``counterparty`` as stored, and their
    words (``description``, with the counterparty as ``detail`` when the words lack it)."""
    words = transaction_words(page._, item)
    return {
        "date": page.date(item.created_at),
        "kind": item.kind,
        "counterparty": item.counterparty,
        "description": words,
        "detail": item.counterparty if item.counterparty not in words else "",
        "amount": page._(
            N_("%(amount)s out") if item.amount.is_negative else N_("%(amount)s in"),
            amount=money(abs(item.amount)),
        ),
        "account": page._(ACCOUNT_TITLES[item.account_kind]),
    }


def _money(page: Page) -> Any:
    return lambda amount: format_money(amount, page.locale)


@router.get("/talk")
def talk(page: Page = Depends(get_page)) -> Response:
    """How to reach a person."""
    return page.render("talk.html")


@router.get("/help")
def get_help(page: Page = Depends(get_page)) -> Response:
    """How to use the pages, the phone number, keyboard tips."""
    return page.render("help.html")


# ---- send money and pay a bill -------------------------------------------------------------


def _draft(page: Page, flow: Flow, banking: BankingService) -> PaymentDraft:
    assert page.session is not None
    return PaymentDraft(flow, banking, page.customer_id, page.session, page.locale, page.words)


def _flow_routes(flow: Flow) -> None:
    """The five pages and two posts of one payment flow under ``flow.path``."""

    def recipient_page(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
        """Question 1: who gets the money."""
        draft = _draft(page, flow, banking)
        return _render_recipient(page, draft, {}, draft.answers.get("recipient", ""))

    def recipient_answer(
        banking: Banking, page: Page = Depends(signed_in_csrf_page), recipient: str = Form("")
    ) -> Response:
        """Store question 1's answer."""
        draft = _draft(page, flow, banking)
        error = draft.set_recipient(recipient)
        if error:
            return _render_recipient(page, draft, {"recipient": error}, recipient)
        return page.redirect(draft.next_path())

    def amount_page(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
        """Question 2: how much."""
        draft = _draft(page, flow, banking)
        if draft.next_path() == flow.path:
            return page.redirect(flow.path)
        return _render_amount(page, draft, {}, draft.amount_typed())

    def amount_answer(
        banking: Banking, page: Page = Depends(signed_in_csrf_page), amount: str = Form("")
    ) -> Response:
        """Store question 2's answer, checked against the balances."""
        draft = _draft(page, flow, banking)
        if draft.next_path() == flow.path:
            return page.redirect(flow.path)
        error = draft.set_amount(amount[:40])
        if error:
            return _render_amount(page, draft, {"amount": error}, amount[:40])
        return page.redirect(draft.next_path())

    def from_page(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
        """Question 3: from which account (answered for you when only one fits)."""
        draft = _draft(page, flow, banking)
        if draft.next_path() in (flow.path, f"{flow.path}/amount"):
            return page.redirect(draft.next_path())
        if draft.choose_only_source():
            return page.redirect(draft.next_path())
        return _render_from(page, draft, {}, draft.answers.get("from_account", ""))

    def from_answer(
        banking: Banking, page: Page = Depends(signed_in_csrf_page), from_account: str = Form("")
    ) -> Response:
        """Store question 3's answer."""
        draft = _draft(page, flow, banking)
        if draft.next_path() in (flow.path, f"{flow.path}/amount"):
            return page.redirect(draft.next_path())
        error = draft.set_source(from_account)
        if error:
            return _render_from(page, draft, {"from_account": error}, from_account)
        return page.redirect(draft.next_path())

    def check_page(banking: Banking, page: Page = Depends(signed_in_page)) -> Response:
        """Read everything back; the payment's idempotency key is made here."""
        draft = _draft(page, flow, banking)
        if not draft.complete():
            return page.redirect(draft.next_path())
        return page.render(
            "flow_check.html",
            flow=flow,
            title=page._(flow.check_title),
            summary=draft.summary(),
            payment_key=draft.payment_key(),
            can_change_source=len(draft.sources()) > 1,
        )

    def confirm(
        banking: Banking,
        family: Family,
        cooling: Cooling,
        page: Page = Depends(signed_in_csrf_page),
        payment_key: str = Form(""),
    ) -> Response:
        """Move the money once per key; a repeated post replays the same receipt."""
        draft = _draft(page, flow, banking)
        payment = draft.payment_for(payment_key)
        if payment is None:
            page.flash(N_("Please check the details again before you send. No money has moved."))
            return page.redirect(draft.next_path())
        try:
            receipt = draft.pay(payment, payment_key)
        except InsufficientFunds:
            page.flash(
                N_(
                    "There is not enough money in your %(account)s account for this any more. "
                    "Nothing was sent. Please change the amount."
                ),
                account=draft.account_word(payment["from_account"]),
            )
            return page.redirect(f"{flow.path}/amount")
        except DailyLimitReached as limit:
            limits.flash_refusal(page, limit)
            return page.redirect(f"{flow.path}/amount")
        except (BankingError, ValueError) as error:
            log.warning(
                "web payment refused for customer %s: %s",
                page.customer_id,
                getattr(error, "code", type(error).__name__),
            )
            return page.render("problem.html", status_code=409, kind="payment")
        draft.finish(payment, payment_key, receipt)
        if receipt.held:
            family.announce_holds(customer_id=page.customer_id)  # its approvers texted now
            cooling.alert_helpers(customer_id=page.customer_id)  # a scam's pause: helpers told
        return page.redirect(f"{flow.path}/done/{receipt.reference}")

    def done_page(
        reference: str,
        banking: Banking,
        family: Family,
        scams: ScamRecords,
        page: Page = Depends(signed_in_page),
    ) -> Response:
        """The receipt of a payment made in this session; for one that waits, what it waits
        for (or, later, how it ended), never "sent"."""
        receipt = page.data.get("receipts", {}).get(reference)
        if receipt is None or receipt.get("flow") != flow.name:
            return not_found(page)
        held = None
        if receipt.get("held"):
            hold = holds.find_hold(banking, page.customer_id, reference)
            if hold is None:
                return not_found(page)
            held = holds.story(page, hold, holds.approvers(family, page.customer_id))
            held["warning"] = holds.scam_warning(page, scams, hold)
        title = flow.done_title
        if held is not None and held["status"] != "released":
            title = holds.WAITING_TITLE if held["waiting"] else holds.NOT_SENT_TITLE
        return page.render(
            "flow_done.html",
            flow=flow,
            title=page._(title),
            reference=reference,
            receipt=receipt,
            held=held,
            account_words=ACCOUNT_WORDS,
        )

    name = flow.name.replace("-", "_")
    router.add_api_route(flow.path, recipient_page, methods=["GET"], name=f"{name}_recipient")
    router.add_api_route(flow.path, recipient_answer, methods=["POST"])
    router.add_api_route(f"{flow.path}/amount", amount_page, methods=["GET"])
    router.add_api_route(f"{flow.path}/amount", amount_answer, methods=["POST"])
    router.add_api_route(f"{flow.path}/from", from_page, methods=["GET"])
    router.add_api_route(f"{flow.path}/from", from_answer, methods=["POST"])
    router.add_api_route(f"{flow.path}/check", check_page, methods=["GET"])
    router.add_api_route(f"{flow.path}/confirm", confirm, methods=["POST"])
    router.add_api_route(f"{flow.path}/done/{{reference}}", done_page, methods=["GET"])


def _render_recipient(
    page: Page, draft: PaymentDraft, errors: Dict[str, str], chosen: str
) -> Response:
    return page.render(
        "flow_recipient.html",
        flow=draft.flow,
        title=page._(draft.flow.recipient_title),
        choices=draft.recipients(),
        chosen=chosen,
        errors=errors,
    )


def _render_amount(page: Page, draft: PaymentDraft, errors: Dict[str, str], typed: str) -> Response:
    return page.render(
        "flow_amount.html",
        flow=draft.flow,
        title=page._(draft.flow.amount_title),
        currency_symbol=get_currency_symbol(draft.currency, page.locale),
        errors=errors,
        values={"amount": typed},
    )


def _render_from(page: Page, draft: PaymentDraft, errors: Dict[str, str], chosen: str) -> Response:
    return page.render(
        "flow_from.html",
        flow=draft.flow,
        title=page._("Which account should the money come from?"),
        choices=draft.source_choices(),
        chosen=chosen,
        errors=errors,
    )


for _flow in FLOWS:
    _flow_routes(_flow)


# ---- ask me ----------------------------------------------------------------------------------


@router.get("/ask")
def ask_page(page: Page = Depends(signed_in_page)) -> Response:
    """The conversation so far, suggested replies and the question box."""
    return _render_ask(page, {}, {})


@router.post("/ask")
def ask(
    turns: Turns,
    conversations: Conversations,
    banking: Banking,
    page: Page = Depends(signed_in_csrf_page),
    message: str = Form(""),
    pin: str = Form(""),
    label: str = Form(""),
    message_id: str = Form(""),
) -> Response:
    """Send one message (or the PIN the assistant asked for) to the assistant."""
    assert page.session is not None
    history = page.data.get("ask", {})
    if _MESSAGE_ID.match(message_id) and message_id in history.get("seen", []):
        return page.redirect("/ask#latest")  # the same form sent again: answered already
    pin = pin.strip()
    message = message.strip()
    if pin:
        if not _PIN.match(pin):
            return _render_ask(page, {"pin": page._("Enter your PIN. It is 4 to 6 numbers.")}, {})
        said, shown = pin, page._("(your PIN, kept hidden)")
    elif message:
        if len(message) > MAX_MESSAGE_CHARS:
            message_too_long = page._("Your question is very long. Please use fewer words.")
            return _render_ask(page, {"message": message_too_long}, {})
        said, shown = message, None
    else:
        return _render_ask(page, {"message": page._("Type your question.")}, {})

    conversation_id = _conversation(page, turns, conversations, banking)
    client_id = f"web-{message_id}" if _MESSAGE_ID.match(message_id) else None
    from assistant.gateway.client_address import client_address

    request = page.request
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        page.settings.trusted_proxies,
    )
    turn = turns.handle(conversation_id, said, client_id, address=address)
    messages: List[Dict[str, str]] = list(history.get("messages", []))
    # What the customer typed is kept as the turn handler kept it: any PIN in it masked.
    shown = shown or (label.strip()[:200] if label.strip() else turn.said)
    messages.append({"who": "you", "text": shown})
    suggestions: List[Dict[str, str]] = []
    for reply in turn.messages:
        said = {"who": "bank", "text": str(reply.get("text", ""))}
        messages.append({**said, "warning": True} if is_warning(reply) else said)
        for button in reply.get("buttons") or []:
            suggestions.append(
                {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
            )
    seen = [*history.get("seen", []), message_id][-KEEP_MESSAGES:] if client_id else []
    page.session.changed()["ask"] = {
        "messages": messages[-KEEP_MESSAGES:],
        "suggestions": suggestions[:6],
        "awaiting_pin": bool(turn.awaiting_pin),
        "handoff": bool(turn.handoff),
        "seen": seen,
    }
    return page.redirect("/ask#latest")


def _render_ask(page: Page, errors: Dict[str, str], values: Dict[str, str]) -> Response:
    history = page.data.get("ask", {})
    messages = history.get("messages", [])
    latest = max((i for i, m in enumerate(messages) if m["who"] == "bank"), default=-1)
    return page.render(
        "ask.html",
        messages=messages,
        latest=latest,
        suggestions=history.get("suggestions", []),
        awaiting_pin=history.get("awaiting_pin", False) or "pin" in errors,
        handoff=history.get("handoff", False),
        new_id=lambda: secrets.token_urlsafe(12),
        errors=errors,
        values=values,
    )


def _conversation(
    page: Page, turns: TurnHandler, conversations: ConversationStore, banking: BankingService
) -> str:
    """The session's web conversation, verified for as long as the session is signed in."""
    assert page.session is not None
    conversation_id = page.session.conversation_id
    if conversation_id is None or conversations.get(conversation_id) is None:
        phone = banking.get_customer(page.customer_id).phone
        conversation_id = turns.start("web", phone)
        page.sessions.set_conversation(page.session.id, conversation_id)
        page.session.conversation_id = conversation_id
    if conversations.verified_customer_id(conversation_id) != page.customer_id:
        # The customer signed in here with their PIN; that verifies this conversation.
        conversations.mark_verified(
            conversation_id, page.customer_id, page.settings.web_session_idle_minutes
        )
    return conversation_id


# ---- settings ----------------------------------------------------------------------------------


@router.get("/settings")
def settings_page(page: Page = Depends(signed_in_page)) -> Response:
    """Text size, contrast, read aloud, preferred channel; sign out everywhere."""
    return page.render("settings.html")


@router.post("/settings")
def save_settings(
    preferences: CustomerPreferences,
    page: Page = Depends(signed_in_csrf_page),
    text_size: str = Form(""),
    high_contrast: str = Form(""),
    read_aloud: str = Form(""),
    preferred_channel: str = Form(""),
) -> Response:
    """Save the display choices to the customer (unknown values keep the old)."""
    current = page.prefs
    preferences.save(
        page.customer_id,
        text_size=text_size if text_size in TEXT_SIZES else current.text_size,
        high_contrast=bool(high_contrast),
        read_aloud=bool(read_aloud),
        preferred_channel=(
            preferred_channel if preferred_channel in CHANNELS else current.preferred_channel
        ),
    )
    page.flash(N_("Your settings are saved."))
    return page.redirect("/settings")
