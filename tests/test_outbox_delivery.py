"""Delivering the outbox one message at a time: claimed by one worker at a time, sent once
through the real Twilio client to the loopback fake, retried with backoff, given up after the
last try, and emptied of its body once finished. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import List

import pytest
from sqlalchemy.orm import sessionmaker

from assistant.db import session_factory, utcnow
from assistant.messaging import outbox_claims, outbox_delivery
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.outbox_claims import DeliveryPolicy
from assistant.messaging.outbox_delivery import Delivery
from assistant.messaging.transport import TwilioTransport, mask_phone
from tests.outbox_support import (
    CODE_TEXT,
    RAVI,
    SID,
    TOKEN,
    at_once,
    message,
    outbox_settings,
    queue_message,
)

POLICY = DeliveryPolicy(max_attempts=3, backoff_seconds=5, lease_seconds=120)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def sessions(any_bank_url: str) -> sessionmaker:
    return session_factory(any_bank_url)


@pytest.fixture
def transport(tmp_path: Path, any_bank_url: str, fake: FakeTwilio, sessions: sessionmaker):  # noqa: ANN201
    return TwilioTransport(outbox_settings(tmp_path, any_bank_url, fake), sessions)


def deliver(sessions, transport, message_id: int, now: datetime, **kwargs) -> Delivery:  # noqa: ANN001
    return outbox_delivery.deliver(sessions, transport, message_id, POLICY, now=now, **kwargs)


class Dies(BaseException):
    """The worker process dying in the middle of a send (not an error it could catch)."""


class DyingTransport:
    """Sends nothing: the worker dies the moment it would."""

    def __init__(self, settings) -> None:  # noqa: ANN001
        self.settings = settings

    def create_message(self, to: str, body: str, status_callback: str) -> str:
        raise Dies()

    def find_message(self, to: str, body: str, since: datetime) -> None:
        return None


def test_a_message_is_sent_once_and_keeps_no_body_afterwards(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    message_id = queue_message(sessions)
    now = utcnow()

    sent = deliver(sessions, transport, message_id, now)
    again = deliver(sessions, transport, message_id, now + timedelta(minutes=5))

    (received,) = fake.messages
    assert (received.to, received.params["Body"]) == (RAVI, CODE_TEXT)
    assert (sent.outcome, sent.provider_sid) == ("sent", received.sid)
    assert again.outcome == "skipped"
    row = message(sessions, message_id)
    assert (row.status, row.provider_sid, row.attempts, row.body) == ("sent", received.sid, 1, "")
    assert row.finished_at == now


def test_a_transient_failure_is_tried_again_after_the_backoff_then_sent(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    message_id = queue_message(sessions)
    start = utcnow()
    fake.fail_next(2)

    first = deliver(sessions, transport, message_id, start)
    assert (first.outcome, first.retry_at) == ("retry", start + timedelta(seconds=5))
    row = message(sessions, message_id)
    assert (row.status, row.attempts, row.body) == ("pending", 1, CODE_TEXT)
    assert "503" in row.last_error and CODE_TEXT not in row.last_error

    too_soon = deliver(sessions, transport, message_id, start + timedelta(seconds=4))
    second = deliver(sessions, transport, message_id, start + timedelta(seconds=5))
    assert too_soon.outcome == "skipped"
    assert second.retry_at == start + timedelta(seconds=15)  # the wait doubles

    third = deliver(sessions, transport, message_id, start + timedelta(seconds=15))
    assert third.outcome == "sent" and [m.sid for m in fake.messages] == [third.provider_sid]
    row = message(sessions, message_id)
    assert (row.status, row.attempts, row.body) == ("sent", 3, "")


def test_after_the_last_allowed_try_it_fails_and_loses_its_body(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    message_id = queue_message(sessions)
    now = utcnow()
    fake.fail_next(10)
    outcomes: List[str] = []
    for _ in range(POLICY.max_attempts):
        result = deliver(sessions, transport, message_id, now)
        outcomes.append(result.outcome)
        now = result.retry_at or now
    assert outcomes == ["retry", "retry", "failed"]
    assert deliver(sessions, transport, message_id, now + timedelta(hours=2)).outcome == "skipped"
    assert fake.messages == []
    row = message(sessions, message_id)
    assert (row.status, row.attempts, row.body) == ("failed", 3, "")
    assert row.finished_at is not None


def test_the_wait_doubles_from_the_setting_and_stops_at_an_hour() -> None:
    policy = DeliveryPolicy(backoff_seconds=5)
    waits = [policy.backoff(attempts).total_seconds() for attempts in (1, 2, 3, 4, 11, 12, 60)]
    assert waits == [5, 10, 20, 40, 3600, 3600, 3600]


def test_a_number_that_texted_stop_gets_nothing_and_the_message_is_closed(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    OptOutStore(sessions).opt_out(RAVI)
    alert = queue_message(sessions, key="alert:1")
    required = queue_message(
        sessions, key="legal:1", body="Your card was frozen.", legally_required=True
    )

    assert deliver(sessions, transport, alert, utcnow()).outcome == "opted_out"
    assert deliver(sessions, transport, required, utcnow()).outcome == "sent"

    assert [m.params["Body"] for m in fake.messages] == ["Your card was frozen."]
    row = message(sessions, alert)
    assert (row.status, row.provider_sid, row.body) == ("opted_out", None, "")


def test_a_call_rings_the_number_with_its_twiml_url_and_keeps_its_script(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    message_id = queue_message(sessions, key="warning:1", medium="call", body="A warning.")

    unplaced = deliver(sessions, transport, message_id, utcnow())
    assert unplaced.outcome == "retry"  # no call URL: a failed try, said in last_error
    assert "call URL" in message(sessions, message_id).last_error

    result = deliver(
        sessions,
        transport,
        message_id,
        unplaced.retry_at,
        call_url=lambda mid: f"https://bank.example/twilio/voice/outbox/{mid}",
    )
    (call,) = fake.calls
    assert (result.outcome, result.provider_sid) == ("sent", call.sid)
    assert call.params["Url"] == f"https://bank.example/twilio/voice/outbox/{message_id}"
    assert fake.messages == []
    row = message(sessions, message_id)
    assert (row.status, row.body) == ("sent", "A warning.")  # "press 1 to hear it again"


def test_two_workers_at_the_same_moment_send_a_message_once(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    ids = [queue_message(sessions, key=f"race:{n}") for n in range(4)]
    now = utcnow()
    for message_id in ids:
        both = at_once(*[lambda mid=message_id: deliver(sessions, transport, mid, now)] * 2)
        assert sorted(result.outcome for result in both) == ["sent", "skipped"]
    assert len(fake.messages) == len(ids)
    assert all(message(sessions, mid).attempts == 1 for mid in ids)


def test_a_claim_whose_worker_died_is_taken_back_after_the_lease(
    sessions: sessionmaker, transport: TwilioTransport, fake: FakeTwilio
) -> None:
    message_id = queue_message(sessions)
    died = outbox_claims.claim_due(sessions, limit=10, now=utcnow())  # then the worker was killed
    assert died is not None and [m.id for m in died.messages] == [message_id]

    within = died.claimed_at + timedelta(seconds=119)
    assert deliver(sessions, transport, message_id, within).outcome == "skipped"
    assert outbox_claims.claim_lapsed(sessions, POLICY, limit=10, now=within) is None

    after = died.claimed_at + timedelta(seconds=120)
    sent = deliver(sessions, transport, message_id, after)
    assert sent.outcome == "sent" and len(fake.messages) == 1  # not found at Twilio: sent
    assert message(sessions, message_id).attempts == 2
    assert deliver(sessions, transport, message_id, after).outcome == "skipped"


def test_a_message_whose_worker_died_on_its_last_try_is_given_up(
    sessions: sessionmaker, tmp_path: Path, any_bank_url: str, fake: FakeTwilio
) -> None:
    dying = DyingTransport(outbox_settings(tmp_path, any_bank_url, fake))
    message_id = queue_message(sessions)
    moment = utcnow()
    for _ in range(POLICY.max_attempts):  # every try's worker dies mid-send
        with pytest.raises(Dies):
            deliver(sessions, dying, message_id, moment)
        assert message(sessions, message_id).status == "sending"
        moment += timedelta(seconds=POLICY.lease_seconds)

    given_up = deliver(sessions, dying, message_id, moment)  # looked for, not found: no 4th try
    assert given_up.outcome == "failed"
    row = message(sessions, message_id)
    assert (row.status, row.attempts, row.body) == ("failed", 3, "")
    assert "worker stopped" in row.last_error
    assert fake.messages == []


def test_logs_mask_the_number_and_never_carry_the_body(
    sessions: sessionmaker,
    transport: TwilioTransport,
    fake: FakeTwilio,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next(1)
    message_id = queue_message(sessions)
    retry = deliver(sessions, transport, message_id, utcnow())
    deliver(sessions, transport, message_id, retry.retry_at)
    assert f"outbox {message_id} sms to {mask_phone(RAVI)}: sent" in caplog.text
    assert "482913" not in caplog.text and RAVI not in caplog.text
