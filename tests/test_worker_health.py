"""Is the worker alive? Its heartbeat says so: fresh means ready, stale or gone means not, for
``/readyz`` and for ``assistant up``. The process itself beats within a second or two and says
goodbye (its row deleted) when stopped with SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.db import migrate, session_factory, utcnow
from assistant.gateway.app import create_app
from assistant.processes import isolated_environment
from assistant.settings import Settings
from assistant.worker.health import worker_alive
from assistant.worker.heartbeat import Heartbeat, worker_name
from assistant.worker.models import WorkerHeartbeat
from tests.outbox_support import wait_until


@pytest.fixture
def sessions(bank_url: str) -> sessionmaker:
    return session_factory(bank_url)


def heartbeats(sessions: sessionmaker) -> list:
    with sessions() as session:
        return list(session.execute(select(WorkerHeartbeat)).scalars())


def test_a_fresh_heartbeat_is_alive_and_a_stale_one_is_not(
    sessions: sessionmaker, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, worker_stale_seconds=30)
    now = utcnow()
    assert not worker_alive(sessions, settings, now)  # no worker ever ran

    Heartbeat(sessions, interval=5).beat(now)

    assert worker_alive(sessions, settings, now + timedelta(seconds=30))
    assert not worker_alive(sessions, settings, now + timedelta(seconds=31))
    assert worker_alive(sessions, settings, now, pid=os.getpid())
    assert not worker_alive(sessions, settings, now, pid=os.getpid() + 1)  # another process


def test_a_running_heartbeat_renews_its_row_and_removes_it_when_stopped(
    sessions: sessionmaker,
) -> None:
    heartbeat = Heartbeat(sessions, interval=0.1).start()
    try:
        (row,) = heartbeats(sessions)
        assert (row.name, row.pid) == (worker_name(), os.getpid())
        first = row.beat_at
        wait_until(lambda: heartbeats(sessions)[0].beat_at > first, what="a second beat")
    finally:
        heartbeat.stop()
    assert heartbeats(sessions) == []


def test_a_heartbeat_is_withheld_while_the_workers_threads_are_down(
    sessions: sessionmaker, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path, worker_stale_seconds=0.5)
    heartbeat = Heartbeat(sessions, interval=0.1, alive=lambda: False).start()
    try:
        wait_until(lambda: not worker_alive(sessions, settings), what="the beat to go stale")
        assert len(heartbeats(sessions)) == 1  # its row stays, its time does not move
    finally:
        heartbeat.stop()


def test_readyz_names_the_worker_until_one_beats(settings: Settings) -> None:
    app = create_app(settings)

    async def readyz() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            return await client.get("/readyz")

    without = asyncio.run(readyz())
    assert without.status_code == 503
    assert without.json()["worker"] is False and "worker" in without.json()["failed"]

    Heartbeat(app.state.store, interval=5).beat()
    beating = asyncio.run(readyz()).json()
    assert beating["worker"] is True and "worker" not in beating["failed"]


@pytest.mark.parametrize(
    ("command", "stop_with"),
    [
        (["-m", "assistant.worker"], signal.SIGTERM),
        (["-m", "assistant.cli", "worker"], signal.SIGINT),
    ],
    ids=["python -m assistant.worker, SIGTERM", "assistant worker, Ctrl-C"],
)
def test_the_worker_process_beats_within_seconds_and_leaves_cleanly(
    tmp_path: Path, command: list, stop_with: int
) -> None:
    env = {
        **os.environ,
        **isolated_environment(tmp_path),
        "ASSISTANT_WORKER_HEARTBEAT_SECONDS": "1",
    }
    settings = Settings(home=tmp_path, database_url="")
    migrate(settings.bank_database_url)
    sessions = session_factory(settings.bank_database_url)
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen([sys.executable, *command], env=env, stdout=log, stderr=log)
    try:
        wait_until(
            lambda: worker_alive(sessions, settings, pid=process.pid),
            timeout=15,
            what="the worker's first heartbeat",
        )
        process.send_signal(stop_with)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    assert heartbeats(sessions) == []
    output = (tmp_path / "worker.log").read_text()
    assert "worker" in output and "stopped" in output
