"""Cardinal numbers written as digits or English words, parsed without floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from nlu.text import Token, adjacent

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"thousand": 1000, "grand": 1000, "million": 1_000_000}
ORDINAL_WORDS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth "
    "thirtieth".split()
)
NUMBER_WORDS = frozenset(UNITS) | frozenset(TEENS) | frozenset(TENS) | {"hundred"} | set(SCALES)
_SCALE_AFTER_DIGITS = {"hundred": 100, "thousand": 1000, "grand": 1000, "million": 1_000_000}


def digits_value(text: str) -> Decimal | None:
    """``"1,500.25"`` -> ``Decimal("1500.25")``; None when not a number."""
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def parse_number(tokens: list[Token], i: int) -> tuple[Decimal, int] | None:
    """Parse a number starting at ``tokens[i]``.

    Returns the value and the index just after the number, or None. Handles digits
    (with an optional ``k`` or scale word: ``2k``, ``5 thousand``) and words
    (``two hundred and fifty``, ``a hundred``, ``fifteen hundred``, ``a grand``,
    ``half a thousand``, ``twenty-five``).
    """
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.is_number:
        return _parse_digits(tokens, i)
    if tok.is_word:
        return _parse_words(tokens, i)
    return None


def _parse_digits(tokens: list[Token], i: int) -> tuple[Decimal, int] | None:
    value = digits_value(tokens[i].text)
    if value is None:
        return None
    j = i + 1
    if j < len(tokens) and adjacent(tokens[i], tokens[j]) and tokens[j].lower == "k":
        return value * 1000, j + 1
    if j < len(tokens) and tokens[j].lower in _SCALE_AFTER_DIGITS:
        return value * _SCALE_AFTER_DIGITS[tokens[j].lower], j + 1
    return value, j


def _word(tokens: list[Token], j: int) -> str:
    return tokens[j].lower if j < len(tokens) else ""


def _parse_words(tokens: list[Token], i: int) -> tuple[Decimal, int] | None:
    first = _word(tokens, i)
    if first == "half" and _word(tokens, i + 1) in ("a", "an"):
        scale = _word(tokens, i + 2)
        if scale in ("hundred", "thousand", "grand", "million"):
            return Decimal(_SCALE_AFTER_DIGITS[scale]) / 2, i + 3
        return None

    total = 0
    current = 0
    last = ""  # kind of the last consumed word
    end = i  # index after the last word that belongs to the number
    j = i
    if first in ("a", "an"):
        if _word(tokens, i + 1) not in ("hundred", "thousand", "grand", "million"):
            return None
        current, last, j = 1, "unit", i + 1

    while j < len(tokens):
        word = _word(tokens, j)
        if word == "-" and last == "tens" and j + 1 < len(tokens):
            if adjacent(tokens[j - 1], tokens[j]) and adjacent(tokens[j], tokens[j + 1]):
                if _word(tokens, j + 1) in UNITS:
                    j += 1
                    continue
            break
        if word in UNITS:
            if last == "tens" and current % 10 == 0 or last in ("", "and", "hundred", "scale"):
                current += UNITS[word]
                last = "unit"
            else:
                break
        elif word in TEENS or word in TENS:
            if last not in ("", "and", "hundred", "scale"):
                break
            current += TEENS.get(word, 0) + TENS.get(word, 0)
            last = "tens" if word in TENS else "teen"
        elif word == "hundred":
            if last not in ("unit", "teen", "tens") or current >= 100:
                break
            current *= 100
            last = "hundred"
        elif word in SCALES:
            if last not in ("unit", "teen", "tens", "hundred"):
                break
            total += current * SCALES[word]
            current = 0
            last = "scale"
        elif word == "and" and last in ("hundred", "scale"):
            nxt = _word(tokens, j + 1)
            if nxt in UNITS or nxt in TEENS or nxt in TENS:
                last = "and"
                j += 1
                continue
            break
        else:
            break
        j += 1
        end = j
    if end == i or last in ("", "and"):
        return None
    return Decimal(total + current), end


# "oh"/"o" read as a zero before a cents digit: "three oh five" is $3.05.
PRICE_ZERO_WORDS = frozenset({"oh", "o"})
_TWO_DIGIT_WORDS = frozenset(TEENS) | frozenset(TENS)


def parse_spoken_price(tokens: list[Token], i: int) -> tuple[Decimal, int] | None:
    """Parse a price said the American way, dollars then cents, starting at ``tokens[i]``.

    A word group of 1-99 followed directly by a word group of 10-99, or by "oh"/"o" and a
    digit 1-9: ``nine ninety nine`` -> ``Decimal("9.99")``, ``forty one seventy five`` ->
    ``Decimal("41.75")``, ``three oh five`` -> ``Decimal("3.05")``. Returns the value in
    dollars and the index just after it, or None. ``two hundred fifty`` and ``fifteen
    hundred`` are not prices of this shape (a scale word belongs to one of the groups).
    Only the grammar is checked here: whether the words are money (not a year, a time or
    a number read in groups) is for the caller to decide.
    """
    if _word(tokens, i) not in UNITS and _word(tokens, i) not in _TWO_DIGIT_WORDS:
        return None
    first = _parse_words(tokens, i)
    if first is None or not 1 <= first[0] <= 99:
        return None
    dollars, k = first
    if _word(tokens, k) in PRICE_ZERO_WORDS:
        digit = _word(tokens, k + 1)
        if not UNITS.get(digit) or _word(tokens, k + 2) in ("hundred", *SCALES):
            return None
        return dollars + Decimal(UNITS[digit]) / 100, k + 2
    if _word(tokens, k) not in _TWO_DIGIT_WORDS:
        return None
    second = _parse_words(tokens, k)
    if second is None or not 10 <= second[0] <= 99:
        return None
    cents, end = second
    return dollars + cents / 100, end
