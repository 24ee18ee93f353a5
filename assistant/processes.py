"""Start, supervise and stop the processes: action server, Rasa server, gateway, worker.

``Stack`` starts them, waits until each passes its health check (an HTTP route, or for the
worker its heartbeat), and (``supervise``) restarts a part that exited, at most
``max_restarts`` times within ``restart_window`` seconds; past that it raises ``StackFailed``
and the caller stops everything. Every child runs with umask 0o077, so
the databases, their WAL files, logs and token files it creates are owner-only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Callable, Deque, Dict, List, Optional

import httpx

from assistant.db import session_factory
from assistant.rasa_env import (
    ACTION_TOKEN_HEADER,
    CHANNEL_TOKEN_HEADER,
    rasa_environment,
    write_endpoints,
)
from assistant.settings import PROJECT_ROOT, Settings
from assistant.worker.health import worker_alive

UMASK = 0o077  # owner-only files for every process of the stack


class StackFailed(RuntimeError):
    """A part kept dying (past the restart limit) or did not come back."""


@dataclass
class Service:
    """One process of the stack. Healthy when ``health_url`` answers 200, or, for a part that
    serves no HTTP, when ``readiness(service)`` says so."""

    name: str
    command: List[str]
    health_url: str = ""
    health_headers: Dict[str, str] = field(default_factory=dict)
    readiness: Optional[Callable[[Service], bool]] = None
    process: Optional[subprocess.Popen] = None
    log: Optional[IO[bytes]] = None
    restarts: Deque[float] = field(default_factory=deque)  # monotonic times of restarts


def services(settings: Settings, model: Path) -> List[Service]:
    py = sys.executable
    endpoints = write_endpoints(settings)
    # No --enable-api: Rasa serves only our channels (and "/"); no secret on the command line.
    rasa = [
        py,
        "-m",
        "rasa",
        "run",
        "--model",
        str(model),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(PROJECT_ROOT / "credentials.yml"),
        "--interface",
        settings.rasa_host,
        "--port",
        str(settings.rasa_port),
    ]
    loopback = loopback_twilio_service(settings)
    return [
        *([loopback] if loopback is not None else []),
        Service(
            "actions",
            [py, "-m", "assistant.action_server", "--port", str(settings.action_port)],
            f"http://{settings.action_host}:{settings.action_port}/health",
            {ACTION_TOKEN_HEADER: settings.action_token()},
        ),
        Service(
            "rasa",
            rasa,
            f"{settings.rasa_url}/webhooks/chat/ready",
            {CHANNEL_TOKEN_HEADER: settings.channel_token()},
        ),
        Service(
            "gateway",
            [
                py,
                "-m",
                "uvicorn",
                "assistant.gateway.app:create_app",
                "--factory",
                "--host",
                settings.gateway_host,
                "--port",
                str(settings.gateway_port),
                "--no-access-log",
                "--ws",
                "none",
            ],
            f"{settings.gateway_url}/healthz",
        ),
        worker_service(settings),
    ]


def loopback_twilio_service(settings: Settings) -> Optional[Service]:
    """The demo's loopback Twilio (assistant/messaging/loopback.py) when no Twilio is
    configured: one for every process, so the terminal phones see what the bank sent."""
    url = settings.shared_loopback_twilio
    if url is None:
        return None
    return Service(
        "twilio-loopback",
        [
            sys.executable,
            "-m",
            "assistant.messaging.loopback",
            "--port",
            str(settings.loopback_twilio_port),
        ],
        f"{url}/_loopback/health",
    )


def worker_service(settings: Settings) -> Service:
    """The worker: healthy once its own process (this host, its pid) has a fresh heartbeat."""

    def beating(service: Service) -> bool:
        if service.process is None:
            return False
        sessions = session_factory(settings.bank_database_url)
        return worker_alive(sessions, settings, pid=service.process.pid)

    return Service("worker", [sys.executable, "-m", "assistant.worker"], readiness=beating)


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


class Stack:
    """The running processes; a context manager that always stops them."""

    def __init__(
        self,
        settings: Settings,
        model: Optional[Path] = None,
        *,
        parts: Optional[List[Service]] = None,
        max_restarts: int = 3,
        restart_window: float = 600.0,
        health_timeout: float = 300.0,
        echo: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.settings = settings
        if parts is None:
            if model is None:
                raise ValueError("a Stack needs a model (or its parts)")
            parts = services(settings, model)
        self.services = parts
        self.log_dir = settings.home / "logs"
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.health_timeout = health_timeout
        self.echo = echo or (lambda line: print(line, file=sys.stderr, flush=True))
        self._env: Optional[Dict[str, str]] = None

    # ---- start and stop ----------------------------------------------------------------

    def start(self, timeout: Optional[float] = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._env = rasa_environment(self.settings)
        for service in self.services:
            self._launch(service)
        for service in self.services:
            self._wait_healthy(service, timeout or self.health_timeout)

    def _launch(self, service: Service) -> None:
        if service.log is None or service.log.closed:
            service.log = open(  # noqa: SIM115 - closed in stop()
                self.log_dir / f"{service.name}.log", "ab", opener=_owner_only
            )
        service.process = subprocess.Popen(
            service.command,
            cwd=PROJECT_ROOT,
            env=self._env,
            stdout=service.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=UMASK,
        )

    def _wait_healthy(self, service: Service, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process is not None and service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} stopped (exit {service.process.returncode}); "
                    f"see {self.log_dir / (service.name + '.log')}"
                )
            if self.healthy(service):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{service.name} did not become healthy in {timeout:.0f}s")

    @staticmethod
    def healthy(service: Service) -> bool:
        if service.readiness is not None:
            return service.readiness(service)
        try:
            answer = httpx.get(service.health_url, headers=service.health_headers, timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    def stop(self) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                _signal_group(service.process, signal.SIGTERM)
        for service in reversed(self.services):
            if service.process:
                try:
                    service.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    _signal_group(service.process, signal.SIGKILL)
                    service.process.wait()
            if service.log:
                service.log.close()

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- supervision -------------------------------------------------------------------

    def supervise(self, stop: Optional[threading.Event] = None, interval: float = 1.0) -> None:
        """Check the parts every ``interval`` seconds until ``stop`` is set (or Ctrl-C).

        Raises ``StackFailed`` when a part died more often than the restart limit allows or
        did not come back; the caller then stops everything (leaving the ``with`` block).
        """
        stop = stop or threading.Event()
        while not stop.is_set():
            self.check()
            stop.wait(interval)

    def check(self) -> List[str]:
        """One supervision pass: restart every part that exited; returns their names."""
        restarted = []
        for service in self.services:
            if service.process is None or service.process.poll() is None:
                continue
            self._restart(service, service.process.returncode)
            restarted.append(service.name)
        return restarted

    def _restart(self, service: Service, code: int) -> None:
        now = time.monotonic()
        while service.restarts and now - service.restarts[0] > self.restart_window:
            service.restarts.popleft()
        how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        log = self.log_dir / f"{service.name}.log"
        if len(service.restarts) >= self.max_restarts:
            message = (
                f"{service.name} {how} and has already been restarted {len(service.restarts)} "
                f"times in {self.restart_window / 60:.0f} minutes (see {log})"
            )
            self._note(service, f"{message}; stopping everything")
            raise StackFailed(message)
        service.restarts.append(now)
        self._note(
            service,
            f"{service.name} {how}; restarting it (restart {len(service.restarts)} of at most "
            f"{self.max_restarts} in {self.restart_window / 60:.0f} minutes; see {log})",
        )
        self._launch(service)
        try:
            self._wait_healthy(service, self.health_timeout)
        except RuntimeError:
            return  # it died again while starting: the next pass counts that too
        except TimeoutError as error:
            self._note(service, f"{error} after a restart; stopping everything")
            raise StackFailed(f"{error} after a restart") from None
        self._note(service, f"{service.name} is back")

    def _note(self, service: Service, message: str) -> None:
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        if service.log is not None and not service.log.closed:
            service.log.write(f"{stamp} assistant up: {message}\n".encode())
            service.log.flush()
        self.echo(message)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def free_port() -> int:
    """A TCP port nobody listens on right now (for tests and benchmarks)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def isolated_environment(home: Path, **overrides: str) -> dict:
    """Environment variables for a private stack: its own home, databases and free ports."""
    return {
        "ASSISTANT_HOME": str(home),
        "ASSISTANT_GATEWAY_PORT": str(free_port()),
        "ASSISTANT_RASA_PORT": str(free_port()),
        "ASSISTANT_ACTION_PORT": str(free_port()),
        "ASSISTANT_LOOPBACK_TWILIO_PORT": str(free_port()),
        "DATABASE_URL": "",
        "TRACKER_STORE_URL": "",
        "LOCK_STORE_URL": "",
        "ASSISTANT_QUEUE_URL": "",  # the worker's queue in its own home
        "ASSISTANT_ACTION_TOKEN": "",  # a random one of its own, kept in its home
        "ASSISTANT_NLU_EVAL_TOKEN": "",  # the NLU evaluation route is off unless asked for
        **overrides,
    }
