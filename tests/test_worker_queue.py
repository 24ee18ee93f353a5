"""The worker on a real huey queue: SQLite in the home folder, or Redis; a consumer running in a
thread delivers what is queued, retries on time, and every sweep hands a due message on once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import List

import pytest
from huey import RedisHuey, SqliteHuey
from huey.signals import SIGNAL_COMPLETE
from sqlalchemy.orm import sessionmaker

from assistant.db import session_factory, utcnow
from assistant.messaging import outbox
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.settings import Settings
from assistant.worker.app import Worker
from assistant.worker.queue import make_huey
from tests.outbox_support import (
    SID,
    TOKEN,
    at_once,
    message,
    outbox_settings,
    queue_message,
    wait_until,
)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queue_url(request: pytest.FixtureRequest) -> str:
    """The queue on SQLite in the home folder, and again on Redis (when it is configured)."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("redis_url")


def make_worker(settings: Settings, sessions: sessionmaker, **kwargs) -> Worker:  # noqa: ANN003
    # A queue of its own, so tests sharing a Redis never see each other's tasks.
    return Worker(settings, sessions, queue_name=f"test-{uuid.uuid4().hex[:10]}", **kwargs)


class Running:
    """A worker consuming its queue in a thread, as ``assistant worker`` does in a process."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.swept = threading.Event()
        worker.huey.signal(SIGNAL_COMPLETE)(self._completed)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=worker.run, args=(self.stop,), daemon=True)

    def _completed(self, signal: str, task: object) -> None:
        if type(task).__name__ == "sweep":
            self.swept.set()

    def __enter__(self) -> Running:
        self.thread.start()
        assert self.swept.wait(20), "the consumer did not run its first sweep"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        self.worker.huey.flush()
        self.worker.close()


@pytest.fixture
def worker_settings(tmp_path: Path, bank_url: str, fake: FakeTwilio, queue_url: str) -> Settings:
    return outbox_settings(
        tmp_path / "home",
        bank_url,
        fake,
        queue_url=queue_url,
        worker_heartbeat_seconds=0.5,
        outbox_backoff_seconds=0.5,
    )


def test_a_running_worker_delivers_a_message_as_soon_as_it_is_queued(
    worker_settings: Settings, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    with Running(make_worker(worker_settings, sessions)) as running:
        message_id = queue_message(sessions)  # after the first sweep: only deliver_soon sends it
        running.worker.deliver_soon(message_id)
        wait_until(lambda: message(sessions, message_id).status == "sent", what="the delivery")
    assert [m.to for m in fake.messages] == ["+15550100002"]
    assert message(sessions, message_id).body == ""


def test_a_failed_try_is_made_again_when_its_wait_is_over(
    worker_settings: Settings, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    fake.fail_next(1)
    with Running(make_worker(worker_settings, sessions)) as running:
        message_id = queue_message(sessions)
        running.worker.deliver_soon(message_id)
        wait_until(lambda: message(sessions, message_id).status == "sent", what="the retry")
    row = message(sessions, message_id)
    assert (row.attempts, len(fake.messages)) == (2, 1)
    assert "503" in row.last_error


def test_the_first_sweep_of_a_starting_worker_sends_what_waited(
    worker_settings: Settings, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    waiting = [queue_message(sessions, key=f"waiting:{n}") for n in range(3)]  # nobody told
    with Running(make_worker(worker_settings, sessions)):
        wait_until(lambda: all(message(sessions, m).status == "sent" for m in waiting))
    assert len(fake.messages) == 3


def test_two_sweeps_at_once_send_each_due_message_once(
    tmp_path: Path, any_bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(any_bank_url)
    settings = outbox_settings(tmp_path / "home", any_bank_url, fake)
    worker = make_worker(settings, sessions)
    ids = [queue_message(sessions, key=f"due:{n}") for n in range(3)]
    now = utcnow()

    first, second = at_once(lambda: worker.sweep_now(now), lambda: worker.sweep_now(now))

    assert first["outbox"] == second["outbox"] == 3  # each saw them due and queued a delivery
    tasks = []
    while (task := worker.huey.dequeue()) is not None:
        tasks.append(task)
    at_once(*[lambda task=task: worker.huey.execute(task) for task in tasks])
    assert [message(sessions, m).status for m in ids] == ["sent"] * 3
    assert len(fake.messages) == 3
    assert worker.sweep_now()["outbox"] == 0
    worker.close()


def test_a_fan_out_queued_in_bulk_goes_out_in_batches_as_soon_as_asked(
    worker_settings: Settings, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    settings = worker_settings.copy(update={"sms_per_second": 0, "outbox_batch_size": 50})
    with Running(make_worker(settings, sessions)) as running:
        with sessions() as session, session.begin():  # after the first sweep: only asked
            rows = [
                {"dedupe_key": f"warning:{n}", "to_phone": f"+1555060{n:04d}", "body": "Beware."}
                for n in range(300)
            ]
            assert outbox.add_many(session, rows) == 300
        running.worker.deliver_due_soon()
        wait_until(lambda: len(fake.messages) == 300, what="the fan-out")
    assert set(fake.accepted().values()) == {1}


def test_a_long_fan_out_makes_way_for_the_other_jobs_and_comes_back(
    worker_settings: Settings, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    settings = worker_settings.copy(
        update={"sms_per_second": 100, "outbox_task_seconds": 0.3, "outbox_batch_size": 20}
    )
    runs: List[str] = []
    worker = make_worker(settings, sessions)
    worker.huey.signal(SIGNAL_COMPLETE)(lambda signal, task: runs.append(type(task).__name__))
    with Running(worker) as running:
        with sessions() as session, session.begin():
            rows = [
                {"dedupe_key": f"warning:{n}", "to_phone": f"+1555060{n:04d}", "body": "Beware."}
                for n in range(150)
            ]
            outbox.add_many(session, rows)
        running.worker.deliver_due_soon("sms")
        wait_until(lambda: len(fake.messages) == 150, what="the fan-out")
    assert runs.count("deliver_due") >= 3  # 1.5 s of sending in turns of 0.3 s
    assert set(fake.accepted().values()) == {1}


def test_a_message_the_queue_could_not_take_is_sent_by_the_next_sweep(
    tmp_path: Path, bank_url: str, fake: FakeTwilio
) -> None:
    sessions = session_factory(bank_url)
    unreachable = outbox_settings(
        tmp_path / "home", bank_url, fake, queue_url="redis://127.0.0.1:9/0"
    )
    message_id = queue_message(sessions)
    make_worker(unreachable, sessions).deliver_soon(message_id)  # no exception for the caller

    worker = make_worker(outbox_settings(tmp_path / "home", bank_url, fake), sessions)
    assert worker.sweep_now()["outbox"] == 1
    worker.huey.execute(worker.huey.dequeue())
    assert message(sessions, message_id).status == "sent" and len(fake.messages) == 1
    worker.close()


def test_each_sweep_runs_the_due_jobs_with_its_moment_and_one_failing_stops_none(
    tmp_path: Path, bank_url: str, fake: FakeTwilio
) -> None:
    seen: List[datetime] = []

    def expire_holds(now: datetime) -> int:
        seen.append(now)
        return 2

    def broken(now: datetime) -> int:
        raise RuntimeError("the database went away")

    def expire_invitations(now: datetime) -> int:
        seen.append(now)
        return 0

    sessions = session_factory(bank_url)
    worker = make_worker(
        outbox_settings(tmp_path / "home", bank_url, fake),
        sessions,
        due_jobs=[expire_holds, broken, expire_invitations],
    )
    now = utcnow()
    handled = worker.sweep_now(now)
    assert handled == {"outbox": 0, "expire_holds": 2, "expire_invitations": 0}
    assert seen == [now, now]
    worker.close()


def test_the_queue_is_sqlite_in_the_home_folder_or_redis_by_url(tmp_path: Path) -> None:
    embedded = make_huey(Settings(home=tmp_path / "home"))
    assert isinstance(embedded, SqliteHuey)
    assert embedded.storage.filename == str(tmp_path / "home" / "queue.db")
    assert isinstance(
        make_huey(Settings(home=tmp_path, queue_url="redis://127.0.0.1:1/0")), RedisHuey
    )
    with pytest.raises(ValueError, match="ASSISTANT_QUEUE_URL"):
        make_huey(Settings(home=tmp_path, queue_url="amqp://rabbit"))
