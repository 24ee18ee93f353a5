"""The staff admin console in a real browser: Debian's headless Chromium via Playwright.

The console needs only the gateway (no Rasa, no model), so these tests start a private gateway
alone on a fresh SQLite demo bank. Fraud staff sign in, write a warning (first with mistakes),
preview it, publish it and watch its delivery counts change on the open page as the texts are
delivered; they review a scam intervention and release a held payment. Every page is checked
with axe-core (WCAG 2.0/2.1/2.2 A and AA), for AAA contrast, 44 px targets, 20 px text, reflow
at 200% zoom and 320 px, and visible focus. Screenshots of every page are saved under
test-artifacts/screenshots/admin-*.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import update

from assistant.bank import banking_service
from assistant.db import migrate, session_factory, utcnow
from assistant.demo import MARGARET_PHONE, RAVI_PHONE, seed_demo_bank
from assistant.messaging.models import OutboxMessage
from assistant.money import Money
from assistant.processes import Stack, isolated_environment, services
from assistant.settings import Settings
from fraud.models import ScamIntervention
from tests.e2e import browser as web

pytestmark = pytest.mark.e2e

SCRIPT = "<script>window.hacked = 1</script>"


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The gateway alone, on a fresh demo bank (local http: cookies not Secure-only; the
    status page asks for its numbers every second)."""
    env = isolated_environment(
        tmp_path_factory.mktemp("admin-stack"),
        ASSISTANT_COOKIE_SECURE="false",
        ASSISTANT_ADMIN_STATUS_POLL_SECONDS="1",
    )
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings = Settings()
        migrate(settings.bank_database_url)
        seed_demo_bank(session_factory(settings.bank_database_url))
        gateway = [s for s in services(settings, Path("no-model")) if s.name == "gateway"]
        with Stack(settings, parts=gateway) as stack:
            yield stack


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = web.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, admin_stack: Stack) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=admin_stack.settings.gateway_url, viewport=web.DESKTOP, locale="en-US"
    )
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


# ---- the bank's side, read and written as the services would ---------------------------------


def _sessions(stack: Stack):  # noqa: ANN202 - a sessionmaker
    return session_factory(stack.settings.bank_database_url)


def _bank(stack: Stack):  # noqa: ANN202 - the banking service
    return banking_service(_sessions(stack), stack.settings)


def customer_id(stack: Stack, phone: str = MARGARET_PHONE) -> int:
    return _bank(stack).find_customer_by_phone(phone).id


def held_payment(stack: Stack, key: str, dollars: int = 300) -> int:
    """Margaret pays Tom more than her co-sign amount: the payment waits (its id)."""
    bank = _bank(stack)
    customer = customer_id(stack)
    (tom,) = bank.resolve_payee(customer, "Tom")
    receipt = bank.pay_payee(customer, "checking", tom.id, Money(dollars * 100, "USD"), key)
    assert receipt.held
    (hold,) = [h for h in bank.list_holds(customer) if h.reference == receipt.reference]
    return hold.id


def intervention(stack: Stack, hold_id: int | None = None) -> int:
    """A scam intervention as the scam checks record it (its id)."""
    row = ScamIntervention(
        customer_id=customer_id(stack),
        at=utcnow(),
        channel="voice",
        signals=["safe_account", "told_by_caller", "new_payee"],
        scam="safe_account",
        amount_minor=30000 if hold_id else None,
        currency="USD" if hold_id else None,
        held_payment_id=hold_id,
        action="held" if hold_id else "warned",
    )
    with _sessions(stack)() as session, session.begin():
        session.add(row)
        session.flush()
        return row.id


def deliver_all(stack: Stack) -> None:
    """Every queued text and call of every warning is reported delivered (as Twilio would)."""
    with _sessions(stack)() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.batch.like("broadcast:%"))
            .values(status="sent", delivery_status="delivered")
            .execution_options(synchronize_session=False)
        )


# ---- steps -----------------------------------------------------------------------------------


def h1(page: Page):  # noqa: ANN201 - a Playwright Locator
    return page.get_by_role("heading", level=1)


FRAUDOPS = ("fraudops", "fraudops-demo")  # the demo's fraud-operations login


def sign_in(page: Page, username: str = FRAUDOPS[0], password: str = FRAUDOPS[1]) -> None:
    page.goto("/admin")
    expect(h1(page)).to_have_text("Sign in to the staff console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(h1(page)).to_have_text("Staff console")


def fill_warning(page: Page, title: str) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Automated call script", exact=True).fill(
        "Scammers are phoning and saying your money is not safe. We never ask you to move it."
    )
    page.get_by_label("Text message", exact=True).fill(
        f"Kindly Bank: we never ask you to move money to a safe account. {SCRIPT}"
    )
    page.get_by_label("Web banner", exact=True).fill(
        "Scam warning: we never ask you to move money."
    )
    page.get_by_label("Conversation opener", exact=True).fill(
        "People are phoned by someone who says their money is not safe."
    )
    page.get_by_label("Everyone", exact=True).check()


# ---- fraud staff publish a warning and watch it go out ----------------------------------------


def test_fraud_staff_write_preview_publish_and_watch_a_warning_go_out(
    page: Page, admin_stack: Stack
) -> None:
    sign_in(page)
    assert any(c["name"] == "kb_staff" for c in page.context.cookies())
    page.get_by_role("link", name="Scam warnings").click()
    page.get_by_role("link", name="Write a new warning").click()
    expect(h1(page)).to_have_text("Write a warning")
    page.get_by_role("button", name="Save as a draft").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Give the warning a title.")
    summary.get_by_role("link", name="Give the warning a title.").click()
    expect(page.get_by_label("Title", exact=True)).to_be_focused()

    fill_warning(page, f"Safe account calls {SCRIPT}")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.locator("main")).to_contain_text("The warning is saved as a draft.")
    expect(h1(page)).to_have_text(f"Safe account calls {SCRIPT}")  # shown, never run
    assert page.evaluate("() => window.hacked") is None
    expect(page.locator("#medium-sms_text")).to_contain_text(SCRIPT)
    expect(page.locator("main")).to_contain_text("1 SMS segment, GSM-7")
    expect(page.locator("main")).to_contain_text("2 customers")

    page.get_by_role("link", name="Publish it").click()
    expect(h1(page)).to_have_text("Publish this warning?")
    second_tab = page.context.new_page()  # the same confirmation, open in another tab
    second_tab.goto(page.url)
    page.get_by_role("button", name="Yes, publish it now").click()
    expect(h1(page)).to_have_text("Delivery of the warning")
    expect(page.locator('[data-count="queued"]')).to_have_text("2")
    expect(page.locator('[data-count="delivered"]')).to_have_text("0")
    deliver_all(admin_stack)  # the page is not reloaded: its script asks again
    expect(page.locator('[data-count="delivered"]')).to_have_text("2", timeout=15_000)
    expect(page.locator('[data-count="queued"]')).to_have_text("0")
    expect(page.locator("[data-progress]")).to_have_text("Finished: nothing more will be sent.")

    second_tab.get_by_role("button", name="Yes, publish it now").click()  # nothing changes
    expect(second_tab.locator("main")).to_contain_text("was already published by fraudops")
    expect(second_tab.locator('[data-count="delivered"]')).to_have_text("2")
    expect(second_tab.locator('[data-count="queued"]')).to_have_text("0")


def test_fraud_staff_release_a_held_payment_once_and_review_its_intervention(
    page: Page, admin_stack: Stack
) -> None:
    hold_id = held_payment(admin_stack, "admin-e2e-release")
    found = intervention(admin_stack, hold_id)
    bank = _bank(admin_stack)
    before = bank.get_account(customer_id(admin_stack), "checking").balance.minor
    sign_in(page)
    page.get_by_role("link", name="Held payments", exact=True).first.click()
    expect(page.locator("main")).to_contain_text("$300.00 to Tom from Margaret Chen")
    page.goto(f"/admin/held-payments/{hold_id}")
    page.get_by_label("Why you release it (optional)").fill("Called Margaret; she confirmed.")
    page.get_by_role("button", name="Release this payment").click()
    expect(page.locator("main")).to_contain_text("You released the payment.")
    after = bank.get_account(customer_id(admin_stack), "checking").balance.minor
    assert after == before - 30000
    page.go_back()
    if page.get_by_role("button", name="Release this payment").count():
        page.get_by_role("button", name="Release this payment").click()
        expect(page.locator("main")).to_contain_text("already ended before your release")
    assert bank.get_account(customer_id(admin_stack), "checking").balance.minor == after

    page.goto(f"/admin/interventions/{found}")
    expect(page.locator("main")).to_contain_text("The payment was released")
    page.get_by_label("Your review note").fill(f"A real safe-account scam {SCRIPT}")
    page.get_by_role("button", name="Save the review note").click()
    expect(page.locator("main")).to_contain_text("Your review note is saved.")
    expect(page.locator("main")).to_contain_text(SCRIPT)
    assert page.evaluate("() => window.hacked") is None


def test_an_agent_signs_in_but_is_refused_the_fraud_pages(page: Page) -> None:
    sign_in(page, "agent1", "agent1-demo")
    expect(page.locator("main")).to_contain_text("does not open the warnings")
    response = page.goto("/admin/warnings")
    assert response is not None and response.status == 403
    expect(h1(page)).to_have_text("You cannot use this page")


# ---- every page: axe-core, reflow, targets, text, focus, landmarks, screenshots -------------


@pytest.fixture(scope="module")
def reports(chromium: Browser, admin_stack: Stack) -> list[web.PageReport]:
    """Visit every page of the console once and examine each."""
    context = chromium.new_context(
        base_url=admin_stack.settings.gateway_url, viewport=web.DESKTOP, locale="en-US"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    found: list[web.PageReport] = []

    def look(name: str, heading: str | None = None) -> None:
        if heading is not None:
            expect(h1(page)).to_have_text(heading)
        found.append(web.examine(page, f"admin-{name}"))

    try:
        page.goto("/admin/sign-in")
        look("sign-in", "Sign in to the staff console")
        page.get_by_label("Username").fill("fraudops")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("sign-in-error")
        page.get_by_label("Password").fill("fraudops-demo")
        page.get_by_role("button", name="Sign in").click()
        look("home", "Staff console")
        page.goto("/admin/help")
        look("help", "Get help")

        page.goto("/admin/warnings/new")
        look("warning-new", "Write a warning")
        page.get_by_label("Text message", exact=True).fill("Call us now. " * 50)
        page.get_by_role("button", name="Save as a draft").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("warning-errors")
        fill_warning(page, "Gift card scam")
        page.get_by_label("Only the groups chosen below", exact=True).check()
        page.get_by_label("Text messages", exact=True).check()
        page.get_by_label("Everyone", exact=True).check()
        page.get_by_role("button", name="Save as a draft").click()
        look("warning-preview", "Gift card scam")
        preview = page.url
        page.get_by_role("link", name="Change the warning").first.click()
        look("warning-edit", "Change the warning")
        page.goto(f"{preview}/publish")
        look("warning-publish", "Publish this warning?")
        page.get_by_role("button", name="Yes, publish it now").click()
        look("warning-status", "Delivery of the warning")
        page.goto("/admin/warnings")
        look("warnings", "Scam warnings")
        page.goto(f"{preview}/cancel")
        look("warning-cancel", "Cancel this warning?")

        hold_id = held_payment(admin_stack, "admin-e2e-reports", dollars=250)
        intervention(admin_stack, hold_id)
        intervention(admin_stack)
        page.goto("/admin/interventions")
        look("interventions", "Scam interventions")
        page.get_by_role("link", name="Review").first.click()
        look("intervention", "Review a scam intervention")
        page.get_by_role("button", name="Save the review note").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("intervention-error")
        page.goto("/admin/held-payments")
        look("held-payments", "Held payments waiting")
        page.goto(f"/admin/held-payments/{hold_id}")
        look("held-payment", "Release a held payment")
        page.goto("/admin/nothing-here")
        look("not-found", "Page not found")
        page.get_by_role("button", name="Sign out").click()
        look("signed-out", "Sign in to the staff console")
        page.get_by_label("Username").fill("agent1")
        page.get_by_label("Password").fill("agent1-demo")
        page.get_by_role("button", name="Sign in").click()
        look("agent-home", "Staff console")
        page.goto("/admin/interventions")
        look("agent-refused", "You cannot use this page")
    finally:
        context.close()
    return found


def test_axe_core_finds_no_wcag_a_or_aa_violation_on_any_console_page(
    reports: list[web.PageReport],
) -> None:
    assert len(reports) >= 20, [r.name for r in reports]
    problems = web.failures(reports, "axe")
    assert not problems, "axe-core (WCAG 2.0/2.1/2.2 A and AA) violations:\n" + problems


def test_console_text_contrast_reaches_aaa(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "contrast_aaa")
    assert not problems, "contrast below 7:1 (axe color-contrast-enhanced):\n" + problems


def test_no_console_page_scrolls_sideways_at_200_percent_zoom_or_320px(
    reports: list[web.PageReport],
) -> None:
    problems = web.failures(reports, "overflow")
    assert not problems, problems


def test_every_console_target_is_at_least_44_by_44_css_px(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "small_targets")
    assert not problems, "targets smaller than 44x44 CSS px:\n" + problems


def test_all_console_text_is_at_least_20px(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "small_text")
    assert not problems, "text smaller than 20px:\n" + problems


def test_keyboard_focus_is_visible_on_every_console_stop(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "invisible_focus")
    unreachable = [r.name for r in reports if r.focus_stops < 3]
    assert not unreachable, f"Tab reaches fewer than 3 elements on {unreachable}"
    assert not problems, "focus changes nothing on screen:\n" + problems


def test_every_console_page_has_lang_skip_link_main_one_h1_and_help_in_the_same_place(
    reports: list[web.PageReport],
) -> None:
    problems = []
    for report in reports:
        marks = report.landmarks
        if marks["lang"] != "en":
            problems.append(f"{report.name}: <html lang={marks['lang']!r}>")
        if marks["skip"] != "Skip to main content" or not marks["skipFirst"]:
            problems.append(f"{report.name}: skip link {marks['skip']!r}")
        if not marks["main"] or len(marks["h1"]) != 1:
            problems.append(f"{report.name}: main {marks['main']}, h1s {marks['h1']}")
        if marks["help"] != "/admin/help" or not marks["helpInHeader"]:
            problems.append(f"{report.name}: 'Get help' link {marks['help']!r}")
    places = {tuple(r.landmarks["helpBox"] or ()) for r in reports}
    if len(places) != 1:
        problems.append(
            "'Get help' moves between pages: "
            + ", ".join(f"{r.name} {r.landmarks['helpBox']}" for r in reports)
        )
    assert not problems, "\n".join(problems)


def test_ravi_is_a_customer_the_console_never_signs_in(page: Page) -> None:
    """A customer's phone number and PIN are not a staff login."""
    page.goto("/admin/sign-in")
    page.get_by_label("Username").fill(RAVI_PHONE)
    page.get_by_label("Password").fill("1357")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text("The username or password is not right.")
