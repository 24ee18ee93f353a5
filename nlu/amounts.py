"""Money amounts in free text, as integer minor units plus an ISO currency code.

``find_amounts("send two hundred and fifty dollars to tom")`` gives one match worth
25000 USD minor units. No floats anywhere: values are ``Decimal`` until they become
integer minor units. Times, dates, ordinals, counts ("last 3 transactions"), card
endings and phone or account numbers are not amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from nlu.numbers import (
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PRICE_ZERO_WORDS,
    parse_number,
    parse_spoken_price,
)
from nlu.text import Token, adjacent, tokenize

DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"})
SYMBOLS = {"$": "$", "£": "GBP", "€": "EUR"}  # "$" means the local dollar
MAJOR_WORDS = {
    "dollar": "$", "dollars": "$", "buck": "$", "bucks": "$", "usd": "USD",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP", "gbp": "GBP", "sterling": "GBP",
    "euro": "EUR", "euros": "EUR", "eur": "EUR",
}  # fmt: skip
MINOR_WORDS = {"cent": "$", "cents": "$", "c": "$", "pence": "GBP", "p": "GBP"}
CODES_BEFORE = {"usd": "USD", "gbp": "GBP", "eur": "EUR"}

# A bare number followed by one of these counts something: "30 days", "3 transactions".
COUNT_NOUNS = frozenset(
    """second seconds minute minutes min mins hour hours hr hrs day days week weeks month
    months year years yr yrs time times transaction transactions payment payments item items
    digit digits number numbers people person questions question things thing bills cards
    card accounts account statements statement entries entry ones percent am pm o'clock oclock
    charges withdrawals deposits transfers debits credits letters letter texts text messages
    message calls call emails email codes checks cheques kids kid children child grandchildren
    grandchild grandkids sons son daughters daughter attempts attempt tries pages page steps
    step""".split()
)
# A bare number right after one of these is a count: "last 3", "the past 2".
COUNT_BEFORE = frozenset("last past previous next first top recent latest final".split())
# A bare number right after one of these is an identifier, not money.
ID_BEFORE = frozenset(
    """ending ends end digits number no pin code extension ext reference ref id otp passcode
    password room flat apartment street zip postcode cvv cvc security press option dial page
    step floor suite unit apt seat row ward platform channel level""".split()
)
# These name a thing that has a number ("card 4321") but can also be paid ("pay the card
# 200"): the number is money only after a money verb, and only up to three digits.
ID_NOUNS = frozenset("card account acct phone mobile call".split())
MONEY_VERBS = frozenset(
    """send sent sending pay paid paying transfer transferred transferring move moved moving
    give gave giving put wire wired xfer deposit withdraw lend owe top""".split()
)
# ``<identifier word> <one of these> <number>``: "ending in 4321", "pin is 2468".
ID_LINKS = frozenset("in is was are with of no number num # : ending ends".split())
# A bare number right after one of these is an age: "i'm 78", "she's 9", "turned 80".
AGE_BEFORE = frozenset("i'm im am he's she's aged age turned turning turn".split())
TIME_BEFORE = frozenset({"at", "by", "around", "till", "until", "before", "after", "past"})
YEAR_BEFORE = frozenset({"in", "since", "from", "during", "year", "of", "until", "before"})
MONTHS = frozenset(
    """january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
# A bare spoken price ("nineteen ninety") right after one of these is a year or a time.
PRICE_NOT_BEFORE = TIME_BEFORE | frozenset({"in", "since", "from", "during", "year"})
ONE_BEFORE = frozenset("this that which the no any every each other another someone".split())
# "one" after "<determiner> <word>" is a pronoun: "the checking one", "my old one".
ONE_DETERMINERS = ONE_BEFORE | frozenset("my your his her our their a an".split())
ONE_AFTER = frozenset("of more moment minute sec second thing last question another day".split())
_LONG_NUMBER = 7


@dataclass(frozen=True)
class AmountMatch:
    """An amount of money found in a text."""

    start: int
    end: int
    text: str
    minor_units: int
    currency: str

    def value(self) -> dict[str, int | str]:
        """The entity value: ``{"minor_units": 25000, "currency": "USD"}``."""
        return {"minor_units": self.minor_units, "currency": self.currency}


def find_amounts(text: str, default_currency: str = "USD") -> list[AmountMatch]:
    """Find every amount of money in ``text``, left to right."""
    tokens = tokenize(text)
    dollar = default_currency if default_currency in DOLLAR_CURRENCIES else "USD"
    matches: list[AmountMatch] = []
    i = 0
    while i < len(tokens):
        found = _amount_at(tokens, i, default_currency, dollar)
        if found is None:
            # A spoken price shape that is not money ("in nineteen ninety", "at twelve
            # thirty", "pin is twenty four sixty eight") is skipped whole, so that its
            # second half is not read as an amount of its own.
            i = _number_run_end(tokens, i) if _spoken_price(tokens, i) else i + 1
            continue
        end_index, minor, currency = found
        start, end = tokens[i].start, tokens[end_index - 1].end
        matches.append(AmountMatch(start, end, text[start:end], minor, currency))
        i = end_index
    return matches


def _currency(code: str, dollar: str) -> str:
    return dollar if code == "$" else code


def _low(tokens: list[Token], j: int) -> str:
    return tokens[j].lower if 0 <= j < len(tokens) else ""


def _amount_at(
    tokens: list[Token], i: int, default: str, dollar: str
) -> tuple[int, int, str] | None:
    """Try to read an amount starting at token ``i``: (end index, minor units, currency)."""
    currency: str | None = None
    j = i
    first = tokens[i]
    if first.text in SYMBOLS:
        currency, j = _currency(SYMBOLS[first.text], dollar), i + 1
    elif first.lower in CODES_BEFORE and j + 1 < len(tokens) and tokens[j + 1].is_number:
        currency, j = CODES_BEFORE[first.lower], i + 1
    parsed = parse_number(tokens, j)
    if parsed is None:
        return None
    value, k = parsed
    price = _spoken_price(tokens, j)
    if price is not None:
        value, k = price

    minor: Decimal | None = None
    nxt = _low(tokens, k)
    if currency is None and k < len(tokens) and tokens[k].text in SYMBOLS:
        if adjacent(tokens[k - 1], tokens[k]):  # "30€"
            currency, k = _currency(SYMBOLS[tokens[k].text], dollar), k + 1
    elif currency is None and nxt in MINOR_WORDS and _minor_word_ok(tokens, k):
        if value == value.to_integral_value():
            return k + 1, int(value), _currency(MINOR_WORDS[nxt], dollar)
        return None
    elif nxt in MAJOR_WORDS and (currency is None or MAJOR_WORDS[nxt] in ("$", currency)):
        currency = currency or _currency(MAJOR_WORDS[nxt], dollar)
        k += 1
    if currency is not None:
        cents = _trailing_cents(tokens, k)
        if cents is not None:
            minor, k = cents
            if price is not None:  # "nineteen ninety five dollars and fifty cents":
                value *= 100  # the two groups name whole dollars, $1995.50
    elif price is not None and _price_not_money(tokens, i, k):
        return None
    elif _not_money(tokens, i, k):
        return None
    units = value * 100
    if units != units.to_integral_value():
        return None
    return k, int(units) + int(minor or 0), currency or default


def _spoken_price(tokens: list[Token], j: int) -> tuple[Decimal, int] | None:
    """A spoken price at ``tokens[j]``, read as dollars and cents: (dollars, next index).

    Americans say prices this way: "nine ninety nine" is $9.99, "forty one seventy five"
    $41.75, "twelve fifty" $12.50, "three oh five" $3.05. "one fifty" is read as $1.50 by
    the same rule, although a caller may mean $150 ("a hundred fifty"): the amount is
    read back before any payment is made, so the customer can correct it. Not a price
    when cents follow ("two fifty cents"); years and times are rejected by the caller.
    """
    price = parse_spoken_price(tokens, j)
    if price is None or _low(tokens, price[1]) in MINOR_WORDS:
        return None
    return price


def _price_not_money(tokens: list[Token], i: int, k: int) -> bool:
    """True when the bare spoken price ``tokens[i:k]`` is a year, a time or digits read
    in groups: "in nineteen ninety", "at twelve thirty", "twelve thirty four fifty six"."""
    before, after = tokens[i - 1] if i > 0 else None, tokens[k] if k < len(tokens) else None
    if before is not None and (before.is_number or before.lower in NUMBER_WORDS):
        return True
    if after is not None and (after.is_number or after.lower in NUMBER_WORDS):
        return True
    return _low(tokens, i - 1) in PRICE_NOT_BEFORE or _not_money(tokens, i, k)


def _number_run_end(tokens: list[Token], i: int) -> int:
    """The index after the run of number words and digits starting at ``tokens[i]``."""
    k = i
    while k < len(tokens) and (
        tokens[k].is_number
        or tokens[k].lower in NUMBER_WORDS
        or tokens[k].lower in PRICE_ZERO_WORDS
        or (tokens[k].text == "-" and k > i and tokens[k - 1].lower in NUMBER_WORDS)
    ):
        k += 1
    return k


def _minor_word_ok(tokens: list[Token], k: int) -> bool:
    """``c``/``p`` count as cents/pence only glued to the number ("50c", "20p")."""
    if tokens[k].lower in ("c", "p"):
        return adjacent(tokens[k - 1], tokens[k])
    return True


def _trailing_cents(tokens: list[Token], k: int) -> tuple[Decimal, int] | None:
    """``and fifty cents`` / ``50`` after ``ten dollars`` -> (cents, next index)."""
    j = k + 1 if _low(tokens, k) == "and" else k
    parsed = parse_number(tokens, j)
    if parsed is None or _low(tokens, j) in ("a", "an"):
        return None
    cents, end = parsed
    if cents != cents.to_integral_value() or not 0 < cents < 100 or "." in tokens[j].text:
        return None
    if _low(tokens, end) in MINOR_WORDS and _minor_word_ok(tokens, end):
        return cents, end + 1
    if j == k and _low(tokens, end) not in COUNT_NOUNS and _low(tokens, end) not in MONTHS:
        return cents, end  # "10 dollars 50"
    return None


def _not_money(tokens: list[Token], i: int, k: int) -> bool:
    """True when the bare number ``tokens[i:k]`` is a time, date, count or identifier."""
    first, last = tokens[i], tokens[k - 1]
    before, after = _low(tokens, i - 1), _low(tokens, k)
    before2 = _low(tokens, i - 2)
    if after in COUNT_NOUNS or after in ORDINAL_WORDS or after in ("%", "per"):
        return True
    if before in COUNT_BEFORE or before in ID_BEFORE:
        return True
    if before2 in ID_BEFORE | ID_NOUNS and before in ID_LINKS:
        return True
    if before in ID_NOUNS and not _paid_thing(tokens, i, k):
        return True
    if before in AGE_BEFORE or (before in ("is", "was") and before2 in ("he", "she")):
        return True  # "i am 78", "she is 9"
    if _next_to_bare_number(tokens, i, k):
        return True  # a phone number or PIN read in groups: "555 0100", "2 4 6 8"
    if before in MONTHS or after in MONTHS or (after == "of" and _low(tokens, k + 1) in MONTHS):
        return True
    if k < len(tokens) and adjacent(last, tokens[k]):
        glued = tokens[k]
        if glued.is_word or glued.is_number or glued.text in (":", "/", "-", "%", "."):
            return True  # "3rd", "5pm", "5:30", "3/4", "555-0100", "mp3"
    if i > 0 and adjacent(tokens[i - 1], first):
        glued = tokens[i - 1]
        if glued.is_word or glued.text in ("/", "-", ":", "+", "#"):
            return True
    if first.is_number:
        return _number_is_not_money(first, before)
    return _words_are_not_money(tokens, i, k, before, after)


def _paid_thing(tokens: list[Token], i: int, k: int) -> bool:
    """True for "pay the card 200": a short number after a money verb (not "card 4321")."""
    text = tokens[i].text
    short = k - i > 1 or not text.isdigit() or len(text) <= 3
    return short and any(t.lower in MONEY_VERBS for t in tokens[:i])


def _next_to_bare_number(tokens: list[Token], i: int, k: int) -> bool:
    """True when a digit group stands right before or after another one ("555 0100")."""
    if not tokens[i].is_number or k - i != 1:
        return False
    return (i > 0 and tokens[i - 1].is_number) or (k < len(tokens) and tokens[k].is_number)


def _number_is_not_money(token: Token, before: str) -> bool:
    digits = token.text
    if digits.isdigit() and len(digits) >= _LONG_NUMBER:
        return True  # phone or account number
    if digits.isdigit() and len(digits) > 1 and digits.startswith("0"):
        return True  # "0100", "07": part of a phone number or code
    if digits.isdigit() and len(digits) == 4 and 1900 <= int(digits) <= 2100:
        if before in YEAR_BEFORE:
            return True
    return before in TIME_BEFORE


def _words_are_not_money(tokens: list[Token], i: int, k: int, before: str, after: str) -> bool:
    if before in TIME_BEFORE and k - i == 1:
        return True
    if k - i == 1 and tokens[i].lower == "one":
        if before in ONE_BEFORE or after in ONE_AFTER or after in NUMBER_WORDS:
            return True
        before2 = _low(tokens, i - 2)
        adjective = i > 0 and tokens[i - 1].is_word and before not in NUMBER_WORDS
        return adjective and before2 in ONE_DETERMINERS  # "the checking one"
    return False
