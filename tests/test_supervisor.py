"""``assistant up``'s supervisor: a part that dies is restarted, within a limit; files are private.

The parts here are small HTTP servers (Python's ``http.server``) standing in for the real ones,
so a kill and a restart take a fraction of a second, and the real worker, whose health is its
heartbeat; the real stack is in ``tests/e2e/test_trust_boundary.py``.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.db import migrate, session_factory
from assistant.processes import (
    Service,
    Stack,
    StackFailed,
    free_port,
    isolated_environment,
    worker_service,
)
from assistant.settings import Settings
from assistant.worker.health import worker_alive

# Writes a file (to show the umask it runs with), then serves HTTP on the port it is given.
PART = (
    "import runpy, sys; open(sys.argv[1], 'w').write('data'); "
    "sys.argv = ['http.server', sys.argv[2], '--bind', '127.0.0.1', '--directory', sys.argv[3]]; "
    "runpy.run_module('http.server', run_name='__main__')"
)


def part(name: str, home: Path) -> Service:
    port = free_port()
    command = [sys.executable, "-c", PART, str(home / f"{name}.data"), str(port), str(home)]
    return Service(name, command, f"http://127.0.0.1:{port}/")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for key, value in isolated_environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    return Settings()


def kill(service: Service) -> int:
    assert service.process is not None
    pid = service.process.pid
    os.kill(pid, signal.SIGKILL)
    service.process.wait(timeout=10)
    return pid


def test_a_part_that_died_is_restarted_with_a_line_in_its_log_and_on_the_console(
    settings: Settings,
) -> None:
    console: list[str] = []
    stack = Stack(settings, parts=[part("alpha", settings.home), part("beta", settings.home)])
    stack.echo = console.append
    with stack:
        alpha, beta = stack.services
        beta_pid = beta.process.pid
        dead = kill(alpha)
        assert stack.check() == ["alpha"]
        assert alpha.process.poll() is None and alpha.process.pid != dead
        assert Stack.healthy(alpha)
        assert beta.process.pid == beta_pid  # the others are left alone
        assert stack.check() == []
    assert console[0].startswith("alpha killed by signal 9; restarting it (restart 1 of at most 3")
    assert console[-1] == "alpha is back"
    log = (settings.home / "logs" / "alpha.log").read_text()
    assert "assistant up: alpha killed by signal 9; restarting it" in log


def test_past_the_restart_limit_everything_is_stopped_with_a_clear_message(
    settings: Settings,
) -> None:
    console: list[str] = []
    stack = Stack(
        settings,
        parts=[part("alpha", settings.home), part("beta", settings.home)],
        max_restarts=2,
        echo=console.append,
    )
    with pytest.raises(StackFailed) as failure, stack:
        for _ in range(3):
            kill(stack.services[0])
            stack.check()
    assert "alpha killed by signal 9 and has already been restarted 2 times in 10 minutes" in str(
        failure.value
    )
    assert "stopping everything" in console[-1]
    assert all(service.process.poll() is not None for service in stack.services)


def test_restarts_older_than_the_window_no_longer_count(settings: Settings) -> None:
    stack = Stack(
        settings,
        parts=[part("alpha", settings.home)],
        max_restarts=1,
        restart_window=0.5,
        echo=lambda _: None,
    )
    with stack:
        kill(stack.services[0])
        assert stack.check() == ["alpha"]
        time.sleep(0.6)  # the first restart leaves the window
        kill(stack.services[0])
        assert stack.check() == ["alpha"]  # past the limit of one, were the first remembered


def test_the_supervisor_loop_notices_a_dead_part_within_about_a_second(
    settings: Settings,
) -> None:
    stack = Stack(settings, parts=[part("alpha", settings.home)], echo=lambda _: None)
    stop = threading.Event()
    with stack:
        loop = threading.Thread(target=stack.supervise, args=(stop, 0.2), daemon=True)
        loop.start()
        try:
            dead = kill(stack.services[0])
            deadline = time.monotonic() + 10
            while stack.services[0].process.pid == dead or not Stack.healthy(stack.services[0]):
                assert time.monotonic() < deadline, "the supervisor did not restart the part"
                time.sleep(0.1)
        finally:
            stop.set()
            loop.join(timeout=10)
        assert not loop.is_alive()


def test_the_parts_and_their_logs_write_owner_only_files(settings: Settings) -> None:
    with Stack(settings, parts=[part("alpha", settings.home)], echo=lambda _: None):
        pass
    for path in (settings.home / "alpha.data", settings.home / "logs" / "alpha.log"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_worker_killed_with_sigkill_is_restarted_and_healthy_by_its_own_heartbeat(
    settings: Settings,
) -> None:
    migrate(settings.bank_database_url)
    sessions = session_factory(settings.bank_database_url)
    console: list[str] = []
    with Stack(settings, parts=[worker_service(settings)], echo=console.append) as stack:
        (worker,) = stack.services
        assert worker_alive(sessions, settings, pid=worker.process.pid)
        dead = kill(worker)
        # The dead worker's last beat is still fresh, but it is not the new process's.
        assert worker_alive(sessions, settings)
        assert stack.check() == ["worker"]
        assert worker.process.pid != dead and worker.process.poll() is None
        assert Stack.healthy(worker)
        assert worker_alive(sessions, settings, pid=worker.process.pid)
    assert console[0].startswith("worker killed by signal 9; restarting it")
    assert console[-1] == "worker is back"
    assert not worker_alive(sessions, settings, pid=worker.process.pid)  # gone on a clean stop
