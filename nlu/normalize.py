"""Normalise speech-recognition and SMS spellings before NLU.

``normalize("wats my bal pls")`` -> ``"what's my balance please"``. Names, numbers and
amounts are left alone; the result is stable (``normalize(normalize(x)) == normalize(x)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from nlu import english_words, lexicon
from nlu.numbers import NUMBER_WORDS, ORDINAL_WORDS

_EDGES = re.compile(r"^(?P<pre>[\"'(\[¿¡]*)(?P<core>.*?)(?P<post>[.,!?;:\"')\]]*)$", re.S)
_TRAILING = re.compile(r"^(?P<core>.*?)(?P<post>[.,!?;:]*)$", re.S)
_AMOUNTISH = re.compile(r"^[$£€]?\d[\d,]*(?:\.\d+)?k?$", re.I)
_VERB_OBJECTS = frozenset({"my", "the", "your", "our", "balance", "if", "what", "how", "on"})
# Words that are right as written: never respelled by fuzzy correction.
KNOWN_WORDS = frozenset(
    english_words.WORDS
    | lexicon.ENGLISH_WORDS
    | lexicon.BANKING_VOCABULARY
    | NUMBER_WORDS
    | ORDINAL_WORDS
    | set(lexicon.VARIANTS.values())
)
_MONEY_WINDOW = 5  # how many words before "4" are searched for a money verb
_CURRENCY_WINDOW = 3  # how many words either side of "4" are searched for a currency


@dataclass
class _Piece:
    """One whitespace-separated token of the input and what it becomes."""

    start: int
    end: int
    pre: str
    core: str
    post: str

    @property
    def low(self) -> str:
        return self.core.lower()

    @property
    def text(self) -> str:
        return f"{self.pre}{self.core}{self.post}"


@dataclass(frozen=True)
class Alignment:
    """Where an input token ``[src_start, src_end)`` went in the output."""

    src_start: int
    src_end: int
    out_start: int
    out_end: int
    unchanged: bool


def normalize(text: str) -> str:
    """Return ``text`` with SMS/speech spellings, fillers and extra spaces normalised."""
    return normalize_with_alignment(text)[0]


def normalize_with_alignment(text: str) -> tuple[str, list[Alignment]]:
    """Normalise ``text`` and report where each kept input token ended up."""
    pieces = [_split(m) for m in re.finditer(r"\S+", text)]
    pieces = [p for p in pieces if p.low not in lexicon.FILLERS]
    for index, piece in enumerate(pieces):
        _respell(piece, _after_payee_trigger(pieces, index), first=index == 0)
    for index, piece in enumerate(pieces):
        if _four_means_for(pieces, index):
            piece.core = "for"
    for _ in range(3):  # until the context rules settle, so that the result is stable
        changed = False
        for index, piece in enumerate(pieces):
            before = pieces[index - 1] if index else None
            after = pieces[index + 1] if index + 1 < len(pieces) else None
            old = piece.core
            _apply_context(piece, before, after)
            changed = changed or piece.core != old
        if not changed:
            break

    out: list[str] = []
    alignment: list[Alignment] = []
    position = 0
    for piece in pieces:
        if out:
            position += 1
        unchanged = piece.text == text[piece.start : piece.end]
        end = position + len(piece.text)
        alignment.append(Alignment(piece.start, piece.end, position, end, unchanged))
        out.append(piece.text)
        position += len(piece.text)
    return " ".join(out), alignment


def map_span(alignment: list[Alignment], start: int, end: int) -> tuple[int, int] | None:
    """Map an input character span onto the normalised text (None if it vanished)."""
    inside = [a for a in alignment if a.src_end > start and a.src_start < end]
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    new_start = first.out_start + (start - first.src_start if first.unchanged else 0)
    new_end = last.out_end - (last.src_end - end if last.unchanged else 0)
    return max(new_start, first.out_start), min(new_end, last.out_end)


def _split(match: re.Match[str]) -> _Piece:
    """Separate a token's core from surrounding punctuation ("(bal?" -> "(", "bal", "?")."""
    token = match.group()
    keep_inside = _AMOUNTISH.match(token.rstrip(".,!?;:")) or "/" in token[1:-1]
    parts = (_TRAILING if keep_inside else _EDGES).match(token)
    groups = parts.groupdict() if parts else {"core": token}
    return _Piece(
        match.start(),
        match.end(),
        groups.get("pre") or "",
        groups["core"],
        groups.get("post") or "",
    )


def _after_payee_trigger(pieces: list[_Piece], index: int) -> bool:
    """True when ``pieces[index]`` may be a payee's name ("pay ty", "send it to pearson")."""
    before = pieces[index - 1].low if index >= 1 else ""
    before2 = pieces[index - 2].low if index >= 2 else ""
    if before == "to":
        return before2 not in lexicon.INFINITIVE_BEFORE_TO
    return before in lexicon.PAYEE_TRIGGERS


def _respell(piece: _Piece, after_trigger: bool, first: bool) -> None:
    """Respelling from the variant table, else fuzzy correction (names are left alone)."""
    low = piece.low
    if _looks_like_a_name(piece, first):
        return
    variant = lexicon.VARIANTS.get(low)
    if variant and not (after_trigger and low in lexicon.NAME_LIKE_VARIANTS):
        piece.core = variant
        if piece.post == ".":  # "bal." is an abbreviation, not a full stop
            piece.post = ""
        return
    corrected = correct_spelling(low, after_trigger=after_trigger)
    if corrected:
        piece.core = corrected


def _looks_like_a_name(piece: _Piece, first: bool) -> bool:
    core = piece.core
    return not first and core[:1].isupper() and not core.isupper() and len(core) > 1


def correct_spelling(word: str, after_trigger: bool = False) -> str | None:
    """Return the banking word a misspelled ``word`` (5+ letters) stands for, or None.

    Conservative: a word that is English as written (on :data:`KNOWN_WORDS`, or an
    inflection of a word there) is never changed, short words may be one edit away from
    their target, long ones two or three, and a tie between two targets changes nothing.
    ``after_trigger`` (the word follows "to", "pay"...) narrows the targets to account
    and number words, so that a payee's name is never respelled.
    """
    if len(word) < 5 or not word.isalpha() or is_known_word(word):
        return None
    targets = lexicon.AFTER_TRIGGER_VOCABULARY if after_trigger else lexicon.BANKING_VOCABULARY
    limit = edit_limit(word)
    best: list[tuple[int, str]] = []
    for target in targets:
        if target[0] != word[0] or abs(len(target) - len(word)) > limit:
            continue
        distance = OSA.distance(word, target, score_cutoff=limit)
        if distance <= limit:
            best.append((distance, target))
    if not best:
        return None
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None  # ambiguous: leave it alone
    return best[0][1]


def edit_limit(word: str) -> int:
    """Most edits allowed between ``word`` and its correction: 1 up to 8 letters, then 2,
    and 3 from 12 letters ("transacshuns")."""
    return 1 if len(word) <= 8 else 2 if len(word) <= 11 else 3


def is_known_word(word: str) -> bool:
    """True for an English word as written, or a regular inflection of one."""
    return word in KNOWN_WORDS or any(stem in KNOWN_WORDS for stem in _stems(word))


def _stems(word: str) -> list[str]:
    """Candidate stems of an inflected ``word``: "freezing" -> "freez", "freeze"..."""
    stems: list[str] = []
    for suffix in lexicon.INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            stems += [stem, f"{stem}e"]
            if len(stem) > 3 and stem[-1] == stem[-2]:
                stems.append(stem[:-1])  # "transferring" -> "transfer"
    for suffix in ("ies", "ied"):
        if word.endswith(suffix):
            stems.append(f"{word[: -len(suffix)]}y")  # "histories" -> "history"
    return stems


def _apply_context(piece: _Piece, before: _Piece | None, after: _Piece | None) -> None:
    """Rules that need the neighbouring words ("snd 50 2 tom", "current account")."""
    low = piece.low
    prev = before.low if before else ""
    nxt = after.low if after else ""
    if low == "2" and not piece.pre and _two_means_to(prev, nxt, before):
        piece.core = "to"
    elif low in ("current", "cheque") and (
        nxt in lexicon.ACCOUNT_NOUNS
        or (prev in ("from", "into", "to", "of") and nxt in ("", "to", "into", "from", "and"))
    ):
        piece.core = "checking"
    elif low in ("chk", "chq"):
        names_account = nxt in lexicon.ACCOUNT_NOUNS and prev in lexicon.ACCOUNT_CONTEXT_BEFORE
        after_preposition = prev in ("from", "into", "to", "of") and nxt not in _VERB_OBJECTS
        if names_account or after_preposition:  # "from chk", not "need to chk my balance"
            piece.core = "checking"
        else:
            piece.core = "check" if low == "chk" else "cheque"
    elif low == "mini" and nxt not in ("statement", "statements"):
        piece.core = "mini statement"


def _four_means_for(pieces: list[_Piece], index: int) -> bool:
    """True when the SMS "4" in ``pieces[index]`` means "for" ("thx 4 that", "4 me").

    Only a bare "4" between words (or opening the text), followed by a word it is "for"
    ("me", "that", "now", "ur", a word in -ing), with no money verb before it and no
    currency near it: "send 4 to tom" and "4 dollars" keep their number. Right after an
    amount, "4" before a person is "for" too: "send 20 dollars 4 me".
    """
    piece = pieces[index]
    if piece.core != "4" or piece.pre or piece.post or index + 1 >= len(pieces):
        return False
    after = pieces[index + 1]
    if after.pre or not _is_for_object(after.low):
        return False
    if index > 0:
        before = pieces[index - 1]
        if before.post:
            return False
        if _AMOUNTISH.match(before.core) or before.low in lexicon.CURRENCY_WORDS:
            return after.low in lexicon.FOR_PEOPLE  # "send 20 dollars 4 me"
        if not before.core.replace("'", "").isalpha():
            return False
        if before.low in lexicon.NOT_FOR_BEFORE or before.low in NUMBER_WORDS:
            return False
    earlier = pieces[max(0, index - _MONEY_WINDOW) : index]
    if any(p.low in lexicon.MONEY_BEFORE for p in earlier):
        return False
    return not _currency_near(pieces, index)


def _currency_near(pieces: list[_Piece], index: int) -> bool:
    """A currency word or symbol near ``pieces[index]`` that is not another amount's own
    ("thanks 4 the 50 dollars" has none: "dollars" belongs to "50")."""
    first = max(0, index - _CURRENCY_WINDOW)
    for j in range(first, min(len(pieces), index + _CURRENCY_WINDOW + 1)):
        piece = pieces[j]
        if j == index or not (
            piece.low in lexicon.CURRENCY_WORDS or any(sym in piece.text for sym in "$£€")
        ):
            continue
        if _AMOUNTISH.match(piece.core):
            continue  # "$50" is an amount of its own
        owner = pieces[j - 1] if j > 0 and j - 1 != index else None
        if owner is not None and (_AMOUNTISH.match(owner.core) or owner.low in NUMBER_WORDS):
            continue  # "50 dollars"
        return True
    return False


def _is_for_object(word: str) -> bool:
    return word in lexicon.FOR_OBJECTS or (
        len(word) >= 5 and word.endswith("ing") and word.isalpha()
    )


def _two_means_to(prev: str, nxt: str, before: _Piece | None) -> bool:
    if not nxt or not nxt.isalpha() or nxt in lexicon.NUMBER_FOLLOWERS:
        return False
    if nxt in NUMBER_WORDS or nxt in ORDINAL_WORDS:
        return False
    amount_before = before is not None and bool(_AMOUNTISH.match(before.core))
    between_accounts = prev in lexicon.ACCOUNT_WORDS and nxt in lexicon.ACCOUNT_WORDS
    after_mover = prev in lexicon.TWO_MEANS_TO_AFTER or prev in NUMBER_WORDS
    return after_mover or amount_before or between_accounts


# --- spoken digits -------------------------------------------------------------------

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "naught": "0", "nil": "0",
    "one": "1", "won": "1", "two": "2", "to": "2", "too": "2", "three": "3", "tree": "3",
    "four": "4", "for": "4", "fore": "4", "five": "5", "six": "6", "sicks": "6",
    "seven": "7", "eight": "8", "ate": "8", "nine": "9", "nein": "9", "niner": "9",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6",
    "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_REPEATS = {"double": 2, "triple": 3}
_SKIPPABLE = lexicon.FILLERS | {"and"}
# The same tables, for finding a PIN-like number inside a sentence (assistant.pin_text).
DIGIT_WORDS, TEEN_WORDS, TENS_WORDS, REPEAT_WORDS = _DIGIT_WORDS, _TEENS, _TENS, _REPEATS


def spoken_digits(text: str) -> str | None:
    """Read a digit string such as a PIN from speech or SMS.

    ``"2 4 6 8"``, ``"two four six eight"``, ``"to for six ate"`` and
    ``"twenty four sixty eight"`` all give ``"2468"``. Returns None when the text holds
    anything other than digits, digit words and fillers.
    """
    words = re.sub(r"[,.;:!?/\-]+", " ", text.lower()).split()
    digits: list[str] = []
    repeat = 1
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.isdigit():
            digits.append(word * repeat if len(word) == 1 else word)
        elif word in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS[word] * repeat)
        elif word in _TEENS:
            digits.append(_TEENS[word])
        elif word in _TENS:
            unit = words[index] if index < len(words) else ""
            if unit in _DIGIT_WORDS and _DIGIT_WORDS[unit] != "0" and unit not in ("oh", "o"):
                digits.append(_TENS[word] + _DIGIT_WORDS[unit])
                index += 1
            else:
                digits.append(_TENS[word] + "0")
        elif word in _REPEATS and index < len(words):
            repeat = _REPEATS[word]
            continue
        elif word not in _SKIPPABLE:
            return None
        repeat = 1
    return "".join(digits) or None
