"""Send money and pay a bill on the web: one question per page, a check page before anything
moves, a receipt after, and a form posted twice moves money once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.demo import RAVI_PHONE
from assistant.models import LedgerTransaction
from assistant.money import Money
from tests.conftest import check_ledger_invariants
from tests.web_support import RAVI_PIN, Browser, WebApp, shape, visible_text


@pytest.fixture
def ravi(web: WebApp) -> Browser:
    browser = web.browser()
    assert browser.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    return browser


def payee(web: WebApp, name: str, phone: str | None = None) -> str:
    customer = web.customer_id(phone) if phone else web.customer_id()
    found = next(p for p in web.bank.list_payees(customer) if p.name == name)
    return f"payee:{found.id}"


def balance(web: WebApp, kind: str, phone: str | None = None) -> int:
    customer = web.customer_id(phone) if phone else web.customer_id()
    return web.bank.get_account(customer, kind).balance.minor


def payments_made(web: WebApp) -> int:
    with web.sessions() as session:
        return session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.idempotency_key.like("web-%"))
        ).scalar_one()


def answer(browser: Browser, path: str, field: str, value: str) -> str:
    """Answer one question; returns where the page sends you next."""
    reply = browser.post(path, {field: value})
    assert reply.status_code == 303, visible_text(reply.text)
    return reply.headers["location"]


def errors_on(reply) -> str:  # noqa: ANN001
    assert reply.status_code == 200
    assert "There is a problem" in reply.text
    return visible_text(reply.text)


# ---- the whole journey ---------------------------------------------------------------------


def test_send_fifty_dollars_to_tom_with_a_check_page_and_a_receipt(
    web: WebApp, margaret: Browser
) -> None:
    first = margaret.get("/send")
    assert shape(first.text).h1 == ["Who do you want to send money to?"]
    html = first.text
    assert f'value="{payee(web, "Tom")}"' in html
    assert 'value="account:savings"' in html and "My savings account" in html
    assert 'value="account:checking"' in html and "My checking account" in html
    assert payee(web, "City Power") not in html  # bills are paid under "Pay a bill"

    assert answer(margaret, "/send", "recipient", payee(web, "Tom")) == "/send/amount"
    amount_page = margaret.get("/send/amount")
    assert shape(amount_page.text).h1 == ["How much do you want to send?"]
    assert 'id="amount" name="amount" type="text" inputmode="decimal"' in amount_page.text
    assert answer(margaret, "/send/amount", "amount", "50") == "/send/from"
    from_page = margaret.get("/send/from")
    assert shape(from_page.text).h1 == ["Which account should the money come from?"]
    assert 'name="from_account" value="checking"' in from_page.text
    assert 'name="from_account" value="savings"' in from_page.text
    assert answer(margaret, "/send/from", "from_account", "checking") == "/send/check"

    check = margaret.get("/send/check")
    text = visible_text(check.text)
    assert shape(check.text).h1 == ["Check before you send"]
    assert "To Tom" in text and "Amount $50.00" in text and "From Checking" in text
    assert "Send $50.00 to Tom from checking." in text
    assert text.count("Change") == 3
    assert '<form method="post" action="/send/confirm"' in check.text
    assert ">Send money</button>" in check.text
    assert balance(web, "checking") == 125000  # nothing moved yet

    key = margaret.payment_key("/send/check")
    sent = margaret.post("/send/confirm", {"payment_key": key}, token_from="/send/check")
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/send/done/")
    done = margaret.get(sent.headers["location"])
    text = visible_text(done.text)
    assert shape(done.text).h1 == ["Money sent"]
    assert "You sent $50.00 to Tom." in text
    assert "Your checking account now has $1,200.00." in text
    reference = sent.headers["location"].rsplit("/", 1)[1]
    assert reference in text
    assert balance(web, "checking") == 120000
    assert payments_made(web) == 1
    check_ledger_invariants(web.sessions)

    # The draft is gone: starting again starts afresh.
    assert margaret.get("/send/check").headers["location"] == "/send"


def test_posting_the_confirm_form_twice_moves_money_once(web: WebApp, margaret: Browser) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", "50")
    answer(margaret, "/send/from", "from_account", "checking")
    key = margaret.payment_key("/send/check")
    token = margaret.csrf("/send/check")

    first = margaret.post("/send/confirm", {"payment_key": key}, csrf=token)
    second = margaret.post("/send/confirm", {"payment_key": key}, csrf=token)  # double-click
    margaret.get("/")
    third = margaret.post("/send/confirm", {"payment_key": key}, csrf=token)  # back + resubmit
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["location"] == second.headers["location"] == third.headers["location"]
    assert balance(web, "checking") == 120000
    assert payments_made(web) == 1
    done = visible_text(margaret.get(third.headers["location"]).text)
    assert "Your checking account now has $1,200.00." in done


def test_the_check_page_keeps_its_key_until_an_answer_changes(
    web: WebApp, margaret: Browser
) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", "50")
    answer(margaret, "/send/from", "from_account", "checking")
    key = margaret.payment_key("/send/check")
    assert margaret.payment_key("/send/check") == key  # reloading keeps it

    # Change the amount: a new payment, and the old form can no longer send the old one.
    assert answer(margaret, "/send/amount", "amount", "60") == "/send/check"
    new_key = margaret.payment_key("/send/check")
    assert new_key != key
    stale = margaret.post("/send/confirm", {"payment_key": key}, token_from="/send/check")
    assert stale.headers["location"] == "/send/check"
    assert payments_made(web) == 0
    assert "check the details again" in visible_text(margaret.get("/send/check").text)
    assert "Send $60.00 to Tom from checking." in visible_text(margaret.get("/send/check").text)


def test_changing_who_keeps_the_other_answers(web: WebApp, margaret: Browser) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", "25.5")
    answer(margaret, "/send/from", "from_account", "savings")
    assert answer(margaret, "/send", "recipient", payee(web, "Linda")) == "/send/check"
    text = visible_text(margaret.get("/send/check").text)
    assert "Send $25.50 to Linda from savings." in text
    # the radio shows the current answer when you come back to change it
    assert f'value="{payee(web, "Linda")}" checked' in margaret.get("/send").text


def test_moving_money_to_my_savings_account(web: WebApp, margaret: Browser) -> None:
    assert answer(margaret, "/send", "recipient", "account:savings") == "/send/amount"
    # Only checking can pay into savings: the "which account" question is skipped.
    assert answer(margaret, "/send/amount", "amount", "100") == "/send/check"
    check = visible_text(margaret.get("/send/check").text)
    assert "Send $100.00 to your savings account from checking." in check
    assert check.count("Change") == 2
    key = margaret.payment_key("/send/check")
    sent = margaret.post("/send/confirm", {"payment_key": key}, token_from="/send/check")
    done = visible_text(margaret.get(sent.headers["location"]).text)
    assert "You sent $100.00 to your savings account." in done
    assert balance(web, "checking") == 115000
    assert balance(web, "savings") == 850000
    check_ledger_invariants(web.sessions)


def test_switching_to_my_savings_clears_savings_as_the_source(
    web: WebApp, margaret: Browser
) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", "10")
    answer(margaret, "/send/from", "from_account", "savings")
    assert answer(margaret, "/send", "recipient", "account:savings") == "/send/from"
    assert margaret.get("/send/from").headers["location"] == "/send/check"
    assert "from checking." in visible_text(margaret.get("/send/check").text)


# ---- one account: the source question is skipped ---------------------------------------------


def test_with_one_account_the_source_is_not_asked(web: WebApp, ravi: Browser) -> None:
    page = ravi.get("/pay-bill")
    assert shape(page.text).h1 == ["Which bill do you want to pay?"]
    feed = payee(web, "Green Valley Feed", RAVI_PHONE)
    assert answer(ravi, "/pay-bill", "recipient", feed) == "/pay-bill/amount"
    too_much = ravi.post("/pay-bill/amount", {"amount": "400"})
    assert "That is more than the $310.00 in your checking account." in errors_on(too_much)
    assert answer(ravi, "/pay-bill/amount", "amount", "$10.00") == "/pay-bill/check"
    assert ravi.get("/pay-bill/from").headers["location"] == "/pay-bill/check"


def test_with_nobody_to_send_to_the_page_says_what_to_do(ravi: Browser) -> None:
    page = ravi.get("/send")
    assert page.status_code == 200
    assert "You have nobody saved to send money to yet." in visible_text(page.text)
    assert 'action="/send"' not in page.text


# ---- pay a bill -------------------------------------------------------------------------------


def test_pay_a_bill_end_to_end(web: WebApp, margaret: Browser) -> None:
    page = margaret.get("/pay-bill")
    assert payee(web, "City Power") in page.text
    assert payee(web, "Riverside Water") in page.text
    assert payee(web, "Tom") not in page.text and "account:" not in page.text
    assert "electric bill" in visible_text(page.text)  # the payee's description as a hint

    answer(margaret, "/pay-bill", "recipient", payee(web, "City Power"))
    answer(margaret, "/pay-bill/amount", "amount", "40")
    answer(margaret, "/pay-bill/from", "from_account", "checking")
    check = margaret.get("/pay-bill/check")
    assert shape(check.text).h1 == ["Check before you pay"]
    assert "Pay $40.00 to City Power from checking." in visible_text(check.text)
    assert ">Pay bill</button>" in check.text
    key = margaret.payment_key("/pay-bill/check")
    paid = margaret.post("/pay-bill/confirm", {"payment_key": key}, token_from="/pay-bill/check")
    assert paid.headers["location"].startswith("/pay-bill/done/")
    done = margaret.get(paid.headers["location"])
    assert shape(done.text).h1 == ["Bill paid"]
    assert "You paid $40.00 to City Power." in visible_text(done.text)
    assert "Your checking account now has $1,210.00." in visible_text(done.text)
    # a receipt belongs to its own flow
    reference = paid.headers["location"].rsplit("/", 1)[1]
    assert margaret.get(f"/send/done/{reference}").status_code == 404


def test_a_bill_payee_cannot_be_used_to_send_money_nor_someone_elses(
    web: WebApp, margaret: Browser
) -> None:
    for value in (
        payee(web, "City Power"),
        payee(web, "Green Valley Feed", RAVI_PHONE),
        "payee:99999",
        "account:brokerage",
        "<script>",
    ):
        reply = margaret.post("/send", {"recipient": value})
        assert "Choose who you want to send money to." in errors_on(reply)
        assert '<a href="#recipient">' in reply.text
    assert "Choose which bill you want to pay." in errors_on(
        margaret.post("/pay-bill", {"recipient": payee(web, "Tom")})
    )


# ---- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter how much you want to send."),
        ("   ", "Enter how much you want to send."),
        ("fifty", "Enter an amount in dollars, like 50 or 12.50."),
        ("12.345", "Enter an amount in dollars, like 50 or 12.50."),
        ("1e3", "Enter an amount in dollars, like 50 or 12.50."),
        ("-5", "Enter an amount in dollars, like 50 or 12.50."),
        ("0", "The amount must be more than zero."),
        ("0.00", "The amount must be more than zero."),
        ("10000", "That is more than you have. The most you can use is $8,400.00."),
    ],
)
def test_an_unusable_amount_is_explained_on_the_same_page(
    web: WebApp, margaret: Browser, typed: str, message: str
) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    reply = margaret.post("/send/amount", {"amount": typed})
    text = errors_on(reply)
    assert message in text
    assert '<a href="#amount">' in reply.text
    assert 'id="amount-error"' in reply.text
    assert shape(reply.text).h1 == ["How much do you want to send?"]


@pytest.mark.parametrize(("typed", "minor"), [("$1,000", 100000), ("12.5", 1250), (".75", 75)])
def test_amounts_are_read_the_way_people_type_them(
    web: WebApp, margaret: Browser, typed: str, minor: int
) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", typed)
    answer(margaret, "/send/from", "from_account", "savings")
    assert f"Amount {Money(minor)}" in visible_text(margaret.get("/send/check").text)


def test_an_account_without_enough_money_is_refused_at_the_source_question(
    web: WebApp, margaret: Browser
) -> None:
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    answer(margaret, "/send/amount", "amount", "2000")
    reply = margaret.post("/send/from", {"from_account": "checking"})
    assert "Your checking account has $1,250.00. That is not enough." in errors_on(reply)
    assert '<a href="#from_account">' in reply.text
    assert answer(margaret, "/send/from", "from_account", "savings") == "/send/check"


def test_if_the_money_is_gone_by_the_time_you_confirm_nothing_moves(
    web: WebApp, ravi: Browser
) -> None:
    feed = payee(web, "Green Valley Feed", RAVI_PHONE)
    answer(ravi, "/pay-bill", "recipient", feed)
    answer(ravi, "/pay-bill/amount", "amount", "300")
    key = ravi.payment_key("/pay-bill/check")
    token = ravi.csrf("/pay-bill/check")
    # Meanwhile, on the phone, most of the money is spent.
    web.bank.pay_payee(
        web.customer_id(RAVI_PHONE), "checking", int(feed.split(":")[1]), Money(20000), "phone-1"
    )
    reply = ravi.post("/pay-bill/confirm", {"payment_key": key}, csrf=token)
    assert reply.headers["location"] == "/pay-bill/amount"
    assert "Nothing was sent" in visible_text(ravi.get("/pay-bill/amount").text)
    assert balance(web, "checking", RAVI_PHONE) == 11000


# ---- pages need their earlier answers ------------------------------------------------------------


def test_later_questions_send_you_back_to_the_first_unanswered_one(
    web: WebApp, margaret: Browser
) -> None:
    for path in ("/send/amount", "/send/from", "/send/check"):
        assert margaret.get(path).headers["location"] == "/send"
    answer(margaret, "/send", "recipient", payee(web, "Tom"))
    assert margaret.get("/send/from").headers["location"] == "/send/amount"
    assert margaret.get("/send/check").headers["location"] == "/send/amount"
    assert (
        margaret.post(
            "/send/confirm", {"payment_key": "web-made-up"}, token_from="/send/amount"
        ).headers["location"]
        == "/send/amount"
    )
    assert payments_made(web) == 0


def test_the_done_page_only_shows_your_own_receipts(web: WebApp, margaret: Browser) -> None:
    answer(margaret, "/pay-bill", "recipient", payee(web, "City Power"))
    answer(margaret, "/pay-bill/amount", "amount", "5")
    answer(margaret, "/pay-bill/from", "from_account", "checking")
    key = margaret.payment_key("/pay-bill/check")
    paid = margaret.post("/pay-bill/confirm", {"payment_key": key}, token_from="/pay-bill/check")
    other = web.browser()
    other.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN)
    reply = other.get(paid.headers["location"])
    assert reply.status_code == 404
    assert shape(reply.text).h1 == ["Page not found"]


@pytest.mark.postgres
def test_the_send_flow_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """Sessions (JSON data), drafts and the idempotent confirm on PostgreSQL."""
    from assistant.db import session_factory
    from assistant.demo import seed_demo_bank
    from assistant.gateway.app import create_app
    from assistant.settings import Settings

    assert seed_demo_bank(session_factory(pg_url)) is True
    settings = Settings(database_url=pg_url, home=tmp_path / "home", rasa_token="test-token")
    app = create_app(settings)
    web = WebApp(app, None, session_factory(pg_url), settings)
    try:
        margaret = web.browser()
        assert margaret.sign_in().status_code == 303
        answer(margaret, "/send", "recipient", payee(web, "Tom"))
        answer(margaret, "/send/amount", "amount", "50")
        answer(margaret, "/send/from", "from_account", "checking")
        key = margaret.payment_key("/send/check")
        token = margaret.csrf("/send/check")
        first = margaret.post("/send/confirm", {"payment_key": key}, csrf=token)
        second = margaret.post("/send/confirm", {"payment_key": key}, csrf=token)
        assert first.headers["location"] == second.headers["location"]
        done = visible_text(margaret.get(first.headers["location"]).text)
        assert "Your checking account now has $1,200.00." in done
        assert balance(web, "checking") == 120000
        assert payments_made(web) == 1
    finally:
        app.state.rasa.close()
