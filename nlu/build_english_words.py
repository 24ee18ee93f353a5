"""Rebuild ``nlu/english_words.py``, the word list that guards fuzzy spelling correction.

The list holds the alphabetic words seen at least twice in the project's training data
(``data/nlu.yml``) and in the Banking77 training set (``shared/data/banking77/train.csv``),
less the misspellings that occur there (the SMS spellings of ``nlu.lexicon.VARIANTS`` and
the typos listed below). Run from the repository root::

    .venv/bin/python -m nlu.build_english_words [--banking77 PATH]

A word on the list is never respelled by ``nlu.normalize.correct_spelling``.
"""

from __future__ import annotations

import argparse
import csv
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml

from nlu import lexicon

ROOT = Path(__file__).resolve().parent.parent
NLU_DATA = ROOT / "data" / "nlu.yml"
BANKING77 = ROOT.parent / "shared" / "data" / "banking77" / "train.csv"
OUTPUT = Path(__file__).resolve().with_name("english_words.py")
MIN_COUNT = 2

# Misspellings seen twice or more in the sources: they must stay correctable.
MISSPELLINGS = frozenset(
    """balanse ballance cancl checkin freez savins tranfer tranferred transcation
    transfered transfr withdrawl withdrawel accout acount recieve recieved reciept""".split()
)

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def nlu_texts(path: Path) -> list[str]:
    """The example texts of a Rasa NLU YAML file, without entity annotations."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts: list[str] = []
    for item in doc.get("nlu", []) or []:
        for line in str(item.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(_ANNOTATION.sub(r"\1", line[2:]))
    return texts


def banking77_texts(path: Path) -> list[str]:
    """The ``text`` column of the Banking77 CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def word_list(texts: Iterable[str], min_count: int = MIN_COUNT) -> list[str]:
    """Alphabetic words (lower case) seen ``min_count`` times or more, less misspellings."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text) if w.isalpha())
    return sorted(
        word
        for word, count in counts.items()
        if count >= min_count and word not in MISSPELLINGS and word not in lexicon.VARIANTS
    )


def render(words: list[str]) -> str:
    """The source of ``nlu/english_words.py`` for ``words``."""
    body = textwrap.fill(" ".join(words), width=92, break_long_words=False)
    body = textwrap.indent(body, "    ")
    return (
        '"""English words that fuzzy spelling correction leaves alone (generated data).\n\n'
        "Built by ``python -m nlu.build_english_words`` from the alphabetic words seen at\n"
        "least twice in data/nlu.yml and the Banking77 training set, less known\n"
        'misspellings. Do not edit by hand: add words to ``nlu.lexicon.ENGLISH_WORDS``.\n"""\n\n'
        "from __future__ import annotations\n\n"
        f'WORDS = frozenset(\n    """\n{body}\n    """.split()\n)\n'
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nlu", type=Path, default=NLU_DATA)
    parser.add_argument("--banking77", type=Path, default=BANKING77)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    words = word_list([*nlu_texts(args.nlu), *banking77_texts(args.banking77)])
    args.output.write_text(render(words), encoding="utf-8")
    print(f"{len(words)} words -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
