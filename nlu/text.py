"""A tiny offset-keeping tokenizer shared by the rule-based extractors."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN_RE = re.compile(
    r"""
      [$£€]                               # currency symbol
    | \d+(?:,\d{3})+(?:\.\d+)?            # 1,500 or 1,500.25
    | \d+(?:\.\d+)?                       # 45 or 45.50
    | [^\W\d_]+(?:['’][^\W\d_]+)*         # words, including what's / o'clock
    | \S                                  # any other single character
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """A token with its character offsets in the original text."""

    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        """The token in lower case."""
        return self.text.lower()

    @property
    def is_number(self) -> bool:
        """True for digit tokens such as ``45``, ``1,500`` or ``45.50``."""
        return self.text[:1].isdigit()

    @property
    def is_word(self) -> bool:
        """True for alphabetic tokens."""
        return self.text[:1].isalpha()


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into words, numbers, currency symbols and punctuation."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]


def adjacent(left: Token, right: Token) -> bool:
    """True when ``right`` starts exactly where ``left`` ends (no space between)."""
    return left.end == right.start
