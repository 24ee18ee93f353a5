"""The layers hold: channels take their services by name, and the import contracts are kept."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = [ROOT / "voice", ROOT / "assistant" / "web", ROOT / "assistant" / "webkit"]
THROUGH_TURNS = re.compile(r"\bturns\.(banking|identity|conversations)\b")


def test_no_channel_reaches_through_the_turn_handler_for_a_service() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in CHANNELS
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if THROUGH_TURNS.search(line)
    ]
    assert found == []


def test_the_import_contracts_are_kept() -> None:
    if sys.version_info < (3, 11):
        pytest.skip("the lock installs import-linter on Python 3.11 only (grimp needs it)")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    assert command is not None, "lint-imports is missing: run ./install.sh"
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:]
