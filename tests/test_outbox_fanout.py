"""A warning published to 10,000 customers (``fraud.broadcasts``), fanned out and delivered by
a real worker process (``python -m assistant.worker``) through the loopback Twilio, with numbers
that texted STOP (at Twilio, and here), customers where it is night now, and the worker killed
(SIGKILL) in the middle of a batch Twilio had partly accepted, then started again: exactly one
text per customer who may get it, none to the opted-out, the night ones deferred (not sent,
counted deferred)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from assistant.db import dispose, migrate, session_factory, utcnow
from assistant.identity import StaffView
from assistant.messaging import outbox
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import OutboxMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.quiet_hours import QuietHours
from assistant.models import Customer
from assistant.processes import isolated_environment
from assistant.settings import PROJECT_ROOT, Settings
from fraud.broadcasts.audience import Audience
from fraud.broadcasts.service import Broadcasts
from fraud.broadcasts.views import Draft
from tests.outbox_support import SID, TOKEN, wait_until

WARNING = "Kindly Bank: a caller asking you to move money to a safe account is a scammer."
STAFF = StaffView(id=1, username="fraudops", role="fraud")
CUSTOMERS = 10_000
OPTED_OUT_AT_TWILIO = range(0, 10_000, 50)  # 200 numbers Twilio refuses (21610)
OPTED_OUT_HERE = range(25, 10_000, 100)  # 100 numbers that texted STOP to the bank
NIGHT = range(1, 10_000, 20)  # 500 customers where it is night now (the rest: day)
LEASE_SECONDS = 3


def number(n: int) -> str:
    return f"+1555040{n:04d}"


def zones_for_now() -> Tuple[str, str]:
    """A zone where it is night now and for the next minutes, and one where it is day."""
    quiet, now = QuietHours.parse("21:00-08:00"), utcnow()
    later = now + timedelta(minutes=5)
    zones = [f"Etc/GMT{offset:+d}" for offset in range(-12, 13)]
    night = next(z for z in zones if quiet.ends_at(z, now) and quiet.ends_at(z, later))
    day = next(z for z in zones if not quiet.ends_at(z, now) and not quiet.ends_at(z, later))
    return night, day


class WorkerProcess:
    """``python -m assistant.worker`` on the test's bank and loopback Twilio."""

    def __init__(self, home: Path, bank_url: str, fake: FakeTwilio) -> None:
        self.env = {
            **os.environ,
            **isolated_environment(home),
            "DATABASE_URL": bank_url,
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "ASSISTANT_TWILIO_TRANSPORT": "loopback",
            "ASSISTANT_TWILIO_API_BASE": fake.base_url,
            "ASSISTANT_PUBLIC_BASE_URL": "https://bank.example",
            "ASSISTANT_SMS_PER_SECOND": "0",
            "ASSISTANT_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "worker.log"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> WorkerProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "assistant.worker"],
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None, self.output()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def statuses(sessions: sessionmaker) -> Dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    return {status: count for status, count in rows}


def sending_numbers(sessions: sessionmaker) -> List[str]:
    with sessions() as session:
        return list(
            session.execute(
                select(OutboxMessage.to_phone).where(OutboxMessage.status == "sending")
            ).scalars()
        )


@pytest.fixture
def bank_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path}/bank.db"
    migrate(url)
    yield url
    dispose(url)


def test_a_fan_out_survives_a_killed_worker_and_reaches_each_number_exactly_once(
    tmp_path: Path, bank_url: str
) -> None:
    started = time.monotonic()
    sessions = session_factory(bank_url)
    batch = publish_to_everyone(sessions, Settings(home=tmp_path, database_url=bank_url))
    stops = OptOutStore(sessions)
    for n in OPTED_OUT_HERE:
        stops.opt_out(number(n))

    with FakeTwilio(SID, TOKEN, keep=2 * CUSTOMERS) as fake:
        fake.opt_out(*[number(n) for n in OPTED_OUT_AT_TWILIO])
        first = WorkerProcess(tmp_path / "home", bank_url, fake).start()
        try:
            wait_until(lambda: sum(fake.accepted().values()) >= 3000, 40, "3,000 texts sent")
            # Twilio goes on accepting texts but stops answering: the worker's threads each wait
            # on a text Twilio has taken, and the worker is killed right then.
            fake.delay_answers(5)
            time.sleep(0.5)
            first.kill()
        finally:
            first.stop()
        fake.delay_answers(0)
        killed_at = statuses(sessions)
        in_flight = sending_numbers(sessions)
        accepted_before = fake.accepted()
        taken_not_written = [phone for phone in in_flight if phone in accepted_before]
        assert in_flight, f"no batch was in flight at the kill: {killed_at}"
        assert taken_not_written, "Twilio had accepted none of the killed batch's texts"
        assert killed_at.get("pending", 0) > 0, "the fan-out was over before the kill"

        second = WorkerProcess(tmp_path / "home", bank_url, fake).start()
        try:
            wait_until(
                lambda: (
                    set(statuses(sessions)) <= {"sent", "opted_out", "pending"}
                    and _due_left(sessions) == 0
                ),
                60,
                "the restarted worker to finish the fan-out",
            )
        finally:
            second.stop()
        received = fake.accepted()

    eligible = [
        number(n)
        for n in range(CUSTOMERS)
        if n not in NIGHT and n not in OPTED_OUT_AT_TWILIO and n not in OPTED_OUT_HERE
    ]
    assert {phone: received[phone] for phone in eligible} == dict.fromkeys(eligible, 1)
    assert sum(received.values()) == len(eligible)  # nothing to the opted-out or the night
    with sessions() as session:
        progress = outbox.batch_progress(session, batch)
    assert progress == {
        "queued": 0,
        "deferred": len(NIGHT),
        "sending": 0,
        "sent": len(eligible),
        "delivered": 0,
        "failed": 0,
        "opted_out": len(OPTED_OUT_AT_TWILIO) + len(OPTED_OUT_HERE),
        "cancelled": 0,
        "total": CUSTOMERS,
    }
    assert all(OptOutStore(sessions).is_opted_out(number(n)) for n in OPTED_OUT_AT_TWILIO)
    print(
        f"\nfan-out of {CUSTOMERS}: killed with {len(in_flight)} in flight "
        f"({len(taken_not_written)} already at Twilio); {time.monotonic() - started:.1f} s"
    )


def publish_to_everyone(sessions: sessionmaker, settings: Settings) -> str:
    """10,000 customers who prefer texts (the night ones in a zone where it is night now),
    and a warning to everyone, fanned out as the worker's due job does; its outbox batch."""
    night_zone, day_zone = zones_for_now()
    customers = [
        {
            "name": f"Customer {n}",
            "phone": number(n),
            "preferred_channel": "sms",
            "time_zone": night_zone if n in NIGHT else day_zone,
        }
        for n in range(CUSTOMERS)
    ]
    with sessions() as session, session.begin():
        session.execute(Customer.__table__.insert(), customers)
    broadcasts = Broadcasts(sessions, settings)
    made = broadcasts.create(
        STAFF,
        Draft(
            title="Safe account calls",
            voice_text=WARNING,
            sms_text=WARNING,
            banner_text=WARNING,
            opener_text=WARNING,
            audience=Audience.of(everyone=True),
        ),
    )
    broadcasts.publish(STAFF, made.id)
    while broadcasts.get(made.id).fanned_out_at is None:
        broadcasts.fan_out_due()
    with sessions() as session:
        queued = session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    assert queued == CUSTOMERS  # one text per customer
    return f"broadcast:{made.id}"


def _due_left(sessions: sessionmaker) -> int:
    with sessions() as session:
        return session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                (OutboxMessage.status == "sending")
                | (
                    (OutboxMessage.status == "pending")
                    & (OutboxMessage.next_attempt_at <= utcnow())
                )
            )
        ).scalar_one()
