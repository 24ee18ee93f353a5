""" "Any scam warnings?" (action_latest_warnings) on a copy of the demo bank: the warnings in
force, before the PIN only those for everyone, each in its medium's words; none: the advice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

import actions.context as context
from actions.warnings import ActionLatestWarnings
from assistant.db import utcnow
from fraud.broadcasts.audience import Audience
from tests.broadcast_support import FRAUDOPS, OPENER_TEXT, SMS_TEXT, VOICE_TEXT, draft, outbox_rows
from tests.test_actions import DOMAIN, DemoBank, _clear_caches, make_tracker, responses, run, said
from tests.test_actions import demo as demo  # noqa: F401 - the fixture

GROUP_OPENER = "In Riverside, people are getting fake parcel texts."


@pytest.fixture
def bank(demo: DemoBank) -> Iterator[DemoBank]:  # noqa: F811 - the fixture above
    context.broadcasts.cache_clear()
    yield demo
    context.broadcasts.cache_clear()
    _clear_caches()


def publish(**changes: object) -> int:
    service = context.broadcasts()
    made = service.create(FRAUDOPS, draft(**changes))
    service.publish(FRAUDOPS, made.id)
    return made.id


def ask(conversation: str, channel: str = "chat") -> tuple:
    tracker = make_tracker(conversation, intent="latest_warnings", text="any scam warnings?")
    tracker.latest_message["input_channel"] = channel
    tracker.events[-1]["input_channel"] = channel
    return run(ActionLatestWarnings(), tracker)


def test_with_no_warning_in_force_the_standing_advice_is_given(bank: DemoBank) -> None:
    dispatcher, events = ask(bank.conversation())
    assert responses(dispatcher) == ["utter_no_current_warnings"]
    advice = {
        v.get("channel", "default"): v["text"]
        for v in DOMAIN["responses"][responses(dispatcher)[0]]
    }
    assert all("safe account" in words for words in advice.values())
    assert advice["default"].startswith("There are no new scam warnings right now")
    assert events == []


def test_before_the_pin_only_the_warnings_for_everyone_are_read(bank: DemoBank) -> None:
    publish(title="For all")
    publish(
        title="Riverside", opener_text=GROUP_OPENER, audience=Audience.of(regions=["Riverside"])
    )
    dispatcher, _ = ask(bank.conversation(verified=False))
    assert responses(dispatcher) == ["utter_current_warning", "utter_scam_warning"]
    assert said(dispatcher, 1) == f"For all: {OPENER_TEXT}"
    verified, _ = ask(bank.conversation())  # Margaret, of Riverside
    assert responses(verified) == [
        "utter_current_warnings",
        "utter_scam_warning",
        "utter_scam_warning",
    ]
    assert said(verified, 1) == f"Riverside: {GROUP_OPENER}"


def test_each_medium_reads_its_own_words_and_a_text_only_the_newest(bank: DemoBank) -> None:
    publish(title="Older")
    later = utcnow() + timedelta(seconds=1)
    service = context.broadcasts()
    newer = service.create(FRAUDOPS, draft(title="Newer", sms_text="Newer: hang up on them."))
    service.publish(FRAUDOPS, newer.id, now=later)
    by_phone, _ = ask(bank.conversation(), channel="voice")
    assert said(by_phone, 2, channel="voice") == VOICE_TEXT
    by_text, _ = ask(bank.conversation(), channel="sms")
    assert responses(by_text) == ["utter_scam_warning"]
    assert said(by_text, 0, channel="sms") == "Newer: hang up on them."
    assert SMS_TEXT not in str(by_text.messages)


def test_a_warning_read_to_a_verified_customer_counts_as_heard(bank: DemoBank) -> None:
    warning = publish()
    ask(bank.conversation(phone="+15550100002"))  # Ravi, who prefers texts
    assert context.broadcasts().newest_unheard(bank.ravi) is None
    (text,) = [
        r for r in outbox_rows(context.broadcasts().sessions, warning) if r.customer_id == bank.ravi
    ]
    assert text.status == "cancelled"
