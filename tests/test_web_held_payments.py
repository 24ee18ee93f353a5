"""Payments that wait for a helper on the web: the receipt says plainly that a payment waits
(for whom, until when) and never that it was sent, the balance shows the money kept aside, the
home page points to "Waiting payments", where each can be cancelled after a confirmation page;
nobody reaches another customer's held payment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from assistant.demo import LINDA_PHONE, RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.models import HeldPayment, LedgerTransaction
from assistant.web.moments import deadline_words
from assistant.webkit.i18n import Catalogues
from family.links.permissions import APPROVE_PAYMENTS
from tests.family_support import SON
from tests.web_support import (
    RAVI_PIN,
    Browser,
    WebApp,
    check_structure,
    family_of,
    shape,
    visible_text,
)

WAITING_FOR_LINDA = (
    "This payment is waiting for Linda Chen to approve it. It will go as soon as Linda Chen "
    "says yes, or be cancelled if nobody answers by"
)


def send(web: WebApp, browser: Browser, who: str, amount: str) -> str:
    """Send money through the pages up to the receipt; its path."""
    payee = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == who)
    browser.post("/send", {"recipient": f"payee:{payee.id}"})
    browser.post("/send/amount", {"amount": amount})
    browser.post("/send/from", {"from_account": "checking"})
    done = browser.post("/send/confirm", {"payment_key": browser.payment_key("/send/check")})
    assert done.status_code == 303, visible_text(done.text)
    return done.headers["location"]


def holds(web: WebApp, customer_id: int | None = None) -> list:
    return web.bank.list_holds(customer_id or web.customer_id(), ("held", "cancelled", "released"))


def ledger_payments(web: WebApp) -> int:
    with web.sessions() as session:
        return session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.idempotency_key.like("web-%"))
        ).scalar_one()


@pytest.fixture
def held(web: WebApp, margaret: Browser) -> str:
    """Margaret has sent $300 to Tom: above her $200 co-sign amount, so it waits for Linda.
    The receipt's path."""
    return send(web, margaret, "Tom", "300")


# ---- the receipt ------------------------------------------------------------------------------


def test_the_approver_is_texted_as_soon_as_a_payment_waits(web: WebApp, held: str) -> None:
    with web.sessions() as session:
        bodies = [
            m.body
            for m in session.execute(
                select(OutboxMessage).where(OutboxMessage.to_phone == LINDA_PHONE)
            ).scalars()
        ]
    assert len(bodies) == 1 and "$300.00 to Tom" in bodies[0]


def test_a_300_dollar_payment_waits_for_linda_and_is_not_called_sent(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    assert (hold.amount.minor, hold.counterparty, hold.channel) == (30000, "Tom", "web")
    assert held == f"/send/done/{hold.reference}"
    page = margaret.get(held)
    check_structure(page.text, "Your payment is waiting", signed_in=True)
    text = visible_text(page.text)
    assert WAITING_FOR_LINDA in text
    assert "You can cancel it." in text
    assert "Until then, $300.00 is kept aside in your checking account." in text
    assert hold.reference in text
    assert "Money sent" not in text and "You sent" not in text
    assert f'href="/waiting/{hold.reference}/cancel"' in page.text
    assert web.bank.get_account(web.customer_id(), "checking").balance.minor == 125000
    assert ledger_payments(web) == 0


def test_the_deadline_on_the_receipt_is_the_holds_own(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    page = web.app.state.web
    words = deadline_words(
        hold.deadline, page.catalogues.words("en_US"), "en_US", "America/New_York"
    )
    assert f"nobody answers by {' '.join(words.split())}." in visible_text(margaret.get(held).text)


def test_with_two_approvers_the_receipt_names_both(web: WebApp, margaret: Browser) -> None:
    family_of(web).helper_of(web.customer_id(), "Sam", SON)
    sam = next(h for h in web.app.state.family.list_helpers(web.customer_id()) if h.name == "Sam")
    web.app.state.family.set_permission(web.customer_id(), sam.link_id, APPROVE_PAYMENTS, True)
    text = visible_text(margaret.get(send(web, margaret, "Tom", "250")).text)
    assert (
        "This payment is waiting for Linda Chen or Sam to approve it. It will go as soon as "
        "one of them says yes" in text
    )


def test_a_payment_at_the_cosign_amount_or_below_is_sent_as_before(
    web: WebApp, margaret: Browser
) -> None:
    page = margaret.get(send(web, margaret, "Tom", "200"))
    assert shape(page.text).h1 == ["Money sent"]
    assert web.bank.list_holds(web.customer_id()) == []


def test_the_same_confirmation_posted_twice_holds_one_payment(
    web: WebApp, margaret: Browser
) -> None:
    payee = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == "Tom")
    margaret.post("/send", {"recipient": f"payee:{payee.id}"})
    margaret.post("/send/amount", {"amount": "300"})
    margaret.post("/send/from", {"from_account": "checking"})
    key = margaret.payment_key("/send/check")
    first = margaret.post("/send/confirm", {"payment_key": key})
    second = margaret.post("/send/confirm", {"payment_key": key})
    assert first.headers["location"] == second.headers["location"]
    assert len(web.bank.list_holds(web.customer_id())) == 1


def test_after_linda_approves_the_receipt_says_it_has_gone(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    linda = web.app.state.family.list_helpers(web.customer_id())[0]
    answer = web.app.state.family.answer_approval(linda.helper_id, hold.id, True)
    assert answer is not None and answer.outcome.result == "released"
    page = margaret.get(held)
    assert shape(page.text).h1 == ["Money sent"]
    text = visible_text(page.text)
    assert "This payment was approved and has gone." in text
    assert "You sent $300.00 to Tom." in text


def test_after_linda_declines_the_receipt_says_it_was_not_sent(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    linda = web.app.state.family.list_helpers(web.customer_id())[0]
    web.app.state.family.answer_approval(linda.helper_id, hold.id, False)
    page = margaret.get(held)
    assert shape(page.text).h1 == ["Your payment was not sent"]
    assert "This payment was not approved, so it was cancelled. No money has moved." in (
        visible_text(page.text)
    )
    assert "/cancel" not in page.text


# ---- where money shows ----------------------------------------------------------------------


def test_the_balance_shows_the_money_kept_aside_for_the_waiting_payment(
    margaret: Browser, held: str
) -> None:
    text = visible_text(margaret.get("/balance").text)
    assert (
        "Checking $1,250.00 $300.00 of this is kept aside for payments that are waiting. "
        "You can use $950.00." in text
    )
    assert 'href="/waiting"' in margaret.get("/balance").text


def test_with_nothing_waiting_the_balance_and_home_say_nothing_of_it(margaret: Browser) -> None:
    assert "kept aside" not in margaret.get("/balance").text
    home = margaret.get("/")
    assert 'href="/waiting"' not in home.text and "waiting" not in visible_text(home.text)


def test_home_links_to_waiting_payments_when_one_waits(margaret: Browser, held: str) -> None:
    home = margaret.get("/")
    assert "You have 1 payment waiting. See waiting payments" in visible_text(home.text)
    assert '<a href="/waiting">See waiting payments</a>' in home.text


# ---- waiting payments and cancelling one ------------------------------------------------------


def test_waiting_payments_lists_each_with_a_cancel_button(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    page = margaret.get("/waiting")
    check_structure(page.text, "Waiting payments", signed_in=True)
    text = visible_text(page.text)
    assert "$300.00 to Tom" in text and "From your checking account." in text
    assert WAITING_FOR_LINDA in text
    assert "Cancel the payment of $300.00 to Tom" in text
    assert f'href="/waiting/{hold.reference}/cancel"' in page.text


def test_with_nothing_waiting_the_page_says_so(margaret: Browser) -> None:
    text = visible_text(margaret.get("/waiting").text)
    assert "You have no payments waiting." in text


def test_cancelling_asks_first_then_cancels_and_unreserves_the_money(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    while_held = web.bank.get_account(web.customer_id(), "checking")
    assert (while_held.balance.minor, while_held.held.minor) == (125000, 30000)
    path = f"/waiting/{hold.reference}/cancel"
    ask = margaret.get(path)
    check_structure(ask.text, "Cancel this payment?", signed_in=True)
    assert "If you cancel it, nothing is sent and the money stays in your checking account." in (
        visible_text(ask.text)
    )
    assert web.bank.list_holds(web.customer_id())[0].status == "held"  # asking changed nothing

    done = margaret.post(path, {}, token_from=path)
    assert (done.status_code, done.headers["location"]) == (303, "/waiting")
    after = visible_text(margaret.get("/waiting").text)
    assert "The payment of $300.00 to Tom is cancelled. No money has moved." in after
    assert "You have no payments waiting." in after
    assert [h.status for h in holds(web)] == ["cancelled"]
    checking = web.bank.get_account(web.customer_id(), "checking")
    assert (checking.balance.minor, checking.held.minor) == (125000, 0)
    assert checking.available.minor == while_held.available.minor + 30000
    assert ledger_payments(web) == 0
    assert "Your payment was not sent" in margaret.get(held).text


def test_cancelling_twice_says_it_is_not_waiting_any_more(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    path = f"/waiting/{hold.reference}/cancel"
    token = margaret.csrf(path)
    margaret.post(path, {}, csrf=token)
    again = margaret.post(path, {}, csrf=token)
    assert again.status_code == 303
    text = visible_text(margaret.get("/waiting").text)
    assert "That payment is not waiting any more, so there was nothing to cancel." in text
    assert margaret.get(path).headers["location"] == "/waiting"


def test_a_cancel_without_the_csrf_token_is_refused_and_changes_nothing(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    path = f"/waiting/{hold.reference}/cancel"
    assert margaret.post(path, {}, csrf="").status_code == 403
    assert margaret.post(path, {}, csrf="not-the-token").status_code == 403
    assert [h.status for h in holds(web)] == ["held"]


def test_another_customer_cannot_see_or_cancel_margarets_held_payment(
    web: WebApp, margaret: Browser, held: str
) -> None:
    (hold,) = web.bank.list_holds(web.customer_id())
    ravi = web.browser()
    assert ravi.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    path = f"/waiting/{hold.reference}/cancel"
    assert ravi.get(path).status_code == 404
    refused = ravi.post(path, {}, token_from="/waiting")
    assert refused.status_code == 404
    assert shape(refused.text).h1 == ["Page not found"]
    assert ravi.get(held).status_code == 404
    assert hold.reference not in ravi.get("/waiting").text
    assert [h.status for h in holds(web)] == ["held"]
    with web.sessions() as session:
        assert session.execute(select(HeldPayment.status)).scalars().all() == ["held"]


@pytest.mark.parametrize("reference", ["NOPE", "0000000000", "%2E%2E"])
def test_a_reference_that_is_nobodys_is_a_404(margaret: Browser, held: str, reference: str) -> None:
    path = f"/waiting/{reference}/cancel"
    assert margaret.get(path).status_code == 404
    assert margaret.post(path, {}, token_from="/waiting").status_code == 404


@pytest.mark.parametrize("path", ["/waiting", "/waiting/ABC/cancel"])
def test_signed_out_the_waiting_pages_send_you_to_sign_in(web: WebApp, path: str) -> None:
    reply = web.browser().get(path)
    assert (reply.status_code, reply.headers["location"]) == (303, "/sign-in")


# ---- a deadline in plain words ------------------------------------------------------------------

NOW = datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc)  # 9:30 AM in New York
ZONE = "America/New_York"


@pytest.mark.parametrize(
    ("later", "locale", "words"),
    [
        (timedelta(hours=24, minutes=10), "en_US", "9:40 tomorrow morning"),
        (timedelta(hours=5), "en_US", "2:30 this afternoon"),
        (timedelta(hours=9), "en_US", "6:30 this evening"),
        (timedelta(hours=13), "en_US", "10:30\u202fPM today"),
        (timedelta(hours=17), "en_US", "2:30\u202fAM tomorrow"),
        (timedelta(hours=29), "en_US", "2:30 tomorrow afternoon"),
        (timedelta(days=3), "en_US", "9:30\u202fAM on Thursday, December 10, 2026"),
        (timedelta(hours=24, minutes=10), "en_GB", "09:40 tomorrow morning"),
    ],
)
def test_a_deadline_is_said_the_way_people_say_it(
    later: timedelta, locale: str, words: str
) -> None:
    english = Catalogues().words("en")
    assert deadline_words(NOW + later, english, locale, ZONE, now=NOW) == words
