"""The action server answers only Rasa (the shared secret), tells nothing in errors, has no CORS.

A real ``python -m assistant.action_server`` on a free port, serving two test actions
(``tests/action_server_actions.py``): one that answers, one that raises.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.processes import free_port
from assistant.rasa_env import ACTION_TOKEN_HEADER
from assistant.settings import PROJECT_ROOT
from tests import fakes

SECRET = "test-action-secret-5f2a"  # noqa: S105 - a test value
TRACKER_TEXT = "tracker-text-that-must-not-come-back"


def action_call(action: str, text: str = TRACKER_TEXT) -> dict:
    slots = {"amount": {"minor_units": 12300, "currency": "USD"}}
    return fakes.action_call(action, "test-conversation", slots, text)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    home: Path = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = {
        **os.environ,
        "ASSISTANT_HOME": str(home),
        "ASSISTANT_ACTION_TOKEN": SECRET,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    log = open(home / "actions.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.action_server",
            "--actions",
            "tests.action_server_actions",
        ]
        + ["--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (home / "actions.log").read_text()
            try:
                if httpx.get(f"{base}/health", headers={ACTION_TOKEN_HEADER: SECRET}).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the action server did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=10) as http:
            yield http
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


AS_RASA = {ACTION_TOKEN_HEADER: SECRET}


@pytest.mark.parametrize("headers", [{}, {ACTION_TOKEN_HEADER: "wrong"}, {"X-Action-Token": ""}])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/actions"), ("POST", "/webhook"), ("GET", "/nothing-here")],
)
def test_without_the_secret_every_request_is_refused_with_an_empty_403(
    server: httpx.Client, headers: dict, method: str, path: str
) -> None:
    body = action_call("action_test_echo") if method == "POST" else None
    answer = server.request(method, path, json=body, headers=headers)
    assert answer.status_code == 403
    assert answer.content == b""


def test_a_secret_in_the_query_string_is_not_enough(server: httpx.Client) -> None:
    answer = server.post(f"/webhook?token={SECRET}", json=action_call("action_test_echo"))
    assert answer.status_code == 403


def test_with_the_secret_the_action_runs(server: httpx.Client) -> None:
    assert server.get("/health", headers=AS_RASA).json() == {"status": "ok"}
    answer = server.post("/webhook", json=action_call("action_test_echo", "hello"), headers=AS_RASA)
    assert answer.status_code == 200
    result = answer.json()
    assert [r["text"] for r in result["responses"]] == ["echo"]
    (event,) = result["events"]
    assert (event["event"], event["name"], event["value"]) == ("slot", "echoed", "hello")
    assert {"name": "action_test_echo"} in server.get("/actions", headers=AS_RASA).json()


def test_an_action_that_raises_answers_500_with_nothing_of_the_tracker(
    server: httpx.Client,
) -> None:
    answer = server.post("/webhook", json=action_call("action_test_fails"), headers=AS_RASA)
    assert answer.status_code == 500
    assert answer.content == b""
    assert TRACKER_TEXT not in answer.text and "12300" not in answer.text


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("POST", "/webhook", action_call("action_nobody_wrote")),  # unknown action: 404
        ("POST", "/webhook", b"{not json"),  # 400
        ("POST", "/webhook", b"[1, 2]"),  # 400: not an action call
        ("GET", "/webhook", None),  # 405
        ("GET", "/no-such-route", None),  # 404
    ],
)
def test_other_errors_have_empty_bodies(
    server: httpx.Client, method: str, path: str, content: object
) -> None:
    if isinstance(content, dict):
        answer = server.request(method, path, json=content, headers=AS_RASA)
    else:
        answer = server.request(method, path, content=content, headers=AS_RASA)
    assert answer.status_code in (400, 404, 405)
    assert answer.content == b""


@pytest.mark.parametrize("headers", [{}, AS_RASA])
@pytest.mark.parametrize("method", ["OPTIONS", "GET", "POST"])
def test_no_cors_whatever_the_origin(server: httpx.Client, headers: dict, method: str) -> None:
    answer = server.request(
        method,
        "/webhook" if method != "GET" else "/health",
        headers={
            **headers,
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": ACTION_TOKEN_HEADER,
        },
        json=action_call("action_test_echo") if method == "POST" else None,
    )
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]
    assert method != "OPTIONS" or answer.status_code in (403, 405)


def test_the_server_listens_on_loopback_only(server: httpx.Client) -> None:
    port = server.base_url.port
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = {line.split()[1] for line in listening if line.split()[3] == "0A"}  # LISTEN
    assert f"0100007F:{port:04X}" in local
    assert f"00000000:{port:04X}" not in local
