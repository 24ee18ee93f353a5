"""The Safety limits pages: each limit as it is and the changes waiting, one page per limit, a
check page that says when the change starts, and only its button changes anything (once, with
the session's CSRF token). A stricter limit starts at once, a looser one a day later; the
payment pages explain a payment an online limit stopped."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from assistant.banking.limits import COSIGN_ABOVE, DAILY_VOICE, DAILY_WEB, NEW_PAYEE_COOLING_OFF
from assistant.demo import RAVI_PHONE
from assistant.models import AuditEvent, LedgerTransaction
from assistant.money import Money
from tests.web_support import RAVI_PIN, Browser, WebApp, check_structure, shape, visible_text

PATH = "/settings/limits"


def limits(web: WebApp, phone: str | None = None):  # noqa: ANN201
    customer = web.customer_id(phone) if phone else web.customer_id()
    return web.app.state.safety.limits(customer)


def audits(web: WebApp, action: str) -> int:
    with web.sessions() as session:
        return session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        ).scalar_one()


def check_key(browser: Browser, slug: str) -> str:
    found = re.search(r'name="key" value="([^"]+)"', browser.get(f"{PATH}/{slug}/check").text)
    assert found, "no key on the check page"
    return found.group(1)


def choose(browser: Browser, slug: str, choice: str, amount: str = "") -> str:
    """Answer a limit's page; where it sends you."""
    reply = browser.post(f"{PATH}/{slug}", {"choice": choice, "amount": amount})
    assert reply.status_code == 303, visible_text(reply.text)
    return reply.headers["location"]


def confirm(browser: Browser, slug: str) -> str:
    """Press the check page's button; the page it leads to, as text."""
    key = check_key(browser, slug)
    done = browser.post(f"{PATH}/{slug}/confirm", {"key": key}, token_from=f"{PATH}/{slug}/check")
    assert done.status_code == 303 and done.headers["location"] == PATH
    return visible_text(browser.get(PATH).text)


@pytest.fixture
def ravi(web: WebApp) -> Browser:
    browser = web.browser()
    assert browser.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    return browser


# ---- the pages need the PIN -------------------------------------------------------------------


@pytest.mark.parametrize("path", [PATH, f"{PATH}/phone", f"{PATH}/phone/check"])
def test_signed_out_every_limits_page_asks_to_sign_in(web: WebApp, path: str) -> None:
    reply = web.browser().get(path)
    assert (reply.status_code, reply.headers["location"]) == (303, "/sign-in")


def test_a_post_without_the_csrf_token_changes_nothing(web: WebApp, margaret: Browser) -> None:
    reply = margaret.post(f"{PATH}/phone", {"choice": "none"}, csrf="forged")
    assert reply.status_code == 403
    assert limits(web).limits.daily_limit_voice is None


# ---- looking ----------------------------------------------------------------------------------


def test_the_limits_page_says_each_limit_in_plain_words(web: WebApp, margaret: Browser) -> None:
    settings = visible_text(margaret.get("/settings").text)
    assert "Your safety limits" in settings
    page = margaret.get(PATH)
    check_structure(page.text, "Safety limits", signed_in=True)
    text = visible_text(page.text)
    assert "A looser one starts 24 hours after you change it" in text
    assert "Payments by phone No limit of your own" in text
    assert (
        "Asking your helper first Your helper is asked first before any payment above $200.00"
        in (text)
    )
    assert "Paying someone new The first payment to someone new goes at once" in text
    assert text.count("Change") == 5


# ---- changing ---------------------------------------------------------------------------------


def test_a_phone_limit_is_read_back_then_starts_at_once_and_only_once(
    web: WebApp, margaret: Browser
) -> None:
    page = margaret.get(f"{PATH}/phone")
    check_structure(page.text, "How much may be paid by phone each day?", signed_in=True)
    assert 'name="choice" value="off" checked' in page.text
    assert choose(margaret, "phone", "amount", "$500") == f"{PATH}/phone/check"
    check = margaret.get(f"{PATH}/phone/check")
    assert shape(check.text).h1 == ["Check your new limit"]
    text = visible_text(check.text)
    assert "Payments by phone At most $500.00 a day" in text
    assert "This starts as soon as you press the button." in text
    assert limits(web).limits.daily_limit_voice is None  # nothing changed yet

    key = check_key(margaret, "phone")
    token = margaret.csrf(f"{PATH}/phone/check")
    text = confirm(margaret, "phone")
    assert "Done. From now on: At most $500.00 a day." in text
    assert limits(web).limits.daily_limit_voice == 50000
    again = margaret.post(f"{PATH}/phone/confirm", {"key": key}, csrf=token)  # sent twice
    assert again.headers["location"] == PATH
    assert audits(web, "limit_tightened") == 1


def test_a_looser_limit_waits_a_day_and_the_page_says_from_when(
    web: WebApp, margaret: Browser
) -> None:
    choose(margaret, "helper", "off")
    text = visible_text(margaret.get(f"{PATH}/helper/check").text)
    assert "Asking your helper first Your helper is not asked first" in text
    assert "For your safety it starts 24 hours after you press the button." in text
    assert "If someone has asked you to change this, do not go on." in text
    text = confirm(margaret, "helper")
    assert re.search(r"Done\. From .*tomorrow.*: Your helper is not asked first\.", text)
    assert "call us on 1-800-555-0199" in text
    assert limits(web).limits.cosign_above == 20000
    (waiting,) = limits(web).pending
    assert (waiting.name, waiting.value) == (COSIGN_ABOVE, None)
    assert re.search(r"above \$200\.00 From .*tomorrow.*: Your helper is not asked first", text)


@pytest.mark.parametrize(
    ("slug", "choice", "amount", "name", "value"),
    [
        ("text", "none", "", "daily_limit_sms", 0),
        ("online", "amount", "1,250.50", DAILY_WEB, 125050),
        ("new-payees", "on", "", NEW_PAYEE_COOLING_OFF, True),
        ("helper", "amount", "100", COSIGN_ABOVE, 10000),
    ],
)
def test_each_stricter_choice_starts_at_once(
    web: WebApp, margaret: Browser, slug: str, choice: str, amount: str, name: str, value: object
) -> None:
    choose(margaret, slug, choice, amount)
    assert "Done. From now on:" in confirm(margaret, slug)
    assert limits(web).limits.value(name) == value


def test_choosing_the_limit_it_already_has_changes_nothing(web: WebApp, margaret: Browser) -> None:
    choose(margaret, "helper", "amount", "200")
    text = visible_text(margaret.get(f"{PATH}/helper/check").text)
    assert "That is already your limit. Nothing needs to change." in text
    assert "Yes, change my limit" not in text
    assert audits(web, "limit_tightened") == 0


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "Choose one."),
        ({"choice": "sideways"}, "Choose one."),
        ({"choice": "amount"}, "Enter the amount, like 500."),
        ({"choice": "amount", "amount": "lots"}, "Enter an amount in dollars, like 50 or 12.50."),
        ({"choice": "amount", "amount": "0"}, "The amount must be more than zero."),
    ],
)
def test_an_answer_that_cannot_be_used_is_explained_on_the_same_page(
    web: WebApp, margaret: Browser, form: dict, error: str
) -> None:
    reply = margaret.post(f"{PATH}/phone", form)
    assert reply.status_code == 200
    text = visible_text(reply.text)
    assert "There is a problem" in text and error in text
    assert limits(web).limits.daily_limit_voice is None


def test_asking_a_helper_first_needs_a_helper_who_may_approve(web: WebApp, ravi: Browser) -> None:
    reply = ravi.post(f"{PATH}/helper", {"choice": "amount", "amount": "300"})
    assert "you need a helper who may approve payments" in visible_text(reply.text)
    assert limits(web, RAVI_PHONE).limits.cosign_above is None


def test_a_stale_or_unknown_check_changes_nothing(web: WebApp, margaret: Browser) -> None:
    assert margaret.get(f"{PATH}/fax").status_code == 404
    assert margaret.get(f"{PATH}/phone/check").headers["location"] == f"{PATH}/phone"
    choose(margaret, "phone", "none")
    stale = margaret.post(
        f"{PATH}/phone/confirm", {"key": "not-the-key"}, token_from=f"{PATH}/phone/check"
    )
    assert stale.headers["location"] == f"{PATH}/phone"
    assert "Please check the change again. Nothing was changed." in visible_text(
        margaret.get(f"{PATH}/phone").text
    )
    assert limits(web).limits.daily_limit_voice is None


# ---- payments the limits stop ---------------------------------------------------------------


def _send(web: WebApp, browser: Browser, dollars: str) -> str:
    tom = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == "Tom")
    browser.post("/send", {"recipient": f"payee:{tom.id}"})
    browser.post("/send/amount", {"amount": dollars})
    browser.post("/send/from", {"from_account": "checking"})
    key = browser.payment_key("/send/check")
    reply = browser.post("/send/confirm", {"payment_key": key}, token_from="/send/check")
    return reply.headers["location"]


def _sent(web: WebApp) -> int:
    with web.sessions() as session:
        return session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.idempotency_key.like("web-%"))
        ).scalar_one()


def test_no_payments_online_stops_a_web_payment_and_says_why(
    web: WebApp, margaret: Browser
) -> None:
    web.app.state.safety.change(web.customer_id(), DAILY_WEB, 0, "customer")
    assert _send(web, margaret, "50") == "/send/amount"
    text = visible_text(margaret.get("/send/amount").text)
    assert "You have chosen not to make payments online. Nothing was sent." in text
    assert _sent(web) == 0


def test_an_online_limit_says_how_much_is_left_today(web: WebApp, margaret: Browser) -> None:
    web.app.state.safety.change(web.customer_id(), DAILY_WEB, 6000, "customer")
    assert _send(web, margaret, "50").startswith("/send/done/")
    assert _send(web, margaret, "20") == "/send/amount"
    text = visible_text(margaret.get("/send/amount").text)
    assert "You have set a limit of $60.00 a day for payments online." in text
    assert "Today you can pay $10.00 more online. Nothing was sent." in text
    assert _sent(web) == 1


def test_a_phone_limit_does_not_stop_a_web_payment(web: WebApp, margaret: Browser) -> None:
    web.app.state.safety.change(web.customer_id(), DAILY_VOICE, 0, "customer")
    assert _send(web, margaret, "50").startswith("/send/done/")


def test_a_payment_the_new_payee_pause_holds_says_it_goes_then(
    web: WebApp, margaret: Browser
) -> None:
    customer = web.customer_id()
    web.app.state.safety.change(customer, NEW_PAYEE_COOLING_OFF, True, "customer")
    rosa = web.bank.add_payee(customer, "Rosa Diaz", "12345678")
    receipt = web.bank.pay_payee(customer, "checking", rosa.id, Money(5000), "web-r", channel="web")
    assert receipt.held
    text = visible_text(margaret.get("/waiting").text)
    assert "If you do nothing, it goes then. You can cancel it any time before." in text
