"""`rasa data validate` over the real domain, config and data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule")


def test_rasa_data_validates_with_only_action_uttered_responses_unused() -> None:
    """Validation passes; the only warnings are responses our custom actions utter.

    Rasa cannot see responses chosen inside custom actions (or a form's questions), so it
    reports them as unused; each of those must really be used by an action or a form.
    """
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "data",
            "validate",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--config",
            "config.yml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    actions_code = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_questions = {
        f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]
    }
    unused = set(UNUSED.findall(output)) - form_questions
    assert {name for name in unused if f'"{name}"' not in actions_code} == set()
    other_warnings = [
        line for line in output.splitlines() if "UserWarning" in line and not UNUSED.search(line)
    ]
    assert other_warnings == []
    assert "ERROR" not in output
