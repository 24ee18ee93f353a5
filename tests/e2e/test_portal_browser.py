"""The helper portal in a real browser: Debian's headless Chromium via Playwright.

The portal needs only the gateway (no Rasa, no model), so these tests start a private gateway
alone on a fresh SQLite demo bank. Linda signs in with the code the bank texted her (read from
the outbox, where the worker would pick it up), answers a payment Margaret made, and every page
is checked with axe-core (WCAG 2.0/2.1/2.2 A and AA), for AAA contrast, 44 px targets, 20 px
text, reflow at 200% zoom and 320 px, and visible focus. Screenshots of every page are saved
under test-artifacts/screenshots/portal-*.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from assistant.bank import banking_service
from assistant.db import migrate, session_factory
from assistant.demo import LINDA_PHONE, MARGARET_PHONE, seed_demo_bank
from assistant.messaging.models import OutboxMessage
from assistant.money import Money
from assistant.processes import Stack, isolated_environment, services
from assistant.settings import Settings
from tests.e2e import browser as web

pytestmark = pytest.mark.e2e

SON = "+15550100077"
HOME_H1 = "People you help"
_CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(scope="module")
def portal_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The gateway alone, on a fresh demo bank (local http: cookies not Secure-only; the
    per-number code cap out of the way, one browser signs Linda in several times)."""
    env = isolated_environment(
        tmp_path_factory.mktemp("portal-stack"),
        ASSISTANT_COOKIE_SECURE="false",
        ASSISTANT_HELPER_CODES_PER_NUMBER_PER_HOUR="50",
        ASSISTANT_HELPER_CODES_PER_ADDRESS_PER_HOUR="100",
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
def page(chromium: Browser, portal_stack: Stack) -> Iterator[Page]:
    context = chromium.new_context(
        base_url=portal_stack.settings.gateway_url, viewport=web.DESKTOP, locale="en-US"
    )
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


# ---- the bank's side, read and written as the services would ---------------------------------


def _bank(stack: Stack):  # noqa: ANN202 - the banking service
    return banking_service(session_factory(stack.settings.bank_database_url), stack.settings)


def _family(stack: Stack):  # noqa: ANN202 - FamilyLinks
    from family.links.service import FamilyLinks

    return FamilyLinks(session_factory(stack.settings.bank_database_url), stack.settings)


def last_code(stack: Stack, phone: str) -> str:
    with session_factory(stack.settings.bank_database_url)() as session:
        body = (
            session.execute(
                select(OutboxMessage.body)
                .where(OutboxMessage.to_phone == phone)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
    (code,) = _CODE.findall(body or "")
    return code


def margaret_id(stack: Stack) -> int:
    return _bank(stack).find_customer_by_phone(MARGARET_PHONE).id


def checking(stack: Stack) -> int:
    bank = _bank(stack)
    return bank.get_account(margaret_id(stack), "checking").balance.minor


def held_payment(stack: Stack, key: str, dollars: int = 300) -> int:
    """Margaret pays Tom more than her co-sign amount: the payment waits (its id)."""
    bank = _bank(stack)
    customer = margaret_id(stack)
    (tom,) = bank.resolve_payee(customer, "Tom")
    receipt = bank.pay_payee(customer, "checking", tom.id, Money(dollars * 100, "USD"), key)
    assert receipt.held
    (hold,) = [h for h in bank.list_holds(customer) if h.reference == receipt.reference]
    return hold.id


# ---- steps -----------------------------------------------------------------------------------


def h1(page: Page):  # noqa: ANN201 - a Playwright Locator
    return page.get_by_role("heading", level=1)


def sign_in(page: Page, stack: Stack, phone: str = LINDA_PHONE, code: str | None = None) -> None:
    """Sign in with the code texted for it (or ``code``, an invitation's)."""
    page.goto("/helper")
    expect(h1(page)).to_have_text("Sign in as a helper")
    page.get_by_label("Your mobile phone number").fill(phone)
    page.get_by_role("button", name="Text me a code").click()
    expect(h1(page)).to_have_text("Enter your code")
    page.get_by_label("Code").fill(code or last_code(stack, phone))
    page.get_by_role("button", name="Sign in").click()
    expect(h1(page)).to_have_text(HOME_H1)


# ---- Linda approves Margaret's payment (runs first: exact amounts) ---------------------------


def test_linda_signs_in_with_a_texted_code_and_approves_a_300_payment_once(
    page: Page, portal_stack: Stack
) -> None:
    before = checking(portal_stack)
    assert before == 125000, "needs a fresh stack: run this test first"
    hold_id = held_payment(portal_stack, "portal-e2e-1")
    sign_in(page, portal_stack)
    assert any(c["name"] == "kb_helper" for c in page.context.cookies())
    assert not any(c["name"] == "kb_session" for c in page.context.cookies())

    page.get_by_role("link", name="Payments of Margaret Chen to approve").click()
    expect(page.locator("main")).to_contain_text("$300.00 to Tom")
    page.get_by_role("link", name=re.compile(r"Approve or decline")).click()
    expect(h1(page)).to_have_text("A payment waits for your answer")
    expect(page.locator("main")).to_contain_text("asks a helper to approve payments over $200.00")
    page.get_by_label("Approve it").check()
    page.get_by_label("A note about your answer (optional)").fill("She told me about it")
    assert checking(portal_stack) == before, "money moved before the answer"
    page.get_by_role("button", name="Send my answer").click()

    expect(h1(page)).to_have_text("This payment is not waiting any more")
    expect(page.locator("main")).to_contain_text("You approved this payment.")
    assert checking(portal_stack) == before - 30000
    assert _bank(portal_stack).get_hold(hold_id).status == "released"
    page.go_back()  # the form again, sent a second time: the money does not move twice
    if page.get_by_role("button", name="Send my answer").count():
        page.get_by_label("Approve it").check()
        page.get_by_role("button", name="Send my answer").click()
    assert checking(portal_stack) == before - 30000

    page.goto(f"/helper/customers/{margaret_id(portal_stack)}/balance")
    expect(page.locator("main")).to_contain_text("$950.00")


def test_a_removed_helpers_open_page_loses_access_on_the_next_request(
    page: Page, portal_stack: Stack
) -> None:
    family = _family(portal_stack)
    customer = margaret_id(portal_stack)
    result = family.invite(customer, "Sam", SON, {"view_balance"}, channel="web")
    assert result.sent
    sign_in(page, portal_stack, SON, code=last_code(portal_stack, SON))
    expect(page.locator("main")).to_contain_text("Margaret Chen has not confirmed you yet.")
    (pending,) = family.pending_confirmations(customer)
    assert family.confirm_helper(customer, pending.link_id, True, "web")
    page.reload()
    page.get_by_role("link", name="Balance of Margaret Chen").click()
    expect(page.locator("main")).to_contain_text("$")
    assert family.remove_helper(customer, pending.link_id, "voice")
    page.reload()
    expect(h1(page)).to_have_text("Page not found")
    assert "$" not in page.inner_text("main")


# ---- every page: axe-core, reflow, targets, text, focus, landmarks, screenshots -------------


@pytest.fixture(scope="module")
def reports(chromium: Browser, portal_stack: Stack) -> list[web.PageReport]:
    """Visit every page of the portal once and examine each."""
    context = chromium.new_context(
        base_url=portal_stack.settings.gateway_url, viewport=web.DESKTOP, locale="en-US"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    found: list[web.PageReport] = []

    def look(name: str, heading: str | None = None) -> None:
        if heading is not None:
            expect(h1(page)).to_have_text(heading)
        found.append(web.examine(page, f"portal-{name}"))

    customer = margaret_id(portal_stack)
    base = f"/helper/customers/{customer}"
    try:
        page.goto("/helper/sign-in")
        look("sign-in", "Sign in as a helper")
        page.get_by_role("button", name="Text me a code").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("sign-in-error")
        page.get_by_label("Your mobile phone number").fill(LINDA_PHONE)
        page.get_by_role("button", name="Text me a code").click()
        look("code", "Enter your code")
        page.get_by_label("Code").fill("12")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("code-error")
        page.get_by_label("Code").fill(last_code(portal_stack, LINDA_PHONE))
        page.get_by_role("button", name="Sign in").click()
        look("home", HOME_H1)

        ravi = _bank(portal_stack).find_customer_by_phone("+15550100002").id
        _family(portal_stack).invite(ravi, "Linda", LINDA_PHONE, channel="sms")
        page.reload()
        expect(page.locator("main")).to_contain_text("Ravi Kumar has asked you to help.")
        look("home-invitation", HOME_H1)
        hold_id = held_payment(portal_stack, "portal-e2e-reports", dollars=250)
        page.goto(f"{base}/balance")
        look("balance", "Balance of Margaret Chen")
        page.goto(f"{base}/alerts")
        look("alerts", "Alerts about Margaret Chen")
        page.goto(f"{base}/approvals")
        look("approvals", "Payments of Margaret Chen to approve")
        page.goto(f"{base}/approvals/{hold_id}")
        look("approval", "A payment waits for your answer")
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        look("approval-error")
        page.get_by_label("Decline it").check()
        page.get_by_role("button", name="Send my answer").click()
        look("approval-answered", "This payment is not waiting any more")
        page.goto(f"{base}/leave")
        look("leave", "Stop helping Margaret Chen?")
        page.goto("/helper/activity")
        look("activity", "What you have seen and done")
        page.goto("/helper/help")
        look("help", "Get help")
        page.goto(f"{base}/payments")
        look("not-found", "Page not found")
    finally:
        context.close()
    return found


def test_axe_core_finds_no_wcag_a_or_aa_violation_on_any_portal_page(
    reports: list[web.PageReport],
) -> None:
    assert len(reports) >= 15, [r.name for r in reports]
    problems = web.failures(reports, "axe")
    assert not problems, "axe-core (WCAG 2.0/2.1/2.2 A and AA) violations:\n" + problems


def test_portal_text_contrast_reaches_aaa(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "contrast_aaa")
    assert not problems, "contrast below 7:1 (axe color-contrast-enhanced):\n" + problems


def test_no_portal_page_scrolls_sideways_at_200_percent_zoom_or_320px(
    reports: list[web.PageReport],
) -> None:
    problems = web.failures(reports, "overflow")
    assert not problems, problems
    assert len(list(web.SCREENSHOTS.glob("portal-*.png"))) >= 3 * len(reports)


def test_every_portal_target_is_at_least_44_by_44_css_px(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "small_targets")
    assert not problems, "targets smaller than 44x44 CSS px:\n" + problems


def test_all_portal_text_is_at_least_20px(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "small_text")
    assert not problems, "text smaller than 20px:\n" + problems


def test_keyboard_focus_is_visible_on_every_portal_stop(reports: list[web.PageReport]) -> None:
    problems = web.failures(reports, "invisible_focus")
    unreachable = [r.name for r in reports if r.focus_stops < 3]
    assert not unreachable, f"Tab reaches fewer than 3 elements on {unreachable}"
    assert not problems, "focus changes nothing on screen:\n" + problems


def test_every_portal_page_has_lang_skip_link_main_one_h1_and_help_in_the_same_place(
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
        if marks["help"] != "/helper/help" or not marks["helpInHeader"]:
            problems.append(f"{report.name}: 'Get help' link {marks['help']!r}")
    places = {tuple(r.landmarks["helpBox"] or ()) for r in reports}
    if len(places) != 1:
        problems.append(
            "'Get help' moves between pages: "
            + ", ".join(f"{r.name} {r.landmarks['helpBox']}" for r in reports)
        )
    assert not problems, "\n".join(problems)


def test_keyboard_alone_answers_a_payment(page: Page, portal_stack: Stack) -> None:
    """Tab, Space, the arrow keys and Enter; never the mouse."""
    hold_id = held_payment(portal_stack, "portal-e2e-keys", dollars=210)
    sign_in(page, portal_stack)
    page.goto(f"/helper/customers/{margaret_id(portal_stack)}/approvals/{hold_id}")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id === 'decision'"):
            break
    else:
        raise AssertionError("Tab never reached the answer")
    page.keyboard.press("ArrowDown")  # the second choice: decline
    assert page.evaluate("() => document.activeElement.value") == "decline"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.innerText.trim() === 'Send my answer'"):
            break
    page.keyboard.press("Enter")
    expect(h1(page)).to_have_text("This payment is not waiting any more")
    expect(page.locator("main")).to_contain_text("You declined this payment.")
    assert _bank(portal_stack).get_hold(hold_id).status == "declined"
