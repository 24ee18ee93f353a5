"""``assistant broadcast ...`` on a copy of the demo bank: a staff login for every command (a
wrong password or role is refused, exit 2, nothing changed), problems named per field, the
preview's segments and encodings, publish once, status (and ``--follow``), cancel, list."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, List

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update

from assistant.cli import main as cli
from assistant.db import dispose, session_factory
from assistant.demo import RAVI_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.settings import get_settings
from fraud.broadcasts.service import Broadcasts
from tests.broadcast_support import audit_actions, outbox_rows
from tests.fakes import copy_of_bank

SMS = "Kindly Bank: we never ask you to move money to a safe account. Hang up and call us."


@pytest.fixture
def bank(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    url = copy_of_bank(demo_template, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield session_factory(url)
    get_settings.cache_clear()
    dispose(url)


def run(*args: str, password: str = "fraudops-demo", staff: str = "fraudops") -> Result:  # noqa: S107
    command, *rest = args
    return CliRunner().invoke(
        cli,
        ["broadcast", command, "--staff", staff, *rest],
        env={"ASSISTANT_STAFF_PASSWORD": password},
    )


def create(*extra: str) -> Result:
    return run(
        "create",
        "--title", "Safe account calls",
        "--voice", "Scammers say your money is not safe. We never ask you to move it.",
        "--sms", SMS,
        "--banner", "We will never ask you to move money to a safe account.",
        "--opener", "People are phoned by someone saying their money is not safe.",
        *extra,
    )  # fmt: skip


def broadcasts(bank: Any) -> Broadcasts:
    return Broadcasts(bank, get_settings())


def test_a_wrong_password_is_refused_with_exit_2_and_nothing_changes(bank: Any) -> None:
    result = create("--everyone")
    assert result.exit_code == 0, result.output
    for args in (("create", "--everyone", "--title", "x"), ("publish", "1"), ("cancel", "1")):
        refused = run(*args, password="not-the-password")
        assert refused.exit_code == 2
        assert "Wrong username or password, or not fraud-operations staff" in refused.output
        assert "Nothing has changed" in refused.output
    assert [b.state for b in broadcasts(bank).list()] == ["draft"]
    assert [action for _, action, _ in audit_actions(bank)] == ["broadcast_created"]


def test_a_staff_user_without_the_role_is_refused_with_exit_2(bank: Any) -> None:
    refused = run("list", staff="agent1", password="agent1-demo")
    assert refused.exit_code == 2
    assert "not fraud-operations staff" in refused.output
    refused = CliRunner().invoke(
        cli,
        ["broadcast", "create", "--staff", "agent1", "--everyone"],
        env={"ASSISTANT_STAFF_PASSWORD": "agent1-demo"},
    )
    assert refused.exit_code == 2
    assert broadcasts(bank).list() == []
    assert audit_actions(bank) == []


def test_a_warning_with_problems_names_each_and_is_not_saved(bank: Any) -> None:
    result = run("create", "--title", "Empty", "--sms", "x" * 500, "--expires", "2001-01-01")
    assert result.exit_code == 1
    assert "The warning has problems to fix first. Nothing has changed." in result.output
    assert "  voice_text: Write the script the automated call reads." in result.output
    assert "  sms_text: The text message takes 4 SMS segments (GSM-7)" in result.output
    assert "  audience: Choose who the warning is for" in result.output
    assert "  expires_at: The expiry is in the past." in result.output
    assert broadcasts(bank).list() == []


def test_create_preview_publish_status_and_cancel(bank: Any) -> None:
    created = create("--region", "Hill Valley", "--channel", "sms", "--expires", "7d")
    assert created.exit_code == 0, created.output
    assert "Created warning 1 (a draft)" in created.output
    (made,) = broadcasts(bank).list()
    assert made.audience.as_json() == {"regions": ["Hill Valley"], "channels": ["sms"]}

    preview = run("preview", "1")
    assert preview.exit_code == 0, preview.output
    assert "Warning 1: Safe account calls (draft, urgency normal)" in preview.output
    assert "For: regions=Hill Valley; channels=sms (1 customers now: sms 1)" in preview.output
    assert f"-- text message (1 SMS segments, GSM-7, {len(SMS)} characters) --\n{SMS}" in (
        preview.output
    )
    assert "-- conversation opener, by text (1 SMS segments, GSM-7," in preview.output
    assert "-- automated call script (" in preview.output

    published = run("publish", "1")
    assert published.exit_code == 0, published.output
    assert "Published warning 1" in published.output
    assert "1 customers reached" in published.output and "Queued 1" in published.output
    (text,) = outbox_rows(bank, 1)
    assert (text.to_phone, text.body) == (RAVI_PHONE, SMS)

    again = run("publish", "1")
    assert again.exit_code == 1
    assert "Warning 1 was already published by fraudops" in again.output
    assert len(outbox_rows(bank, 1)) == 1

    cancelled = run("cancel", "1")
    assert cancelled.exit_code == 0, cancelled.output
    assert "Cancelled warning 1" in cancelled.output and "cancelled 1" in cancelled.output
    listed = run("list")
    assert listed.output.startswith("1  cancelled  normal  until ")
    assert [actor for actor, _, _ in audit_actions(bank)] == ["staff:fraudops"] * 3


def test_create_takes_the_warning_from_a_file(bank: Any, tmp_path: Path) -> None:
    warning = tmp_path / "warning.yml"
    warning.write_text(
        "title: Grandchild in trouble\n"
        "voice_text: Someone may phone pretending to be your grandchild.\n"
        "sms_text: Kindly Bank - a caller may pretend to be your grandchild. Call them back.\n"
        "banner_text: A caller may pretend to be your grandchild.\n"
        "opener_text: A caller may pretend to be your grandchild and ask for money.\n"
        "urgency: high\n"
        "audience:\n  age_bands: [75_and_over]\n  has_helper: true\n",
        encoding="utf-8",
    )
    result = run("create", "--file", str(warning), "--title", "Grandchild scam")
    assert result.exit_code == 0, result.output
    (made,) = broadcasts(bank).list()
    assert (made.title, made.urgency) == ("Grandchild scam", "high")
    assert made.audience.as_json() == {"age_bands": ["75_and_over"], "has_helper": True}


def test_status_follow_shows_each_change_until_it_is_done(bank: Any) -> None:
    assert create("--channel", "sms").exit_code == 0
    assert run("publish", "1").exit_code == 0

    def delivered_later() -> None:
        time.sleep(0.5)
        with bank() as session, session.begin():
            session.execute(
                update(OutboxMessage).values(status="sent", delivery_status="delivered")
            )

    worker = threading.Thread(target=delivered_later)
    worker.start()
    result = run("status", "1", "--follow", "--every", "0.1")
    worker.join()
    assert result.exit_code == 0, result.output
    lines: List[str] = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    assert "Queued 1" in lines[0] and "delivered 0" in lines[0]
    assert "Queued 0" in lines[1] and "delivered 1" in lines[1]
