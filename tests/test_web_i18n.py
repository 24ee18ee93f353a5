"""Every word on the web pages comes from the Babel catalogue of the request's language: no text
outside ``{% trans %}``/``_()`` in a template or in the web's Python code, the catalogue is up to
date with the sources, a second catalogue with a marker word reaches every page, and two
customers with two languages never see each other's words."""

from __future__ import annotations

import ast
import gettext as gettext_module
import os
import re
import shutil
import threading
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from jinja2 import nodes
from sqlalchemy import update

from assistant.admin.pages import TEMPLATES as ADMIN_TEMPLATES
from assistant.admin.pages import admin_page_set
from assistant.db import utcnow
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.models import Customer
from assistant.web.flows import parse_amount
from assistant.web.pages import TEMPLATES, customer_page_set
from assistant.webkit.i18n import LOCALE_DIR, Catalogues
from assistant.webkit.pageset import KIT_STATIC, KIT_TEMPLATES
from family.portal.pages import TEMPLATES as PORTAL_TEMPLATES
from family.portal.pages import portal_page_set
from tests.family_support import NIECE, SON
from tests.web_support import (
    RAVI_PIN,
    Browser,
    WebApp,
    family_of,
    fill_drafts,
    linda_link_id,
    make_web_app,
)

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "assistant" / "web"
KIT = ROOT / "assistant" / "webkit"
PORTAL = ROOT / "family" / "portal"
ADMIN = ROOT / "assistant" / "admin"
MARKER = "XQX"
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "N_"}
# Attributes whose words a customer sees or hears (web.js shows and speaks data-*-text/status).
WORD_ATTRIBUTES = re.compile(r"^(aria-label|alt|title|placeholder|data-[a-z]+-(text|status))$")
LETTERS = re.compile(r"[^\W\d_]")
MONTHS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)


# ---- the sources: no words outside the catalogue ---------------------------------------------


PAGE_SETS = {
    "web": lambda: customer_page_set(owns=lambda path: True),
    "helper": portal_page_set,
    "admin": admin_page_set,
}


def _template_words(name: str) -> Tuple[List[str], List[str]]:
    """The words of ``name`` ("<page set>:<template>") outside the catalogue: (HTML text and
    word attributes, string constants that read like words)."""
    page_set, name = name.split(":", 1)
    environment = PAGE_SETS[page_set]().environment()
    source = environment.loader.get_source(environment, name)[0]  # type: ignore[union-attr]
    parts: List[str] = []
    constants: List[str] = []

    def walk(node: nodes.Node) -> None:
        if isinstance(node, nodes.Call) and getattr(node.node, "name", None) in GETTEXT:
            return  # in the catalogue
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            value = node.value.strip()
            if LETTERS.search(value) and (re.search(r"[A-Z]", value) or " " in value):
                constants.append(node.value)
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    parts.append(child.data)
                else:
                    parts.append("\x00")  # a value: not a word of the template
                    walk(child)
            return
        for child in node.iter_child_nodes():
            walk(child)

    walk(environment.parse(source))
    return _html_words("".join(parts)), constants


class _Words(HTMLParser):
    """Text nodes and word attributes of an HTML page (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: List[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Any]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and WORD_ATTRIBUTES.match(name):
                self.found.append(f"{tag}[{name}]={value}")
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.found.append(f"input[value]={attributes.get('value') or ''}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append(" ".join(data.split()))


def _html_words(html: str) -> List[str]:
    parser = _Words()
    parser.feed(html)
    return [words for words in parser.found if LETTERS.search(words.split("=", 1)[-1])]


def _templates() -> List[str]:
    """Every template of the customer pages, of the helper portal, of the admin console and of
    the kit, as "<page set>:<the name the pages load it by>"."""
    names = []
    folders = (("web", TEMPLATES), ("helper", PORTAL_TEMPLATES), ("admin", ADMIN_TEMPLATES))
    for page_set, folder in folders:
        names += [f"{page_set}:{p.relative_to(folder).as_posix()}" for p in folder.rglob("*.html")]
    kit = [path.relative_to(KIT_TEMPLATES) for path in KIT_TEMPLATES.rglob("*.html")]
    return sorted(names + [f"web:{path.as_posix()}" for path in kit])


def test_the_checks_cover_the_kits_and_the_portals_templates_too() -> None:
    names = set(_templates())
    assert {"web:kit/base.html", "web:kit/_macros.html", "web:kit/problem.html"} <= names
    assert {"helper:home.html", "helper:approval.html", "helper:sign_in_code.html"} <= names
    assert {"admin:layout.html", "admin:problem.html", "admin:held_payment.html"} <= names


@pytest.mark.parametrize("name", _templates())
def test_every_word_in_a_template_is_inside_trans_or_gettext(name: str) -> None:
    text, constants = _template_words(name)
    assert text == [], f"{name}: words outside {{% trans %}}: {text}"
    assert constants == [], f"{name}: words outside _(): {constants}"


def test_the_template_check_finds_a_word_outside_the_catalogue() -> None:
    found = _html_words('<p class="lead">Hello</p><b aria-label="Help">\x00</b><i>\x00</i>')
    assert found == ["Hello", "b[aria-label]=Help"]


def _python_words(path: Path) -> List[str]:
    """String constants in ``path`` that read like a sentence for a person, outside gettext
    calls, docstrings, log calls and exceptions (words for developers)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: Set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.Raise):
            skipped.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func, "value", None)
            is_log = isinstance(owner, ast.Name) and owner.id in ("log", "logging")
            if name in GETTEXT or is_log:
                for inner in ast.walk(node):
                    skipped.add(id(inner))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and re.search(r"[A-Za-z]+ [a-z]+", node.value)
    ]


@pytest.mark.parametrize(
    "path",
    [
        *sorted(WEB.glob("*.py")),
        *sorted(KIT.glob("*.py")),
        *sorted(PORTAL.glob("*.py")),
        *sorted(ADMIN.glob("*.py")),
    ],
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_the_web_python_code_builds_no_sentence_outside_the_catalogue(path: Path) -> None:
    assert _python_words(path) == []


def test_web_js_shows_and_speaks_only_words_the_page_gives_it() -> None:
    """The script's words come from the page (data-*-text/status attributes, from the
    catalogue, checked with every page above); its own strings are names, not sentences."""
    script = (KIT_STATIC / "web.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    strings = re.findall(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'', code)
    literals = [
        double or single for double, single in strings if "use strict" not in (double, single)
    ]
    assert "data-show-text" in literals and "data-start-text" in literals
    assert [text for text in literals if re.search(r"[A-Za-z]\s+[A-Za-z]", text)] == []


def _extracted(tmp_path: Path) -> Any:
    pot = tmp_path / "extracted.pot"
    CommandLineInterface().run(
        ["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot), str(ROOT)]
    )
    with pot.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Any) -> Set[Any]:
    return {message.id for message in catalog if message.id}


def test_the_catalogue_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        kept = _ids(read_po(handle))
    extracted = _ids(_extracted(tmp_path))
    assert extracted - kept == set(), "run pybabel extract (see babel.cfg) and update"
    assert kept - extracted == set(), "messages no source uses any more"
    assert len(kept) > 150


@pytest.mark.parametrize("language", Catalogues().languages())
def test_every_catalogue_has_every_message_of_the_template(language: str) -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        wanted = _ids(read_po(handle))
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    assert _ids(catalog) == wanted
    assert not catalog.obsolete


# ---- a second catalogue with a marker word reaches every page -----------------------------------


def _marked(msgstr: str) -> str:
    """Every run of text in ``msgstr`` (between HTML tags) starts with the marker."""
    return re.sub(r"(^|>)([^<]*[^\W\d_][^<]*)", lambda m: f"{m[1]}{MARKER} {m[2]}", msgstr)


def _marker_catalogues(directory: Path, language: str) -> Catalogues:
    """The real catalogues copied to ``directory``, plus ``language``: the English source text
    with the marker before every run of words; compiled with pybabel compile."""
    shutil.copytree(LOCALE_DIR, directory, dirs_exist_ok=True)
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(_marked(text) for text in message.id)
        else:
            message.string = _marked(message.id)
    target = directory / language / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
    CommandLineInterface().run(
        ["pybabel", "--quiet", "compile", "-d", str(directory), "-l", language, "-D", "messages"]
    )
    assert (target / "messages.mo").is_file()
    return Catalogues(directory)


def _data(web: WebApp) -> List[str]:
    """What the demo bank's data (names, payments) and the conversation (what was typed, what
    the assistant answered: Rasa's own catalogue) put on the pages."""
    bank = web.bank
    found = ["Margaret", "Ravi", "1-800-555-0199", "You said: hello there", "hello there"]
    found += ["Margaret Chen", "Ravi Kumar", "Linda Chen", "Sam", "Nia"]  # helpers' people
    for phone in (MARGARET_PHONE, RAVI_PHONE):
        customer_id = web.customer_id(phone)
        for payee in bank.list_payees(customer_id):
            found += [payee.name, payee.relationship or ""]
        for item in bank.recent_transactions(customer_id, limit=10):
            found += [item.account_name or "", item.counterparty or ""]
    return sorted({words for words in found if words}, key=len, reverse=True)


def _unmarked(html: str, data: List[str]) -> List[str]:
    """The page's words (text nodes, word attributes) that do not carry the marker."""
    missing = []
    for words in _html_words(html):
        if MARKER in words:
            continue
        rest = words.split("=", 1)[-1] if "]=" in words else words
        for value in data:
            rest = rest.replace(value, "")
        rest = MONTHS.sub("", re.sub(r"\S*\d\S*", "", rest))
        if LETTERS.search(rest):
            missing.append(words)
    return missing


def _set_locale(web: WebApp, phone: str, locale: str) -> None:
    with web.sessions() as session, session.begin():
        session.execute(update(Customer).where(Customer.phone == phone).values(locale=locale))


def _every_page(web: WebApp) -> Iterator[Tuple[str, str]]:
    """(what, html) for every page a customer can see, signed out and in, with errors,
    notices, receipts and error pages."""
    guest = web.browser()
    for path in ("/sign-in", "/help", "/talk", "/send/nothing", "/sign-in?notice=signed-out"):
        yield path, guest.get(path).text
    yield "sign-in errors", guest.sign_in(phone="12", pin="").text
    yield "sign-in failed", guest.sign_in(pin="1111").text
    yield "no CSRF token", guest.post("/sign-in", {"phone": "x"}, csrf="wrong").text

    margaret = web.browser()
    assert margaret.sign_in().status_code == 303
    fill_drafts(web, margaret)
    pages = ["/", "/balance", "/payments", "/ask", "/settings", "/help", "/talk", "/sign-out"]
    for flow in ("/send", "/pay-bill"):
        pages += [flow, f"{flow}/amount", f"{flow}/from", f"{flow}/check", f"{flow}/done/NOPE"]
    for path in pages:
        yield f"signed in {path}", margaret.get(path).text
    yield "amount error", margaret.post("/send/amount", {"amount": "fifty"}).text
    yield "too much", margaret.post("/send/amount", {"amount": "100000"}).text
    yield "recipient error", margaret.post("/send", {"recipient": "nobody"}).text
    yield "from error", margaret.post("/send/from", {"from_account": "nothing"}).text
    yield "ask error", margaret.post("/ask", {"message": ""}).text
    margaret.post("/ask", {"message": "hello there", "message_id": "abcdefgh1"})
    yield "ask after a turn", margaret.get("/ask").text
    margaret.post("/settings", {"text_size": "larger", "read_aloud": "on"})
    yield "settings saved", margaret.get("/settings").text
    margaret.post("/send/confirm", {"payment_key": "expired"})
    yield "payment expired", margaret.get("/send/amount").text
    margaret.post("/send/amount", {"amount": "5"})
    margaret.post("/send/from", {"from_account": "checking"})
    done = margaret.post("/send/confirm", {"payment_key": margaret.payment_key("/send/check")})
    yield "receipt", margaret.get(done.headers["location"]).text
    yield from _held_payment_pages(web, margaret)
    yield from _helper_pages(web, margaret)

    ravi = web.browser()
    assert ravi.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    yield "nobody to send to", ravi.get("/send").text
    bill = web.bank.list_payees(web.customer_id(RAVI_PHONE), "bill")[0]
    ravi.post("/pay-bill", {"recipient": f"payee:{bill.id}"})
    yield "one account", ravi.post("/pay-bill/amount", {"amount": "5000"}).text
    ravi.post("/sign-out", {}, token_from="/")
    yield "signed out", ravi.get("/sign-in?notice=signed-out").text


def _held_payment_pages(web: WebApp, margaret: Browser) -> Iterator[Tuple[str, str]]:
    """A payment above Margaret's co-sign amount: its receipt, the balance, home, waiting
    payments, cancelling it, and receipts of held payments that ended."""
    tom = next(p for p in web.bank.list_payees(web.customer_id()) if p.name == "Tom")
    receipts = []
    for _ in range(2):
        margaret.post("/send", {"recipient": f"payee:{tom.id}"})
        margaret.post("/send/amount", {"amount": "300"})
        margaret.post("/send/from", {"from_account": "checking"})
        key = margaret.payment_key("/send/check")
        receipts.append(margaret.post("/send/confirm", {"payment_key": key}).headers["location"])
    yield "held receipt", margaret.get(receipts[0]).text
    for path in ("/", "/balance", "/waiting"):
        yield f"held {path}", margaret.get(path).text
    first, second = web.bank.list_holds(web.customer_id())
    cancel = f"/waiting/{first.reference}/cancel"
    yield "cancel a held payment", margaret.get(cancel).text
    token = margaret.csrf(cancel)
    margaret.post(cancel, {}, csrf=token)
    yield "held payment cancelled", margaret.get("/waiting").text
    yield "cancelled receipt", margaret.get(receipts[1]).text
    margaret.post(cancel, {}, csrf=token)
    yield "nothing to cancel", margaret.get("/waiting").text
    linda = next(h for h in web.app.state.family.list_helpers(web.customer_id()))
    web.app.state.family.answer_approval(linda.helper_id, second.id, True)
    yield "approved receipt", margaret.get(receipts[0]).text


def _helper_pages(web: WebApp, margaret: Browser) -> Iterator[Tuple[str, str]]:
    """The Helpers pages with a review due, a relative waiting, an open invitation, every
    result of an invitation and the notices after each change."""
    family = family_of(web)
    links = web.app.state.family
    customer = web.customer_id()
    linda = linda_link_id(web)
    helper_id = next(h.helper_id for h in links.list_helpers(customer) if h.link_id == linda)
    links.keep_helper(customer, linda, now=utcnow() - timedelta(days=400))
    links.helper_view_balance(helper_id, customer)
    links.helper_view_payments(helper_id, customer)
    links.helper_alerts(helper_id, customer)
    sam = family.accept(customer, "Sam", SON).accepted.link_id
    pages = ["/helpers", f"/helpers/{sam}/confirm", f"/helpers/{linda}/permissions"]
    pages += [f"/helpers/{linda}/remove", "/helpers/who-looked", "/helpers/invite"]
    for path in pages:
        yield f"helpers {path}", margaret.get(path).text
    confirm = f"/helpers/{sam}/confirm"
    yield "confirm error", margaret.post(confirm, {}, token_from=confirm).text
    margaret.post(confirm, {"answer": "yes"}, token_from=confirm)
    yield "helper confirmed", margaret.get("/helpers").text
    margaret.post(f"/helpers/{linda}/keep", {}, token_from="/helpers")
    yield "helper kept", margaret.get("/helpers").text
    margaret.post(f"/helpers/{linda}/permissions", {"view_balance": "on"})
    yield "permissions saved", margaret.get("/helpers").text
    yield "invite errors", margaret.post("/helpers/invite", {"name": "", "phone": "12"}).text
    margaret.post("/helpers/invite", {"name": "Nia", "phone": NIECE, "receive_alerts": "on"})
    yield "invite check", margaret.get("/helpers/invite/check").text
    for name, phone in (("Nia", NIECE), ("Nia", NIECE), ("Nia", MARGARET_PHONE)):
        margaret.post("/helpers/invite", {"name": name, "phone": phone})
        key = re.search(r'name="key" value="([^"]+)"', margaret.get("/helpers/invite/check").text)
        margaret.post("/helpers/invite/send", {"key": key.group(1)}, token_from="/helpers")
        yield f"invitation to {phone}", margaret.get("/helpers/invite/done").text
    margaret.post("/helpers/invite/send", {"key": "x"}, token_from="/helpers")
    yield "invite after a stale send", margaret.get("/helpers/invite").text
    (invitation,) = links.list_invitations(customer)
    cancel = f"/helpers/invitations/{invitation.id}/cancel"
    yield "cancel an invitation", margaret.get(cancel).text
    margaret.post(cancel, {}, token_from=cancel)
    yield "invitation cancelled", margaret.get("/helpers").text
    margaret.post(f"/helpers/{sam}/remove", {}, token_from="/helpers")
    yield "helper removed", margaret.get("/helpers").text
    web.app.state.opt_outs.opt_out(NIECE)
    margaret.post("/helpers/invite", {"name": "Nia", "phone": NIECE})
    key = re.search(r'name="key" value="([^"]+)"', margaret.get("/helpers/invite/check").text)
    margaret.post("/helpers/invite/send", {"key": key.group(1)}, token_from="/helpers")
    yield "invitation to a number that texted STOP", margaret.get("/helpers/invite/done").text
    margaret.post(f"/helpers/{linda}/remove", {}, token_from="/helpers")
    yield "no helpers", margaret.get("/helpers").text


@pytest.fixture
def marked_web(demo_template: Path, tmp_path: Path) -> Iterator[WebApp]:
    """The web pages with the English catalogue replaced by the marker catalogue."""
    app = make_web_app(demo_template, tmp_path)
    app.app.state.web.catalogues = _marker_catalogues(tmp_path / "locale", "en")
    yield app
    app.close()


def test_a_marker_catalogue_reaches_every_word_on_every_page(marked_web: WebApp) -> None:
    data = _data(marked_web)
    pages = list(_every_page(marked_web))
    assert len(pages) > 35
    for what, html in pages:
        assert f"<title>{MARKER} " in html, what
        assert _unmarked(html, data) == [], what
    # the check can fail: English words without the marker are found
    assert _unmarked("<p>Sign in, Margaret</p>", data) == ["Sign in, Margaret"]


def _every_portal_page(web: WebApp) -> Iterator[Tuple[str, str]]:
    """(what, html) for every page of the helper portal: signing in and its errors, the
    people you help with an invitation and a notice, each customer page, a payment waiting,
    its errors and its answers, leaving, the history, the error pages."""
    from tests.portal_support import (
        LINDA_PHONE,
        SON,
        confirmed_helper,
        family,
        helper_browser,
        hold,
        invite,
    )

    guest = helper_browser(web)
    for path in (
        "/helper/sign-in",
        "/helper/help",
        "/helper/nothing",
        "/helper/sign-in?notice=signed-out",
    ):
        yield path, guest.get(path).text
    yield "phone error", guest.ask_code("12").text
    yield "no CSRF token", guest.post("/helper/sign-in", {"phone": "x"}, csrf="wrong").text
    guest.ask_code(LINDA_PHONE)
    yield "code page", guest.get("/helper/sign-in/code").text
    yield "code error", guest.enter_code("12").text
    yield "wrong code", guest.enter_code("000000").text

    margaret_id, ravi_id = web.customer_id(), web.customer_id(RAVI_PHONE)
    sam = confirmed_helper(web, margaret_id, "Sam", SON, {"approve_payments", "view_payments"})
    yield "sam's payments", sam.get(f"/helper/customers/{margaret_id}/payments").text
    linda = helper_browser(web)
    linda.sign_in(web)
    invite(web, ravi_id, "Linda", LINDA_PHONE)
    held = hold(web, margaret_id)
    base = f"/helper/customers/{margaret_id}"
    page = f"{base}/approvals/{held.id}"
    yield "home with an invitation", linda.get("/helper").text
    yield "invitation code error", linda.post("/helper/invitations", {"code": "1"}).text
    for path in ("balance", "alerts", "approvals", f"approvals/{held.id}", "leave", "payments"):
        yield path, linda.get(f"{base}/{path}").text
    yield "answer error", linda.post(page, {"decision": ""}).text
    linda.post(page, {"decision": "approve"})
    yield "approved", linda.get(page).text
    sam.post(page, {"decision": "decline"})
    yield "already approved", sam.get(page).text
    yield "no payments waiting", linda.get(f"{base}/approvals").text
    yield "alerts after", linda.get(f"{base}/alerts").text
    yield "history", linda.get("/helper/activity").text
    linda.post(f"{base}/leave", {})
    yield "left", linda.get("/helper").text
    yield "accepted", sam.get("/helper").text
    (pending,) = [p for p in family(web).list_helpers(margaret_id) if p.name == "Sam"]
    assert family(web).remove_helper(margaret_id, pending.link_id, "web")
    yield "removed", sam.get("/helper").text
    sam.post("/helper/sign-out", {}, token_from="/helper")
    yield "signed out", sam.get("/helper/sign-in?notice=signed-out").text


def test_a_marker_catalogue_reaches_every_word_on_every_portal_page(
    marked_web: WebApp, tmp_path: Path
) -> None:
    marked_web.app.state.helper.catalogues = marked_web.app.state.web.catalogues
    data = _data(marked_web)
    pages = list(_every_portal_page(marked_web))
    assert len(pages) > 25
    for what, html in pages:
        assert f"<title>{MARKER} " in html, what
        assert _unmarked(html, data) == [], what


def _every_admin_page(web: WebApp) -> Iterator[Tuple[str, str]]:
    """(what, html) for every page of the admin console: signing in and its errors, home for
    fraud staff and for an agent, the role refusal, held payments waiting, releasing one and
    its answers, interventions and a review, the error pages."""
    from tests.admin_support import AGENT, record_intervention, staff_browser
    from tests.portal_support import hold

    guest = staff_browser(web)
    for path in (
        "/admin/sign-in",
        "/admin/help",
        "/admin/nothing",
        "/admin/sign-in?notice=signed-out",
    ):
        yield path, guest.get(path).text
    yield "sign-in errors", guest.sign_in("", "").text
    yield "sign-in failed", guest.sign_in("fraudops", "wrong").text
    yield "no CSRF token", guest.post("/admin/sign-in", {"username": "x"}, csrf="wrong").text
    agent = staff_browser(web).signed_in(*AGENT)
    yield "agent home", agent.get("/admin").text
    yield "agent refused", agent.get("/admin/interventions").text
    staff = staff_browser(web).signed_in()
    margaret = web.customer_id()
    yield "no payments waiting", staff.get("/admin/held-payments").text
    yield "no interventions", staff.get("/admin/interventions").text
    held = hold(web, margaret)
    found = record_intervention(
        web, margaret, held_payment_id=held.id, amount_minor=30000, currency="USD"
    )
    record_intervention(web, margaret, action="warned", signals=[])
    page = f"/admin/held-payments/{held.id}"
    for path in ("/admin", "/admin/held-payments", page, "/admin/interventions"):
        yield path, staff.get(path).text
    yield "release error", staff.post(f"{page}/release", {"note": "1" * 600}, token_from=page).text
    staff.post(f"{page}/release", {}, token_from=page)
    yield "released", staff.get(page).text
    staff.post(f"{page}/release", {}, token_from=page)
    yield "released already", staff.get(page).text
    review = f"/admin/interventions/{found}"
    yield "intervention", staff.get(review).text
    yield "review error", staff.post(f"{review}/review", {"note": ""}, token_from=review).text
    staff.post(f"{review}/review", {"note": "Scam"}, token_from=review)
    yield "reviewed", staff.get(review).text
    yield "interventions reviewed", staff.get("/admin/interventions").text
    yield from _warning_pages(staff)


WARNING_WORDS = ["Safe account calls", "Call us", "We never ask you to move money", "Riverside"]
WARNING_WORDS += ["Hill Valley", "English", "GSM"]


def _warning_pages(staff: Any) -> Iterator[Tuple[str, str]]:
    """The warnings: the list, writing one and its errors, the preview, publishing, the
    status, cancelling, and a warning that reaches nobody."""
    new = "/admin/warnings/new"
    form = {"title": "Safe account calls", "urgency": "high", "audience": "everyone"}
    form.update({name: "We never ask you to move money" for name in TEXT_FIELDS})
    yield "no warnings", staff.get("/admin/warnings").text
    yield "new warning", staff.get(new).text
    yield "warning errors", staff.post(new, {"sms_text": LONG_SMS, "expires_at": "x"}).text
    preview = staff.post(new, form).headers["location"]
    yield "preview", staff.get(preview).text
    yield "edit", staff.get(f"{preview}/edit").text
    yield "publish", staff.get(f"{preview}/publish").text
    staff.post(f"{preview}/publish", {}, token_from=preview)
    yield "status", staff.get(f"{preview}/status").text
    staff.post(f"{preview}/publish", {}, token_from=preview)
    yield "published twice", staff.get(f"{preview}/status").text
    yield "published preview", staff.get(preview).text
    yield "warnings", staff.get("/admin/warnings").text
    yield "cancel", staff.get(f"{preview}/cancel").text
    staff.post(f"{preview}/cancel", {}, token_from=preview)
    yield "cancelled", staff.get(f"{preview}/status").text
    nobody = staff.post(new, {**form, "audience": "segments", "channels": "web"})
    yield "reaches nobody", staff.get(nobody.headers["location"]).text
    refused = staff.post(f"{nobody.headers['location']}/publish", {}, token_from=preview)
    yield "publish refused", refused.text


TEXT_FIELDS = ("voice_text", "sms_text", "banner_text", "opener_text")
LONG_SMS = "Call us " * 90


def _service_words(web: WebApp) -> List[str]:
    """The broadcasts service's problems, worded in its own catalogue (assistant/texts)."""
    from assistant.texts import text
    from fraud.broadcasts.audience import Audience
    from fraud.broadcasts.views import Draft

    problems = web.app.state.broadcasts.check(Draft("", "", LONG_SMS, "", "", Audience()))
    opener = text("warning_opener", "sms", "en", warning="").strip()  # the opener by text
    return [p.message for p in problems] + [
        text("broadcast_audience_nobody", language="en"),
        opener,
    ]


def test_a_marker_catalogue_reaches_every_word_on_every_admin_page(marked_web: WebApp) -> None:
    marked_web.app.state.admin.catalogues = marked_web.app.state.web.catalogues
    data = _data(marked_web) + ["fraudops", "staff:fraudops", "America/New_York", "Scam"]
    data = sorted(data + WARNING_WORDS + _service_words(marked_web), key=len, reverse=True)
    pages = list(_every_admin_page(marked_web))
    assert len(pages) > 35
    for what, html in pages:
        assert f"<title>{MARKER} " in html, what
        assert _unmarked(html, data) == [], what


def test_each_customer_gets_their_own_language_even_when_pages_are_made_at_once(
    web: WebApp, tmp_path: Path
) -> None:
    """Margaret (en_US) and Ravi (a throwaway language "xq") ask for pages at the same time:
    each page is wholly in its customer's language."""
    web.app.state.web.catalogues = _marker_catalogues(tmp_path / "locale", "xq")
    _set_locale(web, RAVI_PHONE, "xq_US")
    data = _data(web)
    margaret, ravi = web.browser(), web.browser()
    assert margaret.sign_in().status_code == 303
    assert ravi.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    paths = ["/", "/balance", "/payments", "/settings", "/help", "/ask", "/pay-bill"]
    results: Dict[str, List[Tuple[str, str]]] = {"margaret": [], "ravi": []}
    start = threading.Barrier(2)

    def browse(who: str, browser: Browser) -> None:
        start.wait()
        for _ in range(3):
            for path in paths:
                results[who].append((path, browser.get(path).text))

    threads = [
        threading.Thread(target=browse, args=("margaret", margaret)),
        threading.Thread(target=browse, args=("ravi", ravi)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results["margaret"]) == len(results["ravi"]) == 3 * len(paths)
    for path, html in results["ravi"]:
        assert '<html lang="xq"' in html, path
        assert _unmarked(html, data) == [], path
    for path, html in results["margaret"]:
        assert '<html lang="en"' in html, path
        assert MARKER not in html, path


def test_a_language_without_a_catalogue_shows_the_english_source_text(tmp_path: Path) -> None:
    words = Catalogues(tmp_path).words("fr_FR")
    assert words.language == "fr"
    assert words.gettext("Hello %(name)s", name="Ana") == "Hello Ana"
    (tmp_path / "inner").mkdir()
    shutil.copytree(LOCALE_DIR, tmp_path / "outside")
    assert Catalogues(tmp_path / "inner").words("../outside/en").translations.__class__ is (
        gettext_module.NullTranslations
    )


def test_a_catalogue_edited_after_compiling_is_read_from_its_po(tmp_path: Path) -> None:
    catalogues = _marker_catalogues(tmp_path / "locale", "xq")
    po = tmp_path / "locale" / "xq" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    po.write_text(po.read_text().replace(f'"{MARKER} Sign in"', '"Signez"'))
    older = mo.stat().st_mtime - 10
    os.utime(mo, (older, older))
    assert catalogues.words("xq").gettext("Sign in") == "Signez"


# ---- money typed the customer's way -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "locale", "minor"),
    [
        ("$1,000", "en_US", 100000),
        ("12.5", "en_US", 1250),
        (".75", "en_US", 75),
        (" 40 ", "en_US", 4000),
        ("$10.00", "en_US", 1000),
        ("1,250.5", "en_US", 125050),
        ("USD 7", "en_US", 700),
        ("1.250,50", "de_DE", 125050),
        ("12,5", "de_DE", 1250),
        ("1\u202f250,50", "fr_FR", 125050),
    ],
)
def test_an_amount_is_read_by_the_customers_locale(typed: str, locale: str, minor: int) -> None:
    money = parse_amount(typed, "USD", locale)
    assert (money.minor, money.currency) == (minor, "USD")
    assert isinstance(money.minor, int)


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("fifty", "en_US"),
        ("12.345", "en_US"),
        ("1e3", "en_US"),
        ("-5", "en_US"),
        ("NaN", "en_US"),
        ("1234567890", "en_US"),
        ("12.5.0", "en_US"),
        ("12,5,0.5", "de_DE"),
    ],
)
def test_an_amount_not_written_the_locales_way_is_refused(typed: str, locale: str) -> None:
    from assistant.web.flows import AmountError

    with pytest.raises(AmountError):
        parse_amount(typed, "USD", locale)


def test_yen_have_no_minor_unit() -> None:
    from assistant.web.flows import AmountError

    assert parse_amount("1,200", "JPY", "ja_JP").minor == 1200
    with pytest.raises(AmountError):
        parse_amount("1,200.5", "JPY", "ja_JP")
