"""Train the Rasa model when its inputs changed; one model file per fingerprint."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

from assistant.rasa_env import rasa_environment
from assistant.settings import PROJECT_ROOT, Settings

MODEL_PREFIX = "kindly-"


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


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"{MODEL_PREFIX}{fingerprint()}.tar.gz"


def current_model(settings: Settings) -> Optional[Path]:
    path = model_path(settings)
    return path if path.exists() else None


def train(settings: Settings, force: bool = False) -> Path:
    """Train unless a model for exactly these inputs exists; returns the model file."""
    target = model_path(settings)
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
                str(PROJECT_ROOT / "config.yml"),
                "--domain",
                str(PROJECT_ROOT / "domain.yml"),
                "--data",
                str(PROJECT_ROOT / "data"),
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
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        raise RuntimeError("rasa train failed:\n" + "\n".join(tail) + f"\n(full log: {log_path})")
    seconds = time.monotonic() - started
    (settings.models_dir / "last-training-seconds.txt").write_text(f"{seconds:.1f}\n")
    for old in settings.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target
