"""Who money goes to: payee mentions and fuzzy matching against saved payees.

``find_payee_spans("pay my daughter linda 50")`` finds "daughter linda";
``match_payee("daughter linda", saved)`` resolves it to ``("Linda", 100.0)`` when Linda
is saved with the alias "daughter".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from nlu.accounts import find_accounts
from nlu.amounts import find_amounts
from nlu.numbers import NUMBER_WORDS, ORDINAL_WORDS
from nlu.text import Token, tokenize

DETERMINERS = frozenset({"my", "the", "our", "your", "his", "her", "their", "a", "an"})
VERB_TRIGGERS = frozenset(
    {"pay", "pays", "paying", "paid", "send", "sends", "sending", "sent", "give", "giving",
     "gave", "wire", "wiring"}
)  # fmt: skip
# "what did I spend on feed", "spent at the water company": the payee follows the preposition.
SPEND_TRIGGERS = frozenset({"spend", "spends", "spending", "spent"})
SPEND_PREPOSITIONS = frozenset({"on", "at", "with", "for"})
# "to" after these is not followed by a payee: "want to", "talk to", "up to".
NOT_BEFORE_TO = frozenset(
    """want wanna need needs like going have has had try trying able how what where when
    wish ought used about talk speak speaking chat connect connected listen reply go went
    come back due next close belong belongs up similar compared according thanks way me
    him her them us put""".split()
)
# "to <verb>" is an infinitive, not a payee.
VERBS = frozenset(
    """be do have go get see know check send pay transfer move make speak talk freeze
    unfreeze block unblock lock unlock add remove report hear listen find look ask tell help
    call set open close order withdraw deposit cancel stop change use learn sort fix give
    take put let keep show read repeat say hold wait confirm update switch buy spend save
    review view understand manage start continue""".split()
)
# Words that end a payee name.
_STOP_WORDS = frozenset(
    """to from on at by for with using via and or but please pls now today tomorrow
    yesterday tonight asap then so because instead again back too also right this that
    next every each out off up in into if when as is was are its it thanks thank dollars
    dollar bucks buck pounds euros cents money cash funds some all the a an me you him them
    us monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december week month year weekend
    immediately straight last past previous since during lately recently ago""".split()
)
STOPS = _STOP_WORDS | NUMBER_WORDS | ORDINAL_WORDS
# Spans made only of these words are not payees.
GENERIC = frozenset(
    """bill bills payment payments someone somebody anyone anybody everyone person people
    agent human operator representative advisor adviser manager staff bank it them me myself
    you yourself him her us balance card cards account accounts statement transfer
    transaction transactions helper number phone pin money cash one back what how""".split()
)
_MAX_WORDS = 4
# Words of a mention that only say what kind of payee it is ("the feed store", "the water
# people"): one distinctive word of a saved payee's name is enough, these may come with it.
KIND_WORDS = frozenset(
    "store shop people company firm place supplier suppliers guys bill bills man lady".split()
)
WORD_MATCH_MIN = 90.0  # a mention word "is" a word of the name at this fuzz ratio
WORD_MATCH_SCORE = 85.0  # below a whole-name match, above the threshold


@dataclass(frozen=True)
class PayeeSpan:
    """A stretch of text that names who the money is for."""

    start: int
    end: int
    text: str


def clean_payee(text: str) -> str:
    """Drop leading "my"/"the" and trailing fillers: ``"my daughter"`` -> ``"daughter"``."""
    words = text.split()
    while words and words[0].lower() in DETERMINERS:
        words.pop(0)
    while words and words[-1].lower() in ("please", "pls", "thanks"):
        words.pop()
    return " ".join(words)


def find_payee_spans(text: str) -> list[PayeeSpan]:
    """Find payee mentions after "to", "pay", "send", "give" and "payee called"."""
    tokens = tokenize(text)
    blocked = _blocked_offsets(text)
    spans: list[PayeeSpan] = []
    for index, token in enumerate(tokens):
        start = _span_start(tokens, index)
        if start is None:
            continue
        span = _collect(text, tokens, start, blocked, after_to=token.lower == "to")
        if span and not any(s.start < span.end and span.start < s.end for s in spans):
            spans.append(span)
    return spans


def _blocked_offsets(text: str) -> set[int]:
    """Character offsets taken by amounts and accounts (never part of a payee)."""
    taken: set[int] = set()
    for match in [*find_amounts(text), *find_accounts(text)]:
        taken.update(range(match.start, match.end))
    return taken


def _span_start(tokens: list[Token], index: int) -> int | None:
    """Index of the first token after a payee trigger at ``index``, else None."""
    low = tokens[index].lower
    before = tokens[index - 1].lower if index else ""
    if low == "to":
        return index + 1 if before not in NOT_BEFORE_TO else None
    if low in VERB_TRIGGERS:
        return index + 1
    if low in SPEND_TRIGGERS:
        nxt = tokens[index + 1].lower if index + 1 < len(tokens) else ""
        return index + 2 if nxt in SPEND_PREPOSITIONS else None
    if low == "payee":
        nxt = tokens[index + 1].lower if index + 1 < len(tokens) else ""
        return index + 2 if nxt in ("called", "named") else None
    if low == "add" and _followed_by_as_payee(tokens, index + 1):
        return index + 1
    return None


def _followed_by_as_payee(tokens: list[Token], index: int) -> bool:
    words = [t.lower for t in tokens[index : index + 8]]
    return "as" in words and "payee" in words[words.index("as") :]


def _collect(
    text: str, tokens: list[Token], j: int, blocked: set[int], after_to: bool
) -> PayeeSpan | None:
    while j < len(tokens) and tokens[j].lower in DETERMINERS:
        j += 1
    if j >= len(tokens) or (after_to and tokens[j].lower in VERBS):
        return None
    words: list[Token] = []
    while j < len(tokens) and len(words) < _MAX_WORDS:
        token = tokens[j]
        if not token.is_word or token.start in blocked or token.lower in STOPS:
            if token.lower == "of" and words and j + 1 < len(tokens) and tokens[j + 1].is_word:
                words.append(token)
                j += 1
                continue
            break
        words.append(token)
        j += 1
    while words and words[-1].lower == "of":
        words.pop()
    if not words or all(w.lower in GENERIC for w in words):
        return None
    start, end = words[0].start, words[-1].end
    return PayeeSpan(start, end, text[start:end])


def _candidates(payee: dict[str, Any]) -> Iterable[tuple[str, bool]]:
    yield str(payee.get("name", "")), True
    for alias in payee.get("aliases") or []:
        yield str(alias), False


def _ngrams(words: Sequence[str]) -> list[str]:
    return [" ".join(words[a:b]) for a in range(len(words)) for b in range(a + 1, len(words) + 1)]


def match_payee(
    span_text: str, saved: list[dict[str, Any]], threshold: float = 80.0
) -> tuple[str, float] | None:
    """Resolve a payee mention against saved payees ``[{"name", "aliases"}]``.

    Returns ``(canonical_name, score 0-100)`` for the best match at or above
    ``threshold``, or None (no match, or two payees match equally well).
    """
    words = clean_payee(span_text).lower().split()
    if not words or not saved:
        return None
    grams = _ngrams(words)
    scored: list[tuple[float, bool, str]] = []
    for payee in saved:
        best: tuple[float, bool] = (0.0, False)
        for candidate, is_name in _candidates(payee):
            target = clean_payee(candidate).lower()
            if not target:
                continue
            score = max(fuzz.ratio(gram, target) for gram in grams)
            if score < WORD_MATCH_SCORE and _every_word_in(words, target):
                score = WORD_MATCH_SCORE  # "feed" for "Green Valley Feed"
            best = max(best, (score, is_name))
        scored.append((best[0], best[1], str(payee.get("name", ""))))
    scored.sort(reverse=True)
    top = scored[0]
    if top[0] < threshold:
        return None
    if len(scored) > 1 and scored[1][:2] == top[:2] and scored[1][2] != top[2]:
        return None  # two payees fit equally well: ask rather than guess
    return top[2], round(top[0], 1)


def _every_word_in(mention_words: Sequence[str], target: str) -> bool:
    """Each distinctive word of the mention is (nearly) a word of ``target``."""
    content = [w for w in mention_words if w not in KIND_WORDS]
    names = [w for w in target.split() if len(w) >= 3]
    return bool(content) and all(
        len(w) >= 3 and max((fuzz.ratio(w, n) for n in names), default=0.0) >= WORD_MATCH_MIN
        for w in content
    )


def find_saved_payees(
    text: str, saved: list[dict[str, Any]], threshold: float = 88.0
) -> list[tuple[PayeeSpan, str, float]]:
    """Find saved payees named anywhere in ``text`` without a trigger word.

    For bare replies ("my daughter", "city power") to "who should I pay?".
    """
    if not saved:
        return []
    tokens = [t for t in tokenize(text) if t.is_word]
    blocked = _blocked_offsets(text)
    found: list[tuple[PayeeSpan, str, float]] = []
    for size in (3, 2, 1):
        for a in range(len(tokens) - size + 1):
            window = tokens[a : a + size]
            if window[0].lower in STOPS | DETERMINERS or window[-1].lower in STOPS:
                continue
            if any(t.start in blocked for t in window) or all(
                t.lower in GENERIC or t.lower in DETERMINERS for t in window
            ):
                continue
            start, end = window[0].start, window[-1].end
            if any(s.start < end and start < s.end for s, _, _ in found):
                continue
            result = match_payee(text[start:end], saved, threshold)
            if result and _whole_window_matches(text[start:end], saved, result[0], threshold):
                found.append((PayeeSpan(start, end, text[start:end]), *result))
    return sorted(found, key=lambda item: item[0].start)


def _whole_window_matches(
    window: str, saved: list[dict[str, Any]], name: str, threshold: float
) -> bool:
    """The whole window (not just a word of it) must look like the payee."""
    for payee in saved:
        if payee.get("name") == name:
            return any(
                fuzz.ratio(window.lower(), clean_payee(c).lower()) >= threshold
                for c, _ in _candidates(payee)
            )
    return False
