"""A second language for tests: English with a marker word in front of every text.

``write_marker_language(folder)`` writes ``folder/eo/`` (a language no catalogue ships):
``responses.yml`` is every domain response with ``MARKER`` before each text, and the texts
files are English's with ``MARKER`` before each wording. Word lists the gateway recognises
(``answers.yml``) are left out, so they come from English. Point ``ASSISTANT_TEXTS_DIRS`` at
``folder`` to make the language available.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict, List

import yaml

from assistant.settings import PROJECT_ROOT

LANGUAGE = "eo"
LOCALE = "eo_001"
MARKER = "ZORBLAX"
ENGLISH_TEXTS = PROJECT_ROOT / "assistant" / "texts" / "en"
RECOGNISED_ONLY = {"answers.yml"}


def domain_responses() -> Dict[str, List[Dict[str, Any]]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def marked_responses(skip: frozenset = frozenset()) -> Dict[str, List[Dict[str, Any]]]:
    marked = copy.deepcopy(domain_responses())
    for name in skip:
        del marked[name]
    for variations in marked.values():
        for variation in variations:
            if "text" in variation:
                variation["text"] = f"{MARKER} {variation['text']}"
    return marked


def write_marker_language(folder: Path, skip: frozenset = frozenset()) -> Path:
    """The marker language's catalogue in ``folder/eo`` (without the responses in ``skip``)."""
    language = folder / LANGUAGE
    language.mkdir(parents=True, exist_ok=True)
    (language / "responses.yml").write_text(
        yaml.safe_dump({"responses": marked_responses(skip)}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    for path in sorted(ENGLISH_TEXTS.glob("*.yml")):
        if path.name in RECOGNISED_ONLY:
            continue
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        marked = {
            key: {channel: f"{MARKER} {wording}" for channel, wording in entry.items()}
            for key, entry in entries.items()
        }
        (language / path.name).write_text(
            yaml.safe_dump(marked, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return language
