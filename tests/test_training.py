"""`assistant train` says what Rasa found wrong, not the last lines of its warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.training import TrainingFailed, failure_summary, train

NOT_USED = (
    "\x1b[93m/venv/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_{n}' is not "
    "used in any story or rule.\n\x1b[0m"
)


def broken_copy(tmp_path: Path) -> Path:
    """The project's training inputs, with an action the rules use missing from the domain."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "config.yml", root)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    shutil.copytree(PROJECT_ROOT / "nlu", root / "nlu")
    domain = (PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")
    assert "  - action_check_balance\n" in domain
    (root / "domain.yml").write_text(domain.replace("  - action_check_balance\n", "", 1))
    return root


def test_a_broken_domain_fails_training_with_rasas_own_complaint(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "var", models_dir=tmp_path / "models")
    with pytest.raises(TrainingFailed) as failed:
        train(settings, root=broken_copy(tmp_path))
    message = str(failed.value)
    assert "The action 'action_check_balance' is used in the 'balance' block" in message
    assert "not used in any story or rule" not in message
    assert "DeprecationWarning" not in message
    assert str(tmp_path / "var" / "logs" / "train.log") in message
    assert not list((tmp_path / "models").glob("*.tar.gz"))


def test_the_summary_keeps_an_exception_with_its_detail_and_drops_the_noise() -> None:
    log = (
        "/venv/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call\n"
        "  declare_namespace(pkg)\n"
        "\x1b[91mYamlValidationException: Failed to validate 'domain.yml'. Here are the errors:\n"
        "  in domain.yml:163:\n"
        "      Key 'txet' was not defined. Path: '/responses/utter_goodbye/0'\x1b[0m\n"
        + "".join(NOT_USED.format(n=n) for n in range(40))
    )
    assert failure_summary(log).splitlines() == [
        "YamlValidationException: Failed to validate 'domain.yml'. Here are the errors:",
        "  in domain.yml:163:",
        "      Key 'txet' was not defined. Path: '/responses/utter_goodbye/0'",
    ]


def test_a_log_naming_nothing_is_summed_up_by_its_last_lines() -> None:
    log = "\n".join(f"line {n}" for n in range(100))
    assert failure_summary(log).splitlines() == [f"line {n}" for n in range(70, 100)]
