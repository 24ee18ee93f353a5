"""The Helpers pages: each helper and what they may do in plain words, relatives waiting for
the customer's yes, open invitations, inviting with a check page that reads the number back
group by group, changing permissions (a removal takes effect at once), removing a helper, the
six-monthly question, and who looked. Every form needs its CSRF token, and no customer reaches
another customer's helper or invitation by changing an id."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Callable, Dict, List, Tuple

import pytest
from sqlalchemy import select

from assistant.db import utcnow
from assistant.demo import LINDA_PHONE, MARGARET_PHONE, RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from family.links.models import HelperInvitation, HelperLink
from family.links.permissions import (
    APPROVE_PAYMENTS,
    JOIN_CALLS,
    RECEIVE_ALERTS,
    VIEW_BALANCE,
    VIEW_PAYMENTS,
)
from tests.family_support import NIECE, SON
from tests.web_support import (
    RAVI_PIN,
    Browser,
    WebApp,
    check_structure,
    family_of,
    linda_link_id,
    shape,
    visible_text,
)

NEVER = (
    "Whatever you choose, a helper can never move your money, add people to pay, change your "
    "details or see your PIN."
)
SON_TYPED = "(555) 010-0077"  # tests.family_support.SON as Margaret types it


def links(web: WebApp) -> List[Tuple[int, int, str, Dict[str, bool]]]:
    """Every helper link: (customer, helper, status, permissions)."""
    with web.sessions() as session:
        rows = session.execute(select(HelperLink).order_by(HelperLink.id)).scalars()
        return [(r.customer_id, r.helper_id, r.status, dict(r.permissions)) for r in rows]


def invitations(web: WebApp) -> List[Tuple[str, str]]:
    with web.sessions() as session:
        rows = session.execute(select(HelperInvitation).order_by(HelperInvitation.id)).scalars()
        return [(r.phone, r.status) for r in rows]


def texts_to(web: WebApp, phone: str) -> List[OutboxMessage]:
    with web.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.to_phone == phone)
        return list(session.execute(query).scalars())


def invite(browser: Browser, name: str, phone: str, *ticked: str) -> Any:
    """Fill in the invitation form and the check page's button; the final reply."""
    form = {"name": name, "phone": phone, **{permission: "on" for permission in ticked}}
    answered = browser.post("/helpers/invite", form)
    assert answered.status_code == 303, visible_text(answered.text)
    key = re.search(r'name="key" value="([^"]+)"', browser.get("/helpers/invite/check").text)
    assert key
    return browser.post("/helpers/invite/send", {"key": key.group(1)}, token_from="/helpers")


def result_text(browser: Browser) -> str:
    return visible_text(browser.get("/helpers/invite/done").text)


# ---- the Helpers page -----------------------------------------------------------------------


def test_the_helpers_page_says_what_linda_may_do_in_plain_words(
    web: WebApp, margaret: Browser
) -> None:
    page = margaret.get("/helpers")
    check_structure(page.text, "Your helpers", signed_in=True)
    text = visible_text(page.text)
    assert (
        "Linda Chen They can: See your balance Get alerts Approve bigger payments "
        "Join your phone calls Change what Linda Chen can do Remove Linda Chen as your helper"
    ) in text
    assert NEVER in text
    link = linda_link_id(web)
    for path in (f"/helpers/{link}/permissions", f"/helpers/{link}/remove", "/helpers/invite"):
        assert f'href="{path}"' in page.text
    assert 'href="/helpers/who-looked"' in page.text
    assert "Waiting for your answer" not in text and "Should" not in text


def test_home_and_settings_link_to_the_helpers_page(margaret: Browser) -> None:
    assert '<a href="/helpers" class="settings-link">Helpers</a>' in margaret.get("/").text
    assert '<a href="/helpers">Your helpers</a>' in margaret.get("/settings").text


def test_a_customer_without_helpers_is_told_so(web: WebApp) -> None:
    ravi = web.browser()
    assert ravi.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    text = visible_text(ravi.get("/helpers").text)
    assert "You have no helpers yet." in text and "Linda" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/helpers",
        "/helpers/invite",
        "/helpers/invite/check",
        "/helpers/who-looked",
        "/helpers/1/remove",
    ],
)
def test_signed_out_the_helper_pages_send_you_to_sign_in(web: WebApp, path: str) -> None:
    reply = web.browser().get(path)
    assert (reply.status_code, reply.headers["location"]) == (303, "/sign-in")


# ---- inviting ----------------------------------------------------------------------------------


def test_the_invitation_form_ticks_only_alerts_and_states_what_a_helper_can_never_do(
    margaret: Browser,
) -> None:
    page = margaret.get("/helpers/invite")
    check_structure(page.text, "Invite a helper", signed_in=True)
    boxes = dict(
        re.findall(r'type="checkbox" id="(\w+)" name="\w+" value="on"( checked)?', page.text)
    )
    assert boxes == {
        VIEW_BALANCE: "",
        VIEW_PAYMENTS: "",
        RECEIVE_ALERTS: " checked",
        APPROVE_PAYMENTS: "",
        JOIN_CALLS: "",
    }
    text = visible_text(page.text)
    assert NEVER in text
    assert "Alerts never say the amount or who it is to." in text


def test_inviting_reads_the_number_back_then_sends_exactly_one_text(
    web: WebApp, margaret: Browser
) -> None:
    answered = margaret.post(
        "/helpers/invite",
        {"name": " Sam ", "phone": SON_TYPED, VIEW_BALANCE: "on", RECEIVE_ALERTS: "on"},
    )
    assert answered.headers["location"] == "/helpers/invite/check"
    check = margaret.get("/helpers/invite/check")
    check_structure(check.text, "Check before you send the invitation", signed_in=True)
    groups = re.findall(r'<li class="digit-group">([^<]+)</li>', check.text)
    assert groups == ["5 5 5", "0 1 0", "0 0 7 7"]
    text = visible_text(check.text)
    assert "Name Sam" in text and "Mobile number (555) 010-0077" in text
    assert "They may See your balance Get alerts" in text
    assert "We will send Sam a text with a code, to (555) 010-0077." in text
    assert "Nothing is sent until you press the button." in text
    assert texts_to(web, SON) == [] and invitations(web) == []  # nothing yet

    key = re.search(r'name="key" value="([^"]+)"', check.text).group(1)  # type: ignore[union-attr]
    token = margaret.csrf("/helpers/invite/check")
    sent = margaret.post("/helpers/invite/send", {"key": key}, csrf=token)
    assert sent.headers["location"] == "/helpers/invite/done"
    again = margaret.post("/helpers/invite/send", {"key": key}, csrf=token)  # a second press
    assert again.headers["location"] == "/helpers/invite/done"

    done = margaret.get("/helpers/invite/done")
    check_structure(done.text, "Invitation sent", signed_in=True)
    assert "We sent Sam a text with a code, to (555) 010-0077." in visible_text(done.text)
    (text_message,) = texts_to(web, SON)
    assert text_message.purpose == "helper_invitation"
    assert re.search(r"\b\d{6}\b", text_message.body)
    assert invitations(web) == [(SON, "sent")]
    (invited,) = web.app.state.family.list_invitations(web.customer_id())
    assert (invited.helper_name, invited.permissions) == ("Sam", (VIEW_BALANCE, RECEIVE_ALERTS))

    helpers = margaret.get("/helpers")
    assert "Invitations not answered yet Sam We sent a code to (555) 010-0077." in visible_text(
        helpers.text
    )
    assert f'href="/helpers/invitations/{invited.id}/cancel"' in helpers.text


def test_changing_the_answers_keeps_them_on_the_form(margaret: Browser) -> None:
    margaret.post("/helpers/invite", {"name": "Sam", "phone": SON_TYPED, JOIN_CALLS: "on"})
    page = margaret.get("/helpers/invite")
    assert 'value="Sam"' in page.text and f'value="{SON_TYPED}"' in page.text
    assert 'id="join_calls" name="join_calls" value="on" checked' in page.text
    assert 'id="receive_alerts" name="receive_alerts" value="on" aria' in page.text


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({"name": "", "phone": ""}, ["Enter their name.", "Enter their mobile number."]),
        (
            {"name": "Sam", "phone": "12"},
            ["Enter a mobile number with its area code, like (555) 010-0077."],
        ),
    ],
)
def test_a_missing_name_or_number_is_asked_again(
    web: WebApp, margaret: Browser, form: Dict[str, str], errors: List[str]
) -> None:
    reply = margaret.post("/helpers/invite", form)
    assert reply.status_code == 200 and "There is a problem" in reply.text
    text = visible_text(reply.text)
    for error in errors:
        assert error in text
    assert margaret.get("/helpers/invite/check").headers["location"] == "/helpers/invite"


def test_a_send_without_a_checked_invitation_sends_nothing(web: WebApp, margaret: Browser) -> None:
    reply = margaret.post("/helpers/invite/send", {"key": "made-up"}, token_from="/helpers")
    assert reply.headers["location"] == "/helpers/invite"
    assert "Nothing was sent." in visible_text(margaret.get("/helpers/invite").text)
    assert invitations(web) == []


def opt_out_son(web: WebApp) -> None:
    web.app.state.opt_outs.opt_out(SON)


def five_helpers(web: WebApp) -> None:
    customer = web.customer_id()
    for number in range(4):  # Linda and four invitations
        web.app.state.family.invite(customer, f"Cousin {number}", f"+1555010009{number}")


@pytest.mark.parametrize(
    ("setup", "phone", "words"),
    [
        (None, MARGARET_PHONE, "That is your own phone number. A helper needs their own mobile"),
        (None, LINDA_PHONE, "That number belongs to one of your helpers already"),
        (
            five_helpers,
            SON,
            "You already have 5 helpers and invitations, which is the most you can have.",
        ),
        (
            opt_out_son,
            SON,
            "That number has asked us to stop sending texts, so we could not send the invitation. "
            "Sam can text START to (555) 010-0000 to get texts from us again. Then you can invite "
            "Sam again.",
        ),
    ],
    ids=["own number", "already a helper", "five helpers", "texted STOP"],
)
def test_an_invitation_that_cannot_go_says_why_kindly(
    web: WebApp,
    margaret: Browser,
    setup: Callable[[WebApp], None] | None,
    phone: str,
    words: str,
) -> None:
    if setup is not None:
        setup(web)
    before = len(invitations(web))
    invite(margaret, "Sam", phone, RECEIVE_ALERTS)
    page = margaret.get("/helpers/invite/done")
    check_structure(page.text, "We have not sent the invitation", signed_in=True)
    assert words in visible_text(page.text)
    assert texts_to(web, phone) == []
    assert len(invitations(web)) - before == (1 if setup is opt_out_son else 0)
    assert all(status in ("sent", "not_sent") for _, status in invitations(web))


def test_inviting_the_same_number_twice_says_it_is_already_invited(
    web: WebApp, margaret: Browser
) -> None:
    invite(margaret, "Sam", SON_TYPED)
    invite(margaret, "Sammy", SON_TYPED)
    assert "You have already invited that number, and the invitation is still open." in (
        result_text(margaret)
    )
    assert len(texts_to(web, SON)) == 1 and invitations(web) == [(SON, "sent")]


def test_an_open_invitation_is_cancelled_after_a_confirmation_page(
    web: WebApp, margaret: Browser
) -> None:
    invite(margaret, "Sam", SON_TYPED)
    (invited,) = web.app.state.family.list_invitations(web.customer_id())
    path = f"/helpers/invitations/{invited.id}/cancel"
    ask = margaret.get(path)
    check_structure(ask.text, "Cancel the invitation to Sam?", signed_in=True)
    assert invitations(web) == [(SON, "sent")]
    done = margaret.post(path, {}, token_from=path)
    assert done.headers["location"] == "/helpers"
    text = visible_text(margaret.get("/helpers").text)
    assert "The invitation to Sam is cancelled. Their code no longer works." in text
    assert "Invitations not answered yet" not in text
    assert invitations(web) == [(SON, "cancelled")]
    assert margaret.get(path).status_code == 404


# ---- a relative who accepted -----------------------------------------------------------------


def accepted_sam(web: WebApp) -> int:
    """Sam was invited (may view the balance) and accepted; the link waits for Margaret."""
    helper = family_of(web).accept(web.customer_id(), "Sam", SON)
    return helper.accepted.link_id


def test_a_relative_who_accepted_waits_for_the_customers_yes_on_a_page_of_its_own(
    web: WebApp, margaret: Browser
) -> None:
    link = accepted_sam(web)
    helpers = visible_text(margaret.get("/helpers").text)
    assert "Waiting for your answer Sam Sam has said yes to your invitation." in helpers
    page = margaret.get(f"/helpers/{link}/confirm")
    check_structure(page.text, "Shall Sam be your helper?", signed_in=True)
    assert "They can: Get alerts" in visible_text(page.text)
    missing = margaret.post(f"/helpers/{link}/confirm", {}, token_from=f"/helpers/{link}/confirm")
    assert missing.status_code == 200 and "Choose yes or no." in visible_text(missing.text)

    yes = margaret.post(
        f"/helpers/{link}/confirm", {"answer": "yes"}, token_from=f"/helpers/{link}/confirm"
    )
    assert yes.headers["location"] == "/helpers"
    text = visible_text(margaret.get("/helpers").text)
    assert "Sam is now your helper." in text and "Waiting for your answer" not in text
    assert "Sam They can: Get alerts" in text
    assert [status for customer, _, status, _ in links(web) if status != "active"] == []


def test_a_no_removes_the_relative_who_accepted(web: WebApp, margaret: Browser) -> None:
    link = accepted_sam(web)
    path = f"/helpers/{link}/confirm"
    margaret.post(path, {"answer": "no"}, token_from=path)
    text = visible_text(margaret.get("/helpers").text)
    assert "Sam will not be your helper." in text
    assert "Sam They can" not in text
    assert [status for *_, status, _ in links(web)] == ["active", "removed"]
    assert margaret.get(path).status_code == 404


# ---- permissions, removal, the six-monthly question ---------------------------------------------


def test_unticking_a_permission_takes_it_away_at_once(web: WebApp, margaret: Browser) -> None:
    family = web.app.state.family
    linda = family.list_helpers(web.customer_id())[0]
    assert family.helper_view_balance(linda.helper_id, web.customer_id()) is not None
    path = f"/helpers/{linda.link_id}/permissions"
    page = margaret.get(path)
    check_structure(page.text, "What can Linda Chen do?", signed_in=True)
    assert "If you untick something, Linda Chen loses it at once" in visible_text(page.text)
    assert NEVER in visible_text(page.text)
    assert 'id="view_balance" name="view_balance" value="on" checked' in page.text

    saved = margaret.post(path, {RECEIVE_ALERTS: "on", VIEW_PAYMENTS: "on"})
    assert saved.headers["location"] == "/helpers"
    assert family.helper_view_balance(linda.helper_id, web.customer_id()) is None
    assert family.helper_view_payments(linda.helper_id, web.customer_id()) is not None
    (link,) = links(web)
    assert link[3] == {
        VIEW_BALANCE: False,
        VIEW_PAYMENTS: True,
        RECEIVE_ALERTS: True,
        APPROVE_PAYMENTS: False,
        JOIN_CALLS: False,
    }
    text = visible_text(margaret.get("/helpers").text)
    assert "Your choices for Linda Chen are saved." in text
    assert "They can: See your recent payments Get alerts Change" in text


def test_removing_a_helper_asks_first_then_ends_their_access(
    web: WebApp, margaret: Browser
) -> None:
    family = web.app.state.family
    linda = family.list_helpers(web.customer_id())[0]
    path = f"/helpers/{linda.link_id}/remove"
    ask = margaret.get(path)
    check_structure(ask.text, "Remove Linda Chen as your helper?", signed_in=True)
    assert [status for *_, status, _ in links(web)] == ["active"]
    done = margaret.post(path, {}, token_from=path)
    assert done.headers["location"] == "/helpers"
    text = visible_text(margaret.get("/helpers").text)
    assert "Linda Chen is no longer your helper." in text and "You have no helpers yet." in text
    assert [status for *_, status, _ in links(web)] == ["removed"]
    assert family.helper_view_balance(linda.helper_id, web.customer_id()) is None
    assert margaret.get(path).status_code == 404


def test_a_helper_due_for_review_can_be_kept_or_removed(web: WebApp, margaret: Browser) -> None:
    family = web.app.state.family
    customer = web.customer_id()
    link = linda_link_id(web)
    assert family.keep_helper(customer, link, now=utcnow() - timedelta(days=400))
    page = margaret.get("/helpers")
    text = visible_text(page.text)
    assert "Should Linda Chen keep helping you? Every six months we ask" in text
    assert f'action="/helpers/{link}/keep"' in page.text
    assert f'href="/helpers/{link}/remove">Remove Linda Chen</a>' in page.text

    kept = margaret.post(f"/helpers/{link}/keep", {}, token_from="/helpers")
    assert kept.headers["location"] == "/helpers"
    text = visible_text(margaret.get("/helpers").text)
    assert "Linda Chen keeps helping you. We will ask you again in six months." in text
    assert "Should Linda Chen keep helping you?" not in text
    assert family.due_reviews(customer) == []


# ---- who looked -------------------------------------------------------------------------------


def test_who_looked_lists_every_look_not_only_the_latest_few(
    web: WebApp, margaret: Browser
) -> None:
    family = web.app.state.family
    linda = family.list_helpers(web.customer_id())[0]
    for _ in range(5):
        assert family.helper_view_balance(linda.helper_id, web.customer_id()) is not None
    page = margaret.get("/helpers/who-looked")
    check_structure(page.text, "Who looked at your account", signed_in=True)
    looks = re.findall(r'<p class="payment-description">([^<]+)</p>', page.text)
    assert looks == ["Linda Chen looked at your balance"] * 5


def test_who_looked_says_when_nobody_has(margaret: Browser) -> None:
    assert "No helper has looked at your account." in visible_text(
        margaret.get("/helpers/who-looked").text
    )


# ---- another customer's ids, and forms without their token ---------------------------------------


def margarets_things(web: WebApp) -> Dict[str, int]:
    """Margaret's Linda (active), Sam (accepted, waiting for her) and an open invitation."""
    family = family_of(web)
    customer = web.customer_id()
    sam = family.accept(customer, "Sam", SON).accepted.link_id
    family.invite(customer, "Nia", NIECE)
    (invitation,) = web.app.state.family.list_invitations(customer)
    return {"linda": linda_link_id(web), "sam": sam, "invitation": invitation.id}


PAGES = [
    ("GET", "/helpers/{linda}/permissions", {}),
    ("GET", "/helpers/{linda}/remove", {}),
    ("GET", "/helpers/{sam}/confirm", {}),
    ("GET", "/helpers/invitations/{invitation}/cancel", {}),
    ("POST", "/helpers/{linda}/permissions", {VIEW_PAYMENTS: "on"}),
    ("POST", "/helpers/{linda}/remove", {}),
    ("POST", "/helpers/{linda}/keep", {}),
    ("POST", "/helpers/{sam}/confirm", {"answer": "yes"}),
    ("POST", "/helpers/{sam}/permissions", {}),
    ("POST", "/helpers/{sam}/remove", {}),
    ("POST", "/helpers/invitations/{invitation}/cancel", {}),
]


def state(web: WebApp) -> Any:
    return links(web), invitations(web), len(texts_to(web, LINDA_PHONE))


@pytest.mark.parametrize(("method", "path", "form"), PAGES)
def test_another_customer_cannot_reach_margarets_helpers_by_changing_an_id(
    web: WebApp, method: str, path: str, form: Dict[str, str]
) -> None:
    ids = margarets_things(web)
    before = state(web)
    ravi = web.browser()
    assert ravi.sign_in(phone=RAVI_PHONE, pin=RAVI_PIN).status_code == 303
    url = path.format(**ids)
    reply = ravi.get(url) if method == "GET" else ravi.post(url, form, token_from="/helpers")
    assert reply.status_code == 404
    assert shape(reply.text).h1 == ["Page not found"]
    assert "Linda" not in reply.text and "Sam" not in reply.text and "Nia" not in reply.text
    assert state(web) == before


@pytest.mark.parametrize(("method", "path", "form"), PAGES)
def test_an_id_that_is_nobodys_is_a_404(
    web: WebApp, margaret: Browser, method: str, path: str, form: Dict[str, str]
) -> None:
    url = path.format(linda=9999, sam=9998, invitation=9997)
    reply = (
        margaret.get(url) if method == "GET" else margaret.post(url, form, token_from="/helpers")
    )
    assert reply.status_code == 404


@pytest.mark.parametrize(
    ("path", "form"),
    [(path, form) for method, path, form in PAGES if method == "POST"]
    + [
        ("/helpers/invite", {"name": "Sam", "phone": SON_TYPED}),
        ("/helpers/invite/send", {"key": "x"}),
    ],
)
def test_every_helper_form_without_its_csrf_token_is_refused(
    web: WebApp, margaret: Browser, path: str, form: Dict[str, str]
) -> None:
    ids = margarets_things(web)
    before = state(web)
    for token in ("", "not-the-token"):
        assert margaret.post(path.format(**ids), form, csrf=token).status_code == 403
    assert state(web) == before


def test_a_number_is_read_back_in_the_groups_it_is_written_in() -> None:
    from assistant.webkit.phones import digit_groups, phone_display, phone_e164

    assert phone_e164(SON_TYPED, "en_US") == SON
    assert phone_display(SON, "en_US") == SON_TYPED
    assert digit_groups(SON, "en_US") == ["555", "010", "0077"]
    assert digit_groups("+447700900123", "en_US") == ["+44", "7700", "900123"]
    assert phone_e164("12", "en_US") is None
