"""The outbox in bulk: many messages queued at once, claimed in batches (never one message by
two workers, on SQLite and PostgreSQL), sent through the real Twilio client to the loopback fake,
finished in bulk; quiet hours, rate limits, Twilio's answers (21610, permanent errors, trouble),
lapsed claims looked for at Twilio before any resend, and a batch's progress and cancelling."""

from __future__ import annotations

import time as clock
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.db import session_factory, utcnow
from assistant.messaging import outbox
from assistant.messaging.delivery_status import record_delivery
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import OutboxMessage, SmsMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.outbox_claims import DeliveryPolicy, claim_due, defer_quiet
from assistant.messaging.outbox_delivery import OutboxDelivery
from assistant.messaging.quiet_hours import QuietHours
from assistant.messaging.rate_limits import LocalRateLimiter, RedisRateLimiter
from assistant.messaging.transport import TwilioTransport
from assistant.settings import Settings
from tests.outbox_support import SID, TOKEN, at_once, message, outbox_settings

WARNING = "Kindly Bank: the police will never ask you to move money to a safe account."
POLICY = DeliveryPolicy(max_attempts=3, backoff_seconds=5, lease_seconds=120)
NEW_YORK = ZoneInfo("America/New_York")


def _night_after_today() -> datetime:
    """04:00 UTC two days ahead: 23:00 or midnight in New York (quiet), 13:00 in Tokyo (day)."""
    day = (utcnow() + timedelta(days=2)).date()
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=timezone.utc)


def _next_eight_in_new_york(moment: datetime) -> datetime:
    here = moment.astimezone(NEW_YORK)
    day = here.date() if here.hour < 8 else here.date() + timedelta(days=1)
    return datetime.combine(day, time(8), NEW_YORK).astimezone(timezone.utc)


NIGHT_IN_NEW_YORK = _night_after_today()
MORNING_IN_NEW_YORK = _next_eight_in_new_york(NIGHT_IN_NEW_YORK)


def number(n: int) -> str:
    return f"+1555030{n:04d}"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN, keep=20_000) as server:
        yield server


@pytest.fixture
def sessions(any_bank_url: str) -> sessionmaker:
    return session_factory(any_bank_url)


@pytest.fixture
def settings(tmp_path: Path, any_bank_url: str, fake: FakeTwilio) -> Settings:
    return outbox_settings(tmp_path, any_bank_url, fake, sms_per_second=0, calls_per_second=0)


@pytest.fixture
def transport(settings: Settings, sessions: sessionmaker) -> TwilioTransport:
    return TwilioTransport(settings, sessions)


@pytest.fixture
def delivery(
    settings: Settings, sessions: sessionmaker, transport: TwilioTransport
) -> Iterator[OutboxDelivery]:
    sender = OutboxDelivery(
        settings,
        sessions,
        transport,
        policy=POLICY,
        call_url=lambda mid: f"https://bank.example/twilio/voice/outbox/{mid}",
    )
    yield sender
    sender.close()


def queue(sessions: sessionmaker, rows: List[Dict[str, Any]]) -> int:
    with sessions() as session, session.begin():
        return outbox.add_many(session, rows)


def warning_rows(count: int, batch: str = "broadcast:1", **fields: Any) -> List[Dict[str, Any]]:
    return [
        {"dedupe_key": f"{batch}:{n}", "to_phone": number(n), "body": WARNING, "batch": batch}
        | fields
        for n in range(count)
    ]


def rows_of(sessions: sessionmaker, batch: str = "broadcast:1") -> List[OutboxMessage]:
    with sessions() as session:
        return list(
            session.execute(
                select(OutboxMessage).where(OutboxMessage.batch == batch).order_by(OutboxMessage.id)
            ).scalars()
        )


def progress(sessions: sessionmaker, batch: str = "broadcast:1") -> Dict[str, int]:
    with sessions() as session:
        return outbox.batch_progress(session, batch)


# ---- queueing many ---------------------------------------------------------------------------


def test_add_many_queues_each_key_once_and_says_how_many_were_new(
    sessions: sessionmaker,
) -> None:
    first = warning_rows(1200)
    assert queue(sessions, first[:200]) == 200
    # 200 known keys, a key twice in one call, 1,000 new ones (past one driver page of 1,000)
    again = first + [first[-1]]
    assert queue(sessions, again) == 1000
    assert queue(sessions, again) == 0
    rows = rows_of(sessions)
    assert len(rows) == 1200
    assert {(r.status, r.medium, r.purpose, r.body, r.attempts, r.deferred) for r in rows} == {
        ("pending", "sms", "alert", WARNING, 0, False)
    }


def test_add_many_keeps_each_rows_medium_zone_and_customer(
    sessions: sessionmaker, demo_bank: Any, ravi_id: int
) -> None:
    queued = queue(
        sessions,
        [
            {
                "dedupe_key": "warning:call",
                "to_phone": "+15550100002",
                "body": "A warning, said slowly.",
                "medium": "call",
                "purpose": "warning",
                "customer_id": ravi_id,
                "batch": "broadcast:7",
                "time_zone": "America/Chicago",
            }
        ],
    )
    assert queued == 1
    (row,) = rows_of(sessions, "broadcast:7")
    assert (row.medium, row.purpose, row.customer_id, row.time_zone) == (
        "call",
        "warning",
        ravi_id,
        "America/Chicago",
    )
    with pytest.raises(ValueError, match="text or a call"):
        queue(sessions, [{"dedupe_key": "x", "to_phone": "+1", "body": "x", "medium": "fax"}])


# ---- claiming in batches -----------------------------------------------------------------------


def test_workers_racing_for_batches_never_claim_a_message_twice(sessions: sessionmaker) -> None:
    queue(sessions, warning_rows(600))
    now = utcnow()
    claimed: List[int] = []
    rounds = 0
    while True:  # each round, four workers claim at the same moment
        claims = at_once(*[lambda: claim_due(sessions, limit=40, medium="sms", now=now)] * 4)
        won = [claim for claim in claims if claim is not None]
        if not won:
            break
        rounds += 1
        claimed.extend(m.id for claim in won for m in claim.messages)
    assert len(claimed) == len(set(claimed)) == 600
    assert rounds <= 5  # 15 batches of 40: several won in the same round
    rows = rows_of(sessions)
    assert {(r.status, r.attempts) for r in rows} == {("sending", 1)}
    assert len({r.claim_token for r in rows}) == 15  # one token per batch of 40


def test_a_batch_is_sent_once_per_number_and_finished_in_bulk(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    queue(sessions, warning_rows(450))
    report = delivery.run_due("sms")
    assert report.outcomes == {"sent": 450} and report.batches == 3
    assert set(fake.accepted().values()) == {1} and len(fake.accepted()) == 450
    sids = {m.to: m.sid for m in fake.messages}
    rows = rows_of(sessions)
    assert all(r.status == "sent" and r.provider_sid == sids[r.to_phone] for r in rows)
    assert {r.body for r in rows} == {""}
    callback = fake.messages[0].status_callback
    assert callback is not None and callback.startswith(
        "https://bank.example/twilio/sms/status?outbox="
    )
    with sessions() as session:
        records = session.execute(select(SmsMessage).where(SmsMessage.direction == "out")).scalars()
        assert {(r.purpose, r.segments, r.encoding) for r in records} == {("alert", 1, "GSM-7")}
    assert progress(sessions)["sent"] == 450
    assert delivery.run_due("sms").outcomes == {}


# ---- quiet hours -------------------------------------------------------------------------------


def test_a_night_message_waits_for_the_morning_there_without_counting_a_try(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    queue(
        sessions,
        [
            {
                "dedupe_key": "ny",
                "to_phone": number(1),
                "body": WARNING,
                "batch": "b",
                "time_zone": "America/New_York",
            },
            {
                "dedupe_key": "tokyo",
                "to_phone": number(2),
                "body": WARNING,
                "batch": "b",
                "time_zone": "Asia/Tokyo",
            },
            {
                "dedupe_key": "code",
                "to_phone": number(3),
                "body": "Your code is 482913.",
                "batch": "b",
            },
        ],
    )
    night = delivery.run_due("sms", now=NIGHT_IN_NEW_YORK)
    assert night.deferred_before_claim == 1 and night.outcomes == {"sent": 2}
    assert sorted(m.to for m in fake.messages) == [number(2), number(3)]
    (waiting,) = [r for r in rows_of(sessions, "b") if r.status == "pending"]
    assert (waiting.to_phone, waiting.deferred, waiting.attempts) == (number(1), True, 0)
    assert waiting.next_attempt_at == MORNING_IN_NEW_YORK
    assert (progress(sessions, "b")["deferred"], progress(sessions, "b")["queued"]) == (1, 0)

    just_before = delivery.run_due("sms", now=MORNING_IN_NEW_YORK - timedelta(seconds=1))
    assert just_before.outcomes == {} and len(fake.messages) == 2
    morning = delivery.run_due("sms", now=MORNING_IN_NEW_YORK)
    assert morning.outcomes == {"sent": 1}
    row = message(sessions, waiting.id)
    assert (row.status, row.attempts, row.deferred) == ("sent", 1, False)


def test_a_night_message_claimed_on_its_own_is_deferred_too(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    with sessions() as session, session.begin():
        message_id = outbox.add(
            session,
            dedupe_key="alert:1",
            to_phone=number(1),
            body=WARNING,
            time_zone="America/New_York",
        )
    result = delivery.deliver_one(message_id, now=NIGHT_IN_NEW_YORK)
    assert (result.outcome, result.retry_at) == ("deferred", MORNING_IN_NEW_YORK)
    row = message(sessions, message_id)
    assert (row.status, row.deferred, row.attempts, row.claim_token) == ("pending", True, 0, None)
    assert fake.messages == []


# ---- what Twilio answers -------------------------------------------------------------------------


def test_a_number_that_texted_stop_at_twilio_is_opted_out_and_never_tried_again(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    fake.opt_out(number(1))
    queue(sessions, warning_rows(3))
    assert delivery.run_due("sms").outcomes == {"sent": 2, "opted_out": 1}
    refused = [r for r in rows_of(sessions) if r.to_phone == number(1)][0]
    assert (refused.status, refused.error_code, refused.attempts, refused.body) == (
        "opted_out",
        "21610",
        1,
        "",
    )
    assert OptOutStore(sessions).is_opted_out(number(1))
    assert sorted(fake.accepted()) == [number(0), number(2)]

    rejected = fake.rejected
    queue(sessions, warning_rows(3, batch="broadcast:2"))
    assert delivery.run_due("sms").outcomes == {"sent": 2, "opted_out": 1}
    assert fake.rejected == rejected  # closed here: Twilio was not asked again
    assert progress(sessions, "broadcast:2")["opted_out"] == 1


@pytest.mark.parametrize("code", [21211, 21614, 21612])
def test_a_permanent_error_fails_at_once(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio, code: int
) -> None:
    fake.refuse(number(0), code=code)
    queue(sessions, warning_rows(1))
    assert delivery.run_due("sms").outcomes == {"failed": 1}
    (row,) = rows_of(sessions)
    assert (row.status, row.attempts, row.error_code, row.body) == ("failed", 1, str(code), "")
    assert f"error {code}" in row.last_error


@pytest.mark.parametrize("status", [429, 500, 503])
def test_trouble_at_twilio_is_tried_again_after_the_backoff(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio, status: int
) -> None:
    queue(sessions, warning_rows(1))
    start = utcnow()
    fake.fail_next(1, status=status)
    assert delivery.run_due("sms", now=start).outcomes == {"retry": 1}
    (row,) = rows_of(sessions)
    assert (row.status, row.next_attempt_at) == ("pending", start + timedelta(seconds=5))
    assert delivery.run_due("sms", now=start + timedelta(seconds=5)).outcomes == {"sent": 1}
    assert len(fake.messages) == 1


# ---- a worker killed mid-batch -----------------------------------------------------------------


def test_a_lapsed_batch_is_looked_for_at_twilio_and_nothing_is_sent_twice(
    sessions: sessionmaker,
    delivery: OutboxDelivery,
    transport: TwilioTransport,
    fake: FakeTwilio,
) -> None:
    queue(sessions, warning_rows(5))
    start = utcnow()
    dead = claim_due(sessions, limit=5, now=start)
    assert dead is not None
    # The killed worker got two of its five texts out before it died.
    early = {
        m.id: transport.create_message(m.to_phone, m.body, "https://bank.example/s")
        for m in dead.messages[:2]
    }

    assert delivery.run_due("sms", now=start + timedelta(seconds=119)).outcomes == {}
    after = delivery.run_due("sms", now=start + timedelta(seconds=120))
    assert after.outcomes == {"sent": 5}
    assert set(fake.accepted().values()) == {1} and len(fake.accepted()) == 5
    for row in rows_of(sessions):
        assert row.status == "sent"
        if row.id in early:
            assert (row.provider_sid, row.attempts) == (early[row.id], 1)  # found, not resent
        else:
            assert row.attempts == 2


def test_a_lapsed_call_is_looked_for_at_twilio_too(
    sessions: sessionmaker,
    delivery: OutboxDelivery,
    transport: TwilioTransport,
    fake: FakeTwilio,
) -> None:
    queue(sessions, warning_rows(2, medium="call"))
    start = utcnow()
    dead = claim_due(sessions, limit=5, now=start)
    placed = transport.create_call(
        dead.messages[0].to_phone, "https://bank.example/x", "https://bank.example/s"
    )
    assert delivery.run_due("call", now=start + timedelta(seconds=120)).outcomes == {"sent": 2}
    assert len(fake.calls) == 2
    first = message(sessions, dead.messages[0].id)
    assert (first.provider_sid, first.body) == (placed, WARNING)


def test_a_send_without_an_answer_is_looked_for_before_its_next_try(
    tmp_path: Path, any_bank_url: str, sessions: sessionmaker, fake: FakeTwilio
) -> None:
    settings = outbox_settings(tmp_path, any_bank_url, fake, sms_per_second=0)
    impatient = TwilioTransport(settings, sessions, timeout=0.3)
    sender = OutboxDelivery(settings, sessions, impatient, policy=POLICY)
    queue(sessions, warning_rows(1))
    start = utcnow()
    fake.delay_answers(1.0)  # Twilio takes the message but answers too late
    try:
        assert sender.run_due("sms", now=start).outcomes == {"unsure": 1}
    finally:
        fake.delay_answers(0)
    (row,) = rows_of(sessions)
    assert (row.status, row.claim_token, row.next_attempt_at) == (
        "sending",
        None,
        start + timedelta(seconds=5),
    )
    assert sender.run_due("sms", now=start + timedelta(seconds=60)).outcomes == {}  # leased
    assert sender.run_due("sms", now=start + timedelta(seconds=120)).outcomes == {"sent": 1}
    (accepted,) = fake.messages
    assert message(sessions, row.id).provider_sid == accepted.sid
    sender.close()


# ---- rate limits ---------------------------------------------------------------------------------


def test_the_rate_limit_spaces_the_sends_of_a_fan_out(
    tmp_path: Path, any_bank_url: str, sessions: sessionmaker, fake: FakeTwilio
) -> None:
    settings = outbox_settings(tmp_path, any_bank_url, fake, sms_per_second=50)
    sender = OutboxDelivery(settings, sessions, TwilioTransport(settings, sessions), policy=POLICY)
    assert sender.batch_size("sms") == 200
    queue(sessions, warning_rows(200))
    started = clock.monotonic()
    assert sender.run_due("sms").outcomes == {"sent": 200}
    elapsed = clock.monotonic() - started
    assert 199 / 50 <= elapsed < 12, elapsed  # 200 sends 20 ms apart: about four seconds
    sender.close()


def test_a_slow_rate_makes_batches_small_so_a_cancel_takes_effect_soon() -> None:
    settings = Settings(sms_per_second=10, calls_per_second=1)
    sender = OutboxDelivery(settings, sessionmaker(), provider=None)  # type: ignore[arg-type]
    assert (sender.batch_size("sms"), sender.batch_size("call")) == (50, 5)
    unlimited = OutboxDelivery(
        Settings(sms_per_second=0),
        sessionmaker(),
        provider=None,  # type: ignore[arg-type]
    )
    assert unlimited.batch_size("sms") == 200


def test_the_threads_of_a_worker_share_its_limit() -> None:
    limiter = LocalRateLimiter({"sms": 100, "call": 0})
    started = clock.monotonic()
    at_once(*[lambda: [limiter.wait("sms") for _ in range(25)]] * 4)
    assert clock.monotonic() - started >= 99 / 100
    assert limiter.wait("call") == 0.0


@pytest.mark.redis
def test_workers_on_one_redis_share_one_limit(redis_url: str) -> None:
    url = redis_url
    scope = f"test-{uuid.uuid4().hex[:8]}"
    workers = [RedisRateLimiter(url, {"sms": 50}, scope) for _ in range(2)]
    started = clock.monotonic()
    at_once(*[lambda w=w: [w.wait("sms") for _ in range(40)] for w in workers])
    assert clock.monotonic() - started >= 79 / 50  # 80 slots at 50 a second, not 40
    for worker in workers:
        worker.close()


# ---- a batch: progress, cancelling, calls -------------------------------------------------------


def test_cancelling_a_batch_stops_what_waits_and_keeps_what_was_sent(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    queue(sessions, warning_rows(4))
    delivery.run_due("sms")  # four sent
    queue(sessions, warning_rows(10))  # six more waiting
    night = [
        {
            "dedupe_key": f"broadcast:1:ny:{n}",
            "to_phone": number(100 + n),
            "body": WARNING,
            "batch": "broadcast:1",
            "time_zone": "America/New_York",
        }
        for n in range(3)
    ]
    queue(sessions, night)
    assert defer_quiet(sessions, QuietHours.parse("21:00-08:00"), now=NIGHT_IN_NEW_YORK) == 3
    counts = progress(sessions)
    assert (counts["sent"], counts["queued"], counts["deferred"]) == (4, 6, 3)

    with sessions() as session, session.begin():
        assert outbox.cancel_batch(session, "broadcast:1") == 9
    assert delivery.run_due("sms").outcomes == {}
    counts = progress(sessions)
    assert (counts["sent"], counts["cancelled"], counts["queued"], counts["deferred"]) == (
        4,
        9,
        0,
        0,
    )
    assert counts["total"] == 13 and len(fake.messages) == 4
    assert {r.body for r in rows_of(sessions) if r.status == "cancelled"} == {""}


def test_cancelling_a_batch_includes_the_messages_deferred_to_the_morning(
    sessions: sessionmaker, delivery: OutboxDelivery
) -> None:
    queue(sessions, warning_rows(3, time_zone="America/New_York"))
    delivery.run_due("sms", now=NIGHT_IN_NEW_YORK)
    assert progress(sessions)["deferred"] == 3
    with sessions() as session, session.begin():
        assert outbox.cancel_batch(session, "broadcast:1") == 3
    assert progress(sessions)["cancelled"] == 3
    assert {r.body for r in rows_of(sessions)} == {""}


def test_a_message_heard_another_way_is_cancelled_only_while_it_waits(
    sessions: sessionmaker, delivery: OutboxDelivery
) -> None:
    queue(sessions, warning_rows(2))
    with sessions() as session, session.begin():
        assert outbox.cancel_for(session, "broadcast:1:0") is True
        assert outbox.cancel_for(session, "broadcast:1:0") is False
        assert outbox.cancel_for(session, "no-such-key") is False
    delivery.run_due("sms")
    with sessions() as session, session.begin():
        assert outbox.cancel_for(session, "broadcast:1:1") is False  # sent already
    assert [r.status for r in rows_of(sessions)] == ["cancelled", "sent"]


def test_progress_follows_the_delivery_reports(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    fake.opt_out(number(5))
    fake.refuse(number(6), code=21211)
    queue(sessions, warning_rows(7))
    delivery.run_due("sms")
    sids = {m.to: m.sid for m in fake.messages}
    record_delivery(sessions, sids[number(0)], "delivered")
    record_delivery(sessions, sids[number(1)], "delivered")
    record_delivery(sessions, sids[number(1)], "sent")  # late and out of order: ignored
    record_delivery(sessions, sids[number(2)], "undelivered", "30003")
    record_delivery(sessions, sids[number(3)], "sent")
    assert progress(sessions) == {
        "queued": 0,
        "deferred": 0,
        "sending": 0,
        "sent": 2,
        "delivered": 2,
        "failed": 2,
        "opted_out": 1,
        "cancelled": 0,
        "total": 7,
    }
    assert record_delivery(sessions, "SM" + "0" * 32, "delivered") is None


def test_twilio_saying_stop_in_a_status_callback_opts_the_number_out(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    queue(sessions, warning_rows(1))
    delivery.run_due("sms")
    (sent,) = fake.messages
    assert record_delivery(sessions, sent.sid, "failed", "21610") is not None
    (row,) = rows_of(sessions)
    assert (row.status, row.delivery_status, row.error_code) == ("opted_out", "failed", "21610")
    assert OptOutStore(sessions).is_opted_out(number(0))


def test_a_call_keeps_its_script_until_its_last_status_or_a_day(
    sessions: sessionmaker, delivery: OutboxDelivery, fake: FakeTwilio
) -> None:
    queue(sessions, warning_rows(2, medium="call"))
    delivery.run_due("call")
    first, second = fake.calls
    record_delivery(sessions, first.sid, "ringing")
    record_delivery(sessions, first.sid, "in-progress")
    ids = {r.provider_sid: r.id for r in rows_of(sessions)}
    assert outbox.call_script(sessions, ids[first.sid]).body == WARNING
    record_delivery(sessions, first.sid, "completed")
    assert outbox.call_script(sessions, ids[first.sid]) is None
    assert message(sessions, ids[first.sid]).delivery_status == "completed"

    assert outbox.forget_call_scripts(sessions, utcnow(), timedelta(hours=24)) == 0
    later = utcnow() + timedelta(hours=25)
    assert outbox.forget_call_scripts(sessions, later, timedelta(hours=24)) == 1
    assert outbox.call_script(sessions, ids[second.sid]) is None
    assert progress(sessions)["delivered"] == 1


def test_a_status_that_beats_the_worker_is_kept_for_its_message(
    sessions: sessionmaker,
) -> None:
    queue(sessions, warning_rows(1))
    claim = claim_due(sessions, limit=1)
    (held,) = claim.messages
    # Twilio called back before the worker wrote the sid down: the URL names the message.
    assert record_delivery(sessions, "SM" + "a" * 32, "sent", message_id=held.id) == held.id
    assert record_delivery(sessions, "SM" + "b" * 32, "sent", message_id=held.id + 1) is None
    assert message(sessions, held.id).delivery_status == "sent"


def test_the_fake_lists_what_it_sent_as_twilio_does(
    transport: TwilioTransport, fake: FakeTwilio
) -> None:
    since = utcnow()
    for n in range(60):
        transport.create_message(number(1), f"text {n}", "https://bank.example/s")
    transport.create_message(number(2), "text 0", "https://bank.example/s")
    listed = transport.client.messages.list(
        to=number(1), date_sent_after=since.strftime("%Y-%m-%d")
    )
    assert len(listed) == 60 and Counter(m.to for m in listed) == {number(1): 60}
    assert listed[0].body == "text 59"  # newest first, over two pages of 50
    assert transport.find_message(number(1), "text 7", since) == fake.messages[7].sid
    assert transport.find_message(number(1), "text 7", since + timedelta(minutes=1)) is None
    assert transport.find_message(number(3), "text 7", since) is None
    tomorrow = (since + timedelta(days=1)).strftime("%Y-%m-%d")
    assert transport.client.messages.list(to=number(1), date_sent_after=tomorrow) == []
