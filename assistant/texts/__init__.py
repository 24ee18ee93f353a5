"""The gateway's own words, one file per language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache
def _load(language: str) -> Dict[str, Dict[str, str]]:
    return yaml.safe_load((HERE / f"{language}.yml").read_text(encoding="utf-8"))


def text(key: str, channel: str = "default", language: str = "en", **values: Any) -> str:
    """The wording of ``key`` for ``channel`` (falling back to the default), filled in."""
    entry = _load(language)[key]
    return entry.get(channel, entry["default"]).format(**values)
