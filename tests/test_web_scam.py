"""A payment on the web pages that looks like a scam (no words there: the payment's own
signals) pauses in a cooling-off, and the receipt names the scam, says until when, offers a
person now and a way to cancel; the helper who receives alerts is texted once."""

from __future__ import annotations

from sqlalchemy import select

from assistant.demo import LINDA_PHONE
from assistant.messaging.models import OutboxMessage
from fraud.models import ScamIntervention
from tests.web_support import Browser, WebApp, check_structure, visible_text

JIM = "Jim Stranger"


def send(web: WebApp, browser: Browser, who: str, amount: str) -> str:
    payee = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == who)
    browser.post("/send", {"recipient": f"payee:{payee.id}"})
    browser.post("/send/amount", {"amount": amount})
    browser.post("/send/from", {"from_account": "checking"})
    done = browser.post("/send/confirm", {"payment_key": browser.payment_key("/send/check")})
    assert done.status_code == 303, visible_text(done.text)
    return done.headers["location"]


def test_a_first_payment_to_a_new_payee_over_200_pauses(web: WebApp, margaret: Browser) -> None:
    web.bank.add_payee(web.customer_id(), JIM, "99887766")
    path = send(web, margaret, JIM, "250")
    (hold,) = web.bank.list_holds(web.customer_id())
    assert path == f"/send/done/{hold.reference}" and "cooling_off" in hold.pending
    text = visible_text(margaret.get(path).text)
    assert "paused this payment until" in text and "This payment is not like" in text
    with web.sessions() as session:
        record = session.execute(select(ScamIntervention)).scalar_one()
    assert record.signals == ["new_payee", "recent_payee"] and record.action == "held"


def test_a_normal_payment_on_the_web_is_not_paused(web: WebApp, margaret: Browser) -> None:
    path = send(web, margaret, "Tom", "40")
    assert web.bank.list_holds(web.customer_id()) == []
    assert "paused" not in visible_text(margaret.get(path).text)


def test_the_paused_receipt_warns_offers_a_person_and_a_cancel(
    web: WebApp, margaret: Browser
) -> None:
    # Three payments within the hour: the third pauses (several payments in a short time).
    send(web, margaret, "Tom", "29")
    send(web, margaret, "Tom", "30")
    third = send(web, margaret, "Tom", "31")
    (hold,) = web.bank.list_holds(web.customer_id())
    assert third == f"/send/done/{hold.reference}"
    page = margaret.get(third)
    check_structure(page.text, "Your payment is waiting", signed_in=True)
    text = visible_text(page.text)
    assert "This payment is not like your usual ones" in text  # the scam, named
    assert "paused this payment until" in text and "in case it is a scam" in text
    assert "To talk to a person now, call us on 1-800-555-0199" in text
    assert f'href="/waiting/{hold.reference}/cancel"' in page.text
    with web.sessions() as session:
        record = session.execute(
            select(ScamIntervention).where(ScamIntervention.held_payment_id == hold.id)
        ).scalar_one()
        alerts = (
            session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.to_phone == LINDA_PHONE, OutboxMessage.purpose == "scam_alert"
                )
            )
            .scalars()
            .all()
        )
    assert record.channel == "web" and "rapid_payments" in record.signals
    assert len(alerts) == 1 and "Margaret Chen" in alerts[0].body
    # Cancelled from the waiting page: nothing moves, and the record says so.
    margaret.post(
        f"/waiting/{hold.reference}/cancel", {}, token_from=f"/waiting/{hold.reference}/cancel"
    )
    with web.sessions() as session:
        assert session.get(ScamIntervention, record.id).outcome == "cancelled"
