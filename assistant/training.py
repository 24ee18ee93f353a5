"""Train the Rasa model when its inputs changed; one model file per fingerprint."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

from assistant.rasa_env import rasa_environment
from assistant.settings import PROJECT_ROOT, Settings

MODEL_PREFIX = "kindly-"
LOG_TAIL_LINES = 30


class TrainingFailed(RuntimeError):
    """``rasa train`` failed; the message holds Rasa's own complaint and the log's path."""


def training_inputs(root: Path = PROJECT_ROOT) -> Iterable[Path]:
    yield root / "config.yml"
    yield root / "domain.yml"
    yield from sorted((root / "data").rglob("*.yml"))
    yield from sorted((root / "nlu").rglob("*.py"))


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings, root: Path = PROJECT_ROOT) -> Path:
    return settings.models_dir / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def current_model(settings: Settings) -> Optional[Path]:
    path = model_path(settings)
    return path if path.exists() else None


def train(settings: Settings, force: bool = False, root: Path = PROJECT_ROOT) -> Path:
    """Train unless a model for exactly these inputs exists; returns the model file.

    ``root`` holds config.yml, domain.yml and data/. Raises ``TrainingFailed`` with what Rasa
    found wrong (``failure_summary``) when it refuses the project or training fails.
    """
    target = model_path(settings, root)
    if target.exists() and not force:
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log_path = settings.home / "logs" / "train.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        finished = subprocess.run(
            [
                sys.executable,
                "-m",
                "rasa",
                "train",
                "--config",
                str(root / "config.yml"),
                "--domain",
                str(root / "domain.yml"),
                "--data",
                str(root / "data"),
                "--out",
                str(settings.models_dir),
                "--fixed-model-name",
                target.name.removesuffix(".tar.gz"),
            ],
            cwd=PROJECT_ROOT,
            env=rasa_environment(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if finished.returncode != 0:
        summary = failure_summary(log_path.read_text(errors="replace"))
        raise TrainingFailed(f"rasa train failed:\n{summary}\n(full log: {log_path})")
    seconds = time.monotonic() - started
    (settings.models_dir / "last-training-seconds.txt").write_text(f"{seconds:.1f}\n")
    for old in settings.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION = re.compile(r"^\S*?(\w+(?:Exception|Error)): ")
_WARNING = re.compile(r"UserWarning: (.*)")
# Rasa warns about every response only custom actions utter; expected here (test_rasa_data).
_EXPECTED = "is not used in any story or rule"


def failure_summary(log: str) -> str:
    """What Rasa found wrong, from a failed training's log: its exceptions (with their
    indented detail), the warnings that fail its validation, and its error lines, without
    the library deprecations and the expected "not used in any story" warnings around them.
    The log's last lines when it names nothing."""
    lines = _ANSI.sub("", log).splitlines()
    found: list[str] = []
    detail = False
    for line in lines:
        if detail and line.startswith((" ", "\t")) and line.strip():
            found.append(line.rstrip())
            continue
        detail = False
        warning = _WARNING.search(line)
        if warning and _EXPECTED not in line:
            found.append(warning.group(1).strip())
        elif _EXCEPTION.search(line) and "Warning" not in line.split(":")[0]:
            found.append(line.strip())
            detail = True
        elif " ERROR " in line or "completed with errors" in line:
            found.append(line.strip())
    return "\n".join(found or lines[-LOG_TAIL_LINES:])
