"""The held-out sets are held out: no utterance in them is also in the training data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Set

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = sorted((ROOT / "tests" / "nlu_eval").glob("*.yml"))
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(text: str) -> str:
    """Lower case, annotations and punctuation (but "$") dropped, spaces collapsed."""
    text = _ANNOTATION.sub(r"\1", text)
    return " ".join(re.sub(r"[^\w'$ ]+", " ", text.lower()).split())


def training_utterances() -> Set[str]:
    found: Set[str] = set()
    for path in (ROOT / "data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            examples = block.get("examples") or ""
            if isinstance(examples, list):  # examples with metadata: {"text": ..., "metadata"}
                found.update(plain(str(example.get("text", ""))) for example in examples)
                continue
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.add(plain(line[2:]))
    return found


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda p: p.name)
def test_no_held_out_utterance_is_in_the_training_data(path: Path) -> None:
    training = training_utterances()
    held_out = yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]
    overlap = [item["text"] for item in held_out if plain(item["text"]) in training]
    assert overlap == []
