"""The demo's shared loopback Twilio: `assistant up` runs one when no Twilio is configured, every
process sends through it, and a terminal phone reads what the bank sent its number."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.messaging.fake_twilio import FakeTwilio, read_inbox
from assistant.processes import free_port, isolated_environment, services
from assistant.rasa_env import rasa_environment
from assistant.settings import PROJECT_ROOT, Settings

SID, TOKEN = "AC" + "1" * 32, "token-1"
LINDA, RAVI = "+15550100003", "+15550100002"


def _send(fake: FakeTwilio, to: str, body: str) -> None:
    answer = httpx.post(
        f"{fake.base_url}/2010-04-01/Accounts/{SID}/Messages.json",
        data={"To": to, "From": "+15550100000", "Body": body},
        auth=(SID, TOKEN),
    )
    assert answer.status_code == 201


def test_a_number_reads_only_its_own_texts_and_only_the_new_ones() -> None:
    with FakeTwilio(SID, TOKEN) as fake:
        _send(fake, LINDA, "your code is 123456")
        _send(fake, RAVI, "for Ravi")
        _send(fake, LINDA, "Margaret confirmed you")
        first = read_inbox(fake.base_url, SID, TOKEN, LINDA)
        assert [item["body"] for item in first] == ["your code is 123456", "Margaret confirmed you"]
        assert read_inbox(fake.base_url, SID, TOKEN, LINDA, after=first[0]["seq"])[0]["body"] == (
            "Margaret confirmed you"
        )
        assert read_inbox(fake.base_url, SID, TOKEN, LINDA, after=first[-1]["seq"]) == []


def test_the_inbox_asks_for_the_account_credentials() -> None:
    with FakeTwilio(SID, TOKEN) as fake:
        _send(fake, LINDA, "your code is 123456")
        with pytest.raises(httpx.HTTPStatusError):
            read_inbox(fake.base_url, SID, "wrong", LINDA)
        anonymous = httpx.get(f"{fake.base_url}/_loopback/inbox", params={"to": LINDA})
        assert anonymous.status_code == 401 and "123456" not in anonymous.text


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> Settings:
    for key, value in isolated_environment(tmp_path, **extra).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ASSISTANT_TWILIO_API_BASE", raising=False)
    for key, value in extra.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_without_twilio_up_runs_one_loopback_and_every_part_sends_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch)
    parts = services(settings, tmp_path / "model.tar.gz")
    assert parts[0].name == "twilio-loopback"
    assert str(settings.loopback_twilio_port) in parts[0].command
    assert rasa_environment(settings)["ASSISTANT_TWILIO_API_BASE"] == (
        f"http://127.0.0.1:{settings.loopback_twilio_port}"
    )


def test_a_configured_twilio_or_loopback_address_runs_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for extra in (
        {"ASSISTANT_TWILIO_TRANSPORT": "twilio"},
        {"ASSISTANT_TWILIO_API_BASE": "http://127.0.0.1:9"},
    ):
        settings = _settings(tmp_path, monkeypatch, **extra)
        names = [part.name for part in services(settings, tmp_path / "model.tar.gz")]
        assert "twilio-loopback" not in names
        assert settings.shared_loopback_twilio is None


def test_the_loopback_process_answers_its_health_check_and_keeps_texts_for_the_inbox(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path), "TWILIO_ACCOUNT_SID": SID}
    env["TWILIO_AUTH_TOKEN"] = TOKEN
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.messaging.loopback", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/_loopback/health").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the loopback Twilio did not start"
            time.sleep(0.1)
        answer = httpx.post(
            f"{base}/2010-04-01/Accounts/{SID}/Messages.json",
            data={"To": LINDA, "From": "+15550100000", "Body": "hello Linda"},
            auth=(SID, TOKEN),
        )
        assert answer.status_code == 201
        assert [i["body"] for i in read_inbox(base, SID, TOKEN, LINDA)] == ["hello Linda"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
