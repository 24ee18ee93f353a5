"""The admin console's scam warnings (issue 10 item 2), on the broadcasts service: writing a
warning with a message by each field that needs fixing (the GOV.UK error summary), the preview
of every medium's text escaped with its SMS segments and encoding and the audience's size,
publishing after a confirmation (a second publish is answered clearly and changes nothing),
cancelling, and the status page with its JSON for the live numbers. Warning texts are shown
escaped on every page; an agent gets a 403 on every page and form; a form without its CSRF
token is refused; in every refusal nothing changes."""

from __future__ import annotations

import re
from typing import Dict

import pytest
from sqlalchemy import func, select, update

from assistant.messaging.models import OutboxMessage
from tests.admin_support import AGENT, StaffBrowser, audits, staff_browser
from tests.broadcast_support import BANNER_TEXT, OPENER_TEXT, SMS_TEXT, VOICE_TEXT
from tests.web_support import WebApp, shape, visible_text

NEW = "/admin/warnings/new"
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def fraudops(web: WebApp) -> StaffBrowser:
    return staff_browser(web).signed_in()


def _form(**changes: str) -> Dict[str, str]:
    """A warning for everyone, every text filled in."""
    form = {
        "title": "Safe account calls",
        "voice_text": VOICE_TEXT,
        "sms_text": SMS_TEXT,
        "banner_text": BANNER_TEXT,
        "opener_text": OPENER_TEXT,
        "audience": "everyone",
        "urgency": "high",
    }
    form.update(changes)
    return form


def _create(browser: StaffBrowser, **changes: str) -> str:
    """Write a warning: the address of its preview."""
    reply = browser.form(NEW, _form(**changes), NEW)
    assert reply.status_code == 303, visible_text(reply.text)
    return reply.headers["location"]


def _main(html: str) -> str:
    return visible_text(html[html.index("<main") : html.index("</main>")])


def _pushes(web: WebApp) -> int:
    with web.sessions() as session:
        return int(
            session.execute(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.batch.like("broadcast:%"))
            ).scalar_one()
        )


def _broadcast_audits(web: WebApp) -> list:
    return [a for a in audits(web) if a.action.startswith("broadcast_")]


# ---- writing -----------------------------------------------------------------------------------


def test_a_warning_with_problems_gets_a_message_by_each_field_and_nothing_is_saved(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    page = fraudops.get(NEW)
    assert shape(page.text).h1 == ["Write a warning"]
    form = _form(
        title="",
        sms_text="Scam alert! " * 50,
        audience="",
        expires_at="2020-01-01",
        starts_at="03/12/2026",
    )
    reply = fraudops.form(NEW, form, NEW)
    assert reply.status_code == 200
    summary = re.findall(r'<li><a href="#([a-z_]+)">', reply.text)
    assert summary == ["title", "sms_text", "audience", "starts_at", "expires_at"]
    text = visible_text(reply.text)
    for message in (
        "Give the warning a title.",
        "The text message takes 4 SMS segments (GSM-7); a warning may take 3 at most.",
        "Choose who the warning is for: everyone, or at least one group.",
        "Enter the date as year, month and day, like 2026-12-03.",
        "The expiry is in the past. Please choose a later time.",
    ):
        assert f"Error: {message}" in text, message
    assert "<title>Error: Write a warning - Kindly Bank</title>" in reply.text
    assert VOICE_TEXT in reply.text and 'value="2020-01-01"' in reply.text  # kept as typed
    assert "No warnings yet." in visible_text(fraudops.get("/admin/warnings").text)
    assert _broadcast_audits(web) == []


def test_warning_texts_are_shown_escaped_on_every_page(web: WebApp, fraudops: StaffBrowser) -> None:
    preview = _create(
        fraudops,
        title=f"Fake police {SCRIPT}",
        voice_text=f"Voice {SCRIPT}",
        sms_text="SMS <b>bold</b> & more",
        banner_text=f"Banner {SCRIPT}",
        opener_text=f"Opener {SCRIPT}",
    )
    fraudops.form(f"{preview}/publish", {}, f"{preview}/publish")
    for path in ("/admin/warnings", preview, f"{preview}/status", f"{preview}/cancel"):
        html = fraudops.get(path).text
        assert "<script>alert" not in html and "<b>bold" not in html, path
        assert "Fake police &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, path
    html = fraudops.get(preview).text
    for escaped in (
        "Voice &lt;script&gt;",
        "SMS &lt;b&gt;bold&lt;/b&gt; &amp; more",
        "Banner &lt;",
    ):
        assert escaped in html
    assert "Before we start, a warning about a scam: Opener &lt;script&gt;" in html


def test_the_preview_shows_each_medium_with_its_sms_segments_encoding_and_the_audience(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops, sms_text="Scam warning \u2603 call us", title="Snowman")
    text = _main(fraudops.get(preview).text)
    assert "The warning is saved as a draft." in text
    for words in (
        "Automated call script",
        "Web banner",
        "Conversation opener, by text",
        "Text message Scam warning \u2603 call us 1 SMS segment, UCS-2, 22 characters",
        "Reaches now 2 customers",
        "Phone calls: 1",
        "Text messages: 1",
        "For Everyone",
        "Urgency High",
    ):
        assert words in text, words
    long = _create(fraudops, sms_text="x" * 200, title="Long")
    assert "2 SMS segments, GSM-7, 200 characters" in _main(fraudops.get(long).text)


def test_a_warning_for_groups_keeps_its_choices_and_an_edit_is_saved_and_audited(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops, audience="segments", channels="sms", urgency="normal")
    assert "Reaches now 1 customers" in _main(fraudops.get(preview).text)
    assert "Prefers: Text messages" in _main(fraudops.get(preview).text)
    edit = fraudops.get(f"{preview}/edit")
    assert shape(edit.text).h1 == ["Change the warning"]
    assert re.search(r'name="channels" value="sms" checked', edit.text)
    assert re.search(r'name="audience" value="segments" checked', edit.text)
    changed = _form(audience="segments", age_bands="75_and_over", title="For the oldest")
    reply = fraudops.form(f"{preview}/edit", changed, f"{preview}/edit")
    assert reply.headers["location"] == preview
    text = _main(fraudops.get(preview).text)
    assert "For the oldest" in text and "Age: 75 and over" in text
    assert [(a.actor, a.action) for a in _broadcast_audits(web)] == [
        ("staff:fraudops", "broadcast_created"),
        ("staff:fraudops", "broadcast_updated"),
    ]
    error = fraudops.form(f"{preview}/edit", _form(title=""), f"{preview}/edit")
    assert "Give the warning a title." in visible_text(error.text)
    assert len(_broadcast_audits(web)) == 2


# ---- publishing and cancelling ---------------------------------------------------------------


def test_publish_asks_first_then_sends_and_a_second_publish_changes_nothing(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops)
    confirm = fraudops.get(f"{preview}/publish")
    assert shape(confirm.text).h1 == ["Publish this warning?"]
    assert "It goes to 2 customers now" in visible_text(confirm.text)
    assert _pushes(web) == 0
    reply = fraudops.form(f"{preview}/publish", {}, f"{preview}/publish")
    assert reply.headers["location"] == f"{preview}/status"
    status = fraudops.get(f"{preview}/status")
    assert "The warning is published. Its delivery is below." in visible_text(status.text)
    assert shape(status.text).h1 == ["Delivery of the warning"]
    assert _pushes(web) == 2  # Margaret's call and Ravi's text
    published = [a for a in _broadcast_audits(web) if a.action == "broadcast_published"]
    assert [a.actor for a in published] == ["staff:fraudops"]

    again = fraudops.form(f"{preview}/publish", {}, preview)  # e.g. from a second tab
    assert again.headers["location"] == f"{preview}/status"
    said = visible_text(fraudops.get(f"{preview}/status").text)
    assert "This warning was already published by fraudops on" in said
    assert "Nothing has changed." in said
    assert _pushes(web) == 2
    assert len([a for a in _broadcast_audits(web) if a.action == "broadcast_published"]) == 1
    assert fraudops.get(f"{preview}/publish").headers["location"] == f"{preview}/status"
    assert fraudops.get(f"{preview}/edit").headers["location"] == preview


def test_a_warning_that_reaches_nobody_is_not_published(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops, audience="segments", channels="web")  # nobody prefers the web
    problem = "No customer is in the groups chosen. Please choose other groups."
    assert problem in visible_text(fraudops.get(preview).text)
    confirm = fraudops.get(f"{preview}/publish")
    assert problem in visible_text(confirm.text) and "Yes, publish it now" not in confirm.text
    reply = fraudops.form(f"{preview}/publish", {}, preview)
    assert reply.status_code == 200
    assert "It was not published. Nothing has changed." in visible_text(reply.text)
    assert problem in visible_text(reply.text)
    assert "Draft" in _main(fraudops.get(preview).text) and _pushes(web) == 0


def test_cancel_stops_what_is_not_sent_and_a_second_cancel_changes_nothing(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops)
    fraudops.form(f"{preview}/publish", {}, preview)
    assert shape(fraudops.get(f"{preview}/cancel").text).h1 == ["Cancel this warning?"]
    reply = fraudops.form(f"{preview}/cancel", {}, f"{preview}/cancel")
    assert reply.headers["location"] == f"{preview}/status"
    text = visible_text(fraudops.get(f"{preview}/status").text)
    assert "The warning is cancelled. Nothing more will be sent." in text
    assert "Cancelled: nothing more will be sent." in text
    data = fraudops.get(f"{preview}/status.json").json()
    counts = {c["name"]: c["value"] for c in data["counts"]}
    assert (data["state"], data["done"], counts["cancelled"], counts["queued"]) == (
        "cancelled",
        True,
        "2",
        "0",
    )
    fraudops.form(f"{preview}/cancel", {}, preview)
    assert "This warning was already cancelled. Nothing has changed." in visible_text(
        fraudops.get(f"{preview}/status").text
    )
    fraudops.form(f"{preview}/publish", {}, preview)
    assert "This warning was cancelled, so it cannot be published." in visible_text(
        fraudops.get(f"{preview}/status").text
    )
    assert [a.action for a in _broadcast_audits(web)] == [
        "broadcast_created",
        "broadcast_published",
        "broadcast_cancelled",
    ]


def test_the_status_json_follows_the_deliveries(web: WebApp, fraudops: StaffBrowser) -> None:
    preview = _create(fraudops)
    fraudops.form(f"{preview}/publish", {}, preview)
    data = fraudops.get(f"{preview}/status.json").json()
    counts = {c["name"]: c["value"] for c in data["counts"]}
    assert (data["state"], data["done"], counts["queued"], data["reached"]) == (
        "published",
        False,
        "2",
        "2",
    )
    with web.sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.batch.like("broadcast:%"))
            .values(status="sent", delivery_status="delivered")
            .execution_options(synchronize_session=False)
        )
    data = fraudops.get(f"{preview}/status.json").json()
    counts = {c["name"]: c["value"] for c in data["counts"]}
    assert (data["done"], counts["queued"], counts["delivered"]) == (True, "0", "2")
    assert data["progress"] == "Finished: nothing more will be sent."
    page = fraudops.get(f"{preview}/status")
    assert 'data-status-url="/admin/warnings/1/status.json"' in page.text
    assert re.search(r'<script src="/static/admin/admin.js\?v=\w+" defer>', page.text)
    assert 'href="/admin/warnings/1/status">Refresh the numbers' in page.text  # without JS
    assert fraudops.get("/admin/warnings/99/status.json").status_code == 404
    assert staff_browser(web).get(f"{preview}/status.json").status_code == 303  # signed out


# ---- refusals ------------------------------------------------------------------------------------


def test_an_agent_gets_a_403_on_every_warning_page_and_form(
    web: WebApp, fraudops: StaffBrowser
) -> None:
    preview = _create(fraudops)
    agent = staff_browser(web).signed_in(*AGENT)
    for path in (
        "/admin/warnings",
        NEW,
        preview,
        f"{preview}/edit",
        f"{preview}/publish",
        f"{preview}/cancel",
        f"{preview}/status",
        f"{preview}/status.json",
    ):
        reply = agent.get(path)
        assert reply.status_code == 403, path
        assert shape(reply.text).h1 == ["You cannot use this page"], path
    for path in (NEW, f"{preview}/edit", f"{preview}/publish", f"{preview}/cancel"):
        reply = agent.form(path, _form(title="Agent's"))
        assert reply.status_code == 403, path
    assert [a.action for a in _broadcast_audits(web)] == ["broadcast_created"]
    assert _pushes(web) == 0
    assert "Draft" in _main(fraudops.get(preview).text)


@pytest.mark.parametrize("token", ["", "wrong"])
def test_a_warning_form_without_the_sessions_token_is_refused_and_changes_nothing(
    web: WebApp, fraudops: StaffBrowser, token: str
) -> None:
    preview = _create(fraudops)
    for path in (NEW, f"{preview}/edit", f"{preview}/publish", f"{preview}/cancel"):
        reply = fraudops.post(path, _form(title="Forged"), csrf=token)
        assert reply.status_code == 403, path
        assert "we could not accept that form" in visible_text(reply.text)
    assert [a.action for a in _broadcast_audits(web)] == ["broadcast_created"]
    assert _pushes(web) == 0
    assert "Safe account calls" in _main(fraudops.get(preview).text)


def test_an_unknown_warning_is_a_404(fraudops: StaffBrowser) -> None:
    for path in ("/admin/warnings/99", "/admin/warnings/99/edit", "/admin/warnings/99/status"):
        assert fraudops.get(path).status_code == 404, path
    assert fraudops.form("/admin/warnings/99/publish", {}).status_code == 404
    assert fraudops.form("/admin/warnings/99/cancel", {}).status_code == 404
