"""The admin console's scam interventions and held payments (issue 10 item 3): fraud staff see
every intervention (who, when, channel, signals, the scam named, what was done and how it
ended) and keep a review note; they see the payments waiting and release one on their word (the
money moves once, audited as "staff:<username>"; a second release changes nothing). An agent
gets a clear 403 on every one of these pages and forms; a form without the session's CSRF token
is refused; in every refusal nothing changes. Recorded text is always shown escaped."""

from __future__ import annotations

import pytest

from assistant.money import Money
from tests.admin_support import (
    AGENT,
    StaffBrowser,
    audits,
    ledger_rows,
    record_intervention,
    staff_browser,
)
from tests.portal_support import hold
from tests.web_support import WebApp, shape, visible_text

ROLE_REFUSED = "You cannot use this page"


@pytest.fixture
def fraudops(web: WebApp) -> StaffBrowser:
    return staff_browser(web).signed_in()


@pytest.fixture
def agent(web: WebApp) -> StaffBrowser:
    return staff_browser(web).signed_in(*AGENT)


def _checking(web: WebApp) -> tuple[int, int]:
    account = web.bank.get_account(web.customer_id(), "checking")
    return account.balance.minor, account.held.minor


# ---- held payments ---------------------------------------------------------------------------


def test_fraud_staff_see_the_payments_waiting_with_who_and_why(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    assert "No payments are waiting now." in visible_text(fraudops.get("/admin/held-payments").text)
    held = hold(web, web.customer_id())
    text = visible_text(fraudops.get("/admin/held-payments").text)
    assert "$300.00 to Tom from Margaret Chen" in text
    assert "A helper's approval, until" in text and held.reference in text
    page = fraudops.get(f"/admin/held-payments/{held.id}")
    assert shape(page.text).h1 == ["Release a held payment"]
    assert "Releasing it sends $300.00 to Tom now, on your word" in visible_text(page.text)


def test_a_release_moves_the_money_once_and_a_second_changes_nothing(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    held = hold(web, web.customer_id(), key="admin-release")
    page = f"/admin/held-payments/{held.id}"
    reply = fraudops.form(f"{page}/release", {"note": "Called Margaret, she confirmed"}, page)
    assert reply.headers["location"] == page
    after = fraudops.get(page)
    assert "You released the payment. The money has gone to Tom." in visible_text(after.text)
    assert shape(after.text).h1 == ["This payment is not waiting"]
    assert "Release this payment" not in after.text
    assert _checking(web) == (95000, 0) and ledger_rows(web, "admin-release") == 1
    (released,) = audits(web, "hold_released")
    assert released.actor == "staff:fraudops"
    (met,) = audits(web, "hold_condition_met")
    assert met.actor == "staff:fraudops" and met.detail["note"] == "Called Margaret, she confirmed"

    again = fraudops.form(f"{page}/release", {}, page)  # the form sent a second time
    assert again.status_code == 303
    said = visible_text(fraudops.get(page).text)
    assert "This payment had already ended before your release, so nothing changed." in said
    assert _checking(web) == (95000, 0) and ledger_rows(web, "admin-release") == 1
    assert len(audits(web, "hold_released")) == 1


def test_a_release_of_a_payment_the_customer_cancelled_says_so(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    margaret = web.customer_id()
    held = hold(web, margaret)
    web.bank.cancel_hold(margaret, held.id, f"customer:{margaret}")
    page = f"/admin/held-payments/{held.id}"
    assert "Cancelled by the customer: no money moved" in visible_text(fraudops.get(page).text)
    fraudops.form(f"{page}/release", {}, f"/admin/held-payments/{held.id}")
    assert "already ended before your release" in visible_text(fraudops.get(page).text)
    assert _checking(web) == (125000, 0)


def test_a_too_long_release_note_is_explained_and_nothing_moves(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    held = hold(web, web.customer_id())
    page = f"/admin/held-payments/{held.id}"
    reply = fraudops.form(f"{page}/release", {"note": "x" * 501}, page)
    assert reply.status_code == 200 and "There is a problem" in reply.text
    assert "Your note is too long. Use 500 letters or fewer." in visible_text(reply.text)
    assert web.bank.get_hold(held.id).status == "held" and _checking(web) == (125000, 30000)
    assert fraudops.get("/admin/held-payments/99999").status_code == 404
    assert fraudops.form("/admin/held-payments/99999/release", {}).status_code == 404


# ---- interventions ---------------------------------------------------------------------------


def test_fraud_staff_see_each_intervention_in_words(web: WebApp, fraudops: StaffBrowser) -> None:
    assert "has not stepped in on any payment yet" in visible_text(
        fraudops.get("/admin/interventions").text
    )
    margaret = web.customer_id()
    held = hold(web, margaret)
    record_intervention(
        web,
        margaret,
        channel="sms",
        signals=["relative_in_trouble", {"name": "secrecy"}, "a_signal_with_no_words_yet"],
        scam="relative_in_trouble",
        amount_minor=30000,
        currency="USD",
        held_payment_id=held.id,
    )
    record_intervention(web, web.customer_id("+15550100002"), action="warned", signals=[])
    text = visible_text(fraudops.get("/admin/interventions").text)
    assert text.index("Ravi Kumar") < text.index("Margaret Chen")  # the newest first
    for words in (
        "Text message",
        "A grandchild or relative in trouble, needing bail or fees",
        "Told to keep it secret",
        "a_signal_with_no_words_yet",  # never hidden from review
        "Relative in trouble scam",
        "$300.00",
        "Warned the customer and held the payment",
        "The payment is still waiting",
        f"Held payment {held.reference}",
        "Warned the customer",
        "Nothing was held",
        "Not reviewed yet",
    ):
        assert words in text, words
    web.bank.cancel_hold(margaret, held.id, f"customer:{margaret}")
    assert "The customer cancelled the payment" in visible_text(
        fraudops.get("/admin/interventions").text
    )


def test_a_review_note_is_kept_escaped_and_audited(web: WebApp, fraudops: StaffBrowser) -> None:
    found = record_intervention(web, web.customer_id())
    page = f"/admin/interventions/{found}"
    note = "A real scam: <script>alert('x')</script> & the payee was new"
    reply = fraudops.form(f"{page}/review", {"note": note}, page)
    assert reply.headers["location"] == page
    shown = fraudops.get(page)
    assert "Your review note is saved." in visible_text(shown.text)
    assert "<script>alert" not in shown.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; the payee" in shown.text
    assert "Reviewed by staff:fraudops" in visible_text(shown.text)
    (reviewed,) = audits(web, "scam_intervention_reviewed")
    assert reviewed.actor == "staff:fraudops" and reviewed.detail["intervention_id"] == found
    empty = fraudops.form(f"{page}/review", {"note": "  "}, page)
    assert "Enter your review note." in visible_text(empty.text)
    assert len(audits(web, "scam_intervention_reviewed")) == 1
    assert fraudops.get("/admin/interventions/99999").status_code == 404


# ---- refusals: an agent, a form without its token --------------------------------------------


def test_an_agent_signs_in_but_gets_a_clear_403_on_every_fraud_page_and_form(
    web: WebApp, agent: StaffBrowser
) -> None:
    home = visible_text(agent.get("/admin").text)
    assert "Your role, call-centre agent, does not open the warnings" in home
    assert "/admin/held-payments" not in agent.get("/admin").text
    held = hold(web, web.customer_id())
    found = record_intervention(web, web.customer_id())
    for path in (
        "/admin/held-payments",
        f"/admin/held-payments/{held.id}",
        "/admin/interventions",
        f"/admin/interventions/{found}",
    ):
        reply = agent.get(path)
        assert reply.status_code == 403, path
        assert shape(reply.text).h1 == [ROLE_REFUSED], path
        assert "Nothing has changed." in visible_text(reply.text)
    for path, data in (
        (f"/admin/held-payments/{held.id}/release", {"note": ""}),
        (f"/admin/interventions/{found}/review", {"note": "mine"}),
    ):
        reply = agent.form(path, data)  # with the session's valid token
        assert reply.status_code == 403 and shape(reply.text).h1 == [ROLE_REFUSED], path
    assert web.bank.get_hold(held.id).status == "held" and _checking(web) == (125000, 30000)
    assert audits(web, "scam_intervention_reviewed") == []
    assert audits(web, "hold_released") == []


@pytest.mark.parametrize("token", ["", "wrong"])
def test_a_fraud_form_without_the_sessions_token_is_refused_and_changes_nothing(
    web: WebApp, fraudops: StaffBrowser, token: str
) -> None:
    held = hold(web, web.customer_id())
    found = record_intervention(web, web.customer_id())
    for path, data in (
        (f"/admin/held-payments/{held.id}/release", {}),
        (f"/admin/interventions/{found}/review", {"note": "mine"}),
    ):
        reply = fraudops.post(path, data, csrf=token)
        assert reply.status_code == 403, path
        assert "we could not accept that form" in visible_text(reply.text)
    assert web.bank.get_hold(held.id).status == "held" and _checking(web) == (125000, 30000)
    assert audits(web, "scam_intervention_reviewed") == []
    assert web.bank.get_account(web.customer_id(), "checking").available == Money(95000)
