"""Finding a PIN inside a sentence, in every spelling the gateway accepts as a PIN.

The gateway takes "2468", "2 4 6 8", "24 68", "two four six eight", "to for six ate" and
"twenty four sixty eight" as a PIN when typed alone (:func:`nlu.normalize.spoken_digits`), so
the same spellings must be found inside a sentence before any text is stored or forwarded.

A *run* is a stretch of number tokens (digits, digit words, teens, tens, "double"/"triple")
joined by spaces or light punctuation, perhaps with a filler word ("um") between them. Its
*candidates* are the digit strings of its contiguous sub-runs that have the length of a PIN.
Nothing here compares with a PIN: callers decide (mask every PIN-shaped run before the PIN was
checked; compare candidates with a keyed hash after).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional

from nlu.normalize import DIGIT_WORDS, REPEAT_WORDS, TEEN_WORDS, TENS_WORDS, spoken_digits

PIN_LENGTHS = range(4, 7)
NEW_PIN_LENGTH = 4  # what the prompts ask for ("your 4-digit PIN")
MASK = "****"

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+", re.UNICODE)
_JOINER = re.compile(r"^[\s,.\-/]*$")
_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "err", "hmm", "and", "then"})
_CURRENCY_BEFORE = re.compile(r"[$£€¥]\s*$")
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:dollars?|bucks?|cents?|usd|pounds?|euros?|quid|k\b|grand)\b", re.IGNORECASE
)
_DECIMAL_AFTER = re.compile(r"^\.\d{1,2}(?!\d)")
_DECIMAL_INSIDE = re.compile(r"\d\.\d{2}$")
# Digit words that are also everyday words.
SOUND_ALIKES = frozenset({"to", "too", "for", "fore", "won", "ate", "oh", "o", "tree", "nil"})


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str  # lower case


@dataclass(frozen=True)
class Run:
    """Number tokens in a row: ``text[start:end]`` reads as ``digits``."""

    start: int
    end: int
    tokens: tuple
    digits: str


def _is_number(word: str) -> bool:
    return (
        word.isdigit()
        or word in DIGIT_WORDS
        or word in TEEN_WORDS
        or word in TENS_WORDS
        or word in REPEAT_WORDS
    )


def _tokens(text: str) -> List[Token]:
    return [Token(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]


def number_runs(text: str) -> List[Run]:
    """Every run of number tokens in ``text`` that reads as digits."""
    tokens = _tokens(text)
    runs: List[Run] = []
    index = 0
    while index < len(tokens):
        if not _is_number(tokens[index].word):
            index += 1
            continue
        members = [tokens[index]]
        last_end = tokens[index].end
        index += 1
        while index < len(tokens):
            gap = text[last_end : tokens[index].start]
            if not _JOINER.match(gap):
                break
            if _is_number(tokens[index].word):
                members.append(tokens[index])
                last_end = tokens[index].end
                index += 1
                continue
            # A filler between two number tokens ("two four um six eight") stays in the run.
            after = index + 1
            if (
                tokens[index].word in _FILLERS
                and after < len(tokens)
                and _is_number(tokens[after].word)
                and _JOINER.match(text[tokens[index].end : tokens[after].start])
            ):
                last_end = tokens[index].end
                index = after
                continue
            break
        if any(token.word.isdigit() for token in members):
            # "50 to tom", "2,000 for rent": a sound-alike ("to", "for") next to numerals
            # is the word, not a digit.
            while members and members[-1].word in SOUND_ALIKES:
                members.pop()
            while members and members[0].word in SOUND_ALIKES:
                members.pop(0)
        digits = _digits(members) if members else None
        if digits:
            runs.append(Run(members[0].start, members[-1].end, tuple(members), digits))
    return runs


def _digits(tokens: Iterable[Token]) -> Optional[str]:
    return spoken_digits(" ".join(token.word for token in tokens))


def is_amount(text: str, run: Run) -> bool:
    """Whether ``run`` is marked as money: "$2,000", "2000 dollars", "20.50"."""
    before, after = text[: run.start], text[run.end :]
    return bool(
        _CURRENCY_BEFORE.search(before)
        or _CURRENCY_AFTER.match(after)
        or _DECIMAL_AFTER.match(after)
        or _DECIMAL_INSIDE.search(text[run.start : run.end])
    )


def candidates(run: Run) -> List[tuple]:
    """``(start, end, digits)`` for each contiguous sub-run whose digits are PIN-long."""
    found = []
    tokens = run.tokens
    for first in range(len(tokens)):
        for last in range(first, len(tokens)):
            digits = _digits(tokens[first : last + 1])
            if digits is None:
                continue
            if len(digits) > max(PIN_LENGTHS):
                break
            if len(digits) in PIN_LENGTHS:
                found.append((tokens[first].start, tokens[last].end, digits))
    return found


def _replace(text: str, spans: List[tuple]) -> str:
    out, last = [], 0
    for start, end in _merge(spans):
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def _merge(spans: List[tuple]) -> List[tuple]:
    merged: List[List[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def mask_pin_shaped(text: str) -> str:
    """Every PIN-shaped run masked, without comparing: for text before the PIN was checked.

    Money ("$2,000", "40 dollars") stays. Longer numbers are masked too, since a PIN may hide
    in them; the gateway replays the words as typed once the PIN is checked.
    """
    spans = [
        (run.start, run.end)
        for run in number_runs(text)
        if len(run.digits) >= min(PIN_LENGTHS) and not is_amount(text, run)
    ]
    return _replace(text, spans)


def has_pin_shaped(text: str) -> bool:
    return mask_pin_shaped(text) != text


def mask_matching(text: str, is_pin: Callable[[str], bool]) -> str:
    """``text`` with every spelling of one PIN masked; ``is_pin`` says which digits are it."""
    spans = [
        (start, end)
        for run in number_runs(text)
        for start, end, digits in candidates(run)
        if is_pin(digits)
    ]
    return _replace(text, spans)


def single_candidate(text: str) -> Optional[str]:
    """The PIN the text gives, if it holds exactly one PIN-long number and nothing more of one.

    "my PIN is 2 4 6 8" gives "2468"; "2468 or 1357" gives None (two candidates: only one
    message, one PIN check).
    """
    whole = spoken_digits(text)
    if whole and len(whole) in PIN_LENGTHS:
        return whole
    runs = [
        run
        for run in number_runs(text)
        if len(run.digits) >= min(PIN_LENGTHS) and not is_amount(text, run)
    ]
    if len(runs) == 1 and len(runs[0].digits) in PIN_LENGTHS:
        return runs[0].digits
    return None


def is_weak_pin(digits: str) -> bool:
    """A PIN anyone would guess first: one digit repeated, or a run up or down ("1234")."""
    if len(set(digits)) == 1:
        return True
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:])}
    return steps in ({1}, {-1})
