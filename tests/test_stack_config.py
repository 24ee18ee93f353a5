"""How the stack starts its parts: no Rasa HTTP API, no secret on a command line or in a file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.processes import isolated_environment, services
from assistant.rasa_env import ACTION_TOKEN_ENV, ACTION_TOKEN_HEADER, rasa_environment
from assistant.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    env = isolated_environment(
        tmp_path, ASSISTANT_ACTION_TOKEN="action-secret-1", ASSISTANT_NLU_EVAL_TOKEN="eval-2"
    )
    env["ASSISTANT_RASA_TOKEN"] = "channel-secret-3"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_rasa_runs_without_its_http_api_and_no_secret_is_on_a_command_line(
    settings: Settings, tmp_path: Path
) -> None:
    parts = {part.name: part for part in services(settings, tmp_path / "model.tar.gz")}
    rasa = parts["rasa"].command
    assert "--enable-api" not in rasa and "--auth-token" not in rasa
    assert parts["actions"].command[1:3] == ["-m", "assistant.action_server"]
    assert parts["worker"].command[1:] == ["-m", "assistant.worker"]
    argv = " ".join(" ".join(part.command) for part in parts.values())
    for secret in ("action-secret-1", "eval-2", "channel-secret-3"):
        assert secret not in argv


def test_rasa_sends_the_action_secret_from_the_environment_not_from_the_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    services(settings, tmp_path / "model.tar.gz")  # writes the endpoints file
    endpoints = settings.home / "endpoints.yml"
    text = endpoints.read_text()
    assert "action-secret-1" not in text
    assert f"{ACTION_TOKEN_HEADER}: ${{{ACTION_TOKEN_ENV}}}" in text
    assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600

    # What the Rasa process sees: its environment carries the secret, its YAML reader fills it in.
    environment = rasa_environment(settings)
    assert environment[ACTION_TOKEN_ENV] == "action-secret-1"
    monkeypatch.setenv(ACTION_TOKEN_ENV, environment[ACTION_TOKEN_ENV])
    action_endpoint = read_endpoint_config(str(endpoints), "action_endpoint")
    assert action_endpoint.headers == {ACTION_TOKEN_HEADER: "action-secret-1"}


def test_without_a_configured_action_secret_a_random_one_is_kept_owner_only_in_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in isolated_environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(ACTION_TOKEN_ENV, raising=False)
    first, second = Settings().action_token(), Settings().action_token()
    assert first == second and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "action-token").stat().st_mode) == 0o600
    assert rasa_environment(Settings())[ACTION_TOKEN_ENV] == first
