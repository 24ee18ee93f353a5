"""Start and stop the three processes: action server, Rasa server, gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, List, Optional

import httpx

from assistant.rasa_env import rasa_environment, write_endpoints
from assistant.settings import PROJECT_ROOT, Settings


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: str
    process: Optional[subprocess.Popen] = None
    log: Optional[IO[bytes]] = None


def services(settings: Settings, model: Path) -> List[Service]:
    py = sys.executable
    endpoints = write_endpoints(settings)
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
        "--enable-api",
    ]
    api_token = os.environ.get("ASSISTANT_RASA_API_TOKEN")
    if api_token:
        rasa += ["--auth-token", api_token]
    return [
        Service(
            "actions",
            [py, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.action_port)],
            f"http://{settings.action_host}:{settings.action_port}/health",
        ),
        Service("rasa", rasa, f"{settings.rasa_url}/"),
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
    ]


class Stack:
    """The running processes; a context manager that always stops them."""

    def __init__(self, settings: Settings, model: Path) -> None:
        self.settings = settings
        self.services = services(settings, model)
        self.log_dir = settings.home / "logs"

    def start(self, timeout: float = 300.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = rasa_environment(self.settings)
        for service in self.services:
            service.log = open(self.log_dir / f"{service.name}.log", "ab")  # noqa: SIM115
            service.process = subprocess.Popen(
                service.command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=service.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for service in self.services:
            self._wait_healthy(service, timeout)

    def _wait_healthy(self, service: Service, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process is not None and service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} stopped (exit {service.process.returncode}); "
                    f"see {self.log_dir / (service.name + '.log')}"
                )
            try:
                if httpx.get(service.health_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{service.name} did not become healthy in {timeout:.0f}s")

    def stop(self) -> None:
        for service in reversed(self.services):
            if service.process and service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        for service in reversed(self.services):
            if service.process:
                try:
                    service.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(service.process.pid, signal.SIGKILL)
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
        "DATABASE_URL": "",
        "TRACKER_STORE_URL": "",
        "LOCK_STORE_URL": "",
        **overrides,
    }
