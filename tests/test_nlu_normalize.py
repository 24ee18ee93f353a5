"""Normalisation of SMS and speech-recognition spellings, and spoken PIN digits."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from nlu import build_english_words, english_words, lexicon
from nlu.normalize import (
    correct_spelling,
    map_span,
    normalize,
    normalize_with_alignment,
    spoken_digits,
)

VARIANTS = [
    ("bal", "balance"),
    ("bal.", "balance"),
    ("BAL", "balance"),
    ("wats my balanse", "what's my balance"),
    ("whats my ballance", "what's my balance"),
    ("wots my bal pls", "what's my balance please"),
    ("xfer 100 to savings", "transfer 100 to savings"),
    ("trf 100", "transfer 100"),
    ("tfr 100", "transfer 100"),
    ("my acct", "my account"),
    ("acc bal", "account balance"),
    ("a/c bal", "account balance"),
    ("from my chequing", "from my checking"),
    ("from my current account", "from my checking account"),
    ("cheque account", "checking account"),
    ("from cheque to savings", "from checking to savings"),
    ("from chk", "from checking"),
    ("my chk acct", "my checking account"),
    ("chk my bal", "check my balance"),
    ("sav", "savings"),
    ("move it to savngs", "move it to savings"),
    ("pls", "please"),
    ("plz help", "please help"),
    ("can u help", "can you help"),
    ("ur bank", "your bank"),
    ("wat r my txns", "what are my transactions"),
    ("show trans 2day", "show transactions today"),
    ("thx", "thanks"),
    ("ty", "thanks"),
    ("snd 50 2 tom", "send 50 to tom"),
    ("pls send 20 dollars 2 my daughter", "please send 20 dollars to my daughter"),
    ("give 2 tom", "give to tom"),
    ("xfer 100 from sav 2 chk", "transfer 100 from savings to checking"),
    ("mini", "mini statement"),
    ("MINI", "mini statement"),
    ("mini statement", "mini statement"),
    ("send $50 to tom", "send $50 to tom"),
    ("tranfer 200 to linda", "transfer 200 to linda"),
    ("my card was stollen", "my card was stolen"),
    ("unfreze my card", "unfreeze my card"),
    ("hepler", "helper"),
    ("show me my last 5 transacshuns", "show me my last 5 transactions"),
    ("send fourty dollars", "send forty dollars"),
    ("i payed the bill", "i paid the bill"),
    ("i wanted to snd 250 dollars", "i wanted to send 250 dollars"),
    ("i want to freez my card", "i want to freeze my card"),
    ("i need to chk my bal", "i need to check my balance"),
    ("move 20 to chk", "move 20 to checking"),
    ("i lost my crad", "i lost my card"),
]


@pytest.mark.parametrize(("text", "expected"), VARIANTS)
def test_variants_and_corrections(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("um what's my balance", "what's my balance"),
        ("uh, erm, balance please", "balance please"),
        ("  lots   of    spaces  ", "lots of spaces"),
        ("umm send fifty uh to tom", "send fifty to tom"),
    ],
)
def test_fillers_and_spaces(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "pay pearson 20",  # a name one letter from "person"
        "send 50 to Chuck",
        "pay Ty 50",
        "pay ty 50",
        "send 20 to ty",
        "send it to pearson",
        "pay walter 20",
        "current balance please",
        "last 2 weeks",
        "send 2 dollars",
        "2468",
        "$45.50 and 1,500",
        "the thirteenth",
        "i was warming up",
        "cards",
        "helped",
        "/check_balance",
        '/inform{"amount": 5}',
    ],
)
def test_leaves_names_numbers_and_real_words_alone(text: str) -> None:
    assert normalize(text) == text


CORPUS = [text for text, _ in VARIANTS] + [
    "uh chk from cheque 2 current acct",
    "snd chq 2 tom",
    "mini mini",
    "2 2 2",
    "pay 2 bills",
    "transfer from current to sav pls",
    "Wats ur bal?",
    "",
    "   ",
    "my card isnt working",
    "bye 4 now",
    "thx 4 that 4 me",
    "send 4 to tom 4 me",
    "send 20 dollars 4 me",
    "im waiting 4 u",
]


@pytest.mark.parametrize("text", CORPUS)
def test_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_alignment_maps_spans_onto_the_normalised_text() -> None:
    text = "pls snd 50 2 tom? from my savngs"
    normalized, alignment = normalize_with_alignment(text)
    assert normalized == "please send 50 to tom? from my savings"
    for original, expected in [("tom", "tom"), ("savngs", "savings"), ("50", "50")]:
        start = text.index(original)
        span = map_span(alignment, start, start + len(original))
        assert span is not None
        assert normalized[span[0] : span[1]] == expected


def test_alignment_drops_fillers() -> None:
    normalized, alignment = normalize_with_alignment("um pay tom")
    assert normalized == "pay tom"
    assert map_span(alignment, 0, 2) is None


@pytest.mark.parametrize(
    "text",
    [
        "2468",
        "2 4 6 8",
        "two four six eight",
        "two, four, six, eight",
        "Two. Four. Six. Eight.",
        "to for six ate",
        "too fore sicks eight",
        "twenty four sixty eight",
        "two four sixty eight",
        "um two four six eight",
        "2-4-6-8",
    ],
)
def test_spoken_digits_reads_a_pin(text: str) -> None:
    assert spoken_digits(text) == "2468"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one three five seven", "1357"),
        ("oh one two", "012"),
        ("double two four six", "2246"),
        ("twenty", "20"),
        ("nineteen eighty", "1980"),
    ],
)
def test_spoken_digits_other_forms(text: str, expected: str) -> None:
    assert spoken_digits(text) == expected


@pytest.mark.parametrize(
    "text", ["", "my pin is 2468", "hello", "two four six and a bit", "2468?x"]
)
def test_spoken_digits_refuses_other_text(text: str) -> None:
    assert spoken_digits(text) is None


def test_pure_modules_import_without_rasa_or_spacy() -> None:
    code = (
        "import sys, nlu.normalize, nlu.amounts, nlu.dates, nlu.accounts, nlu.payees, "
        "nlu.entities\n"
        "heavy = {'rasa', 'spacy', 'tensorflow', 'dateparser'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_idempotent_on_random_mixtures() -> None:
    rng = random.Random(7)
    words = (
        "2 50 $20 to from my the chk chq cheque current acct account sav savings mini "
        "statement bal xfer snd tom Linda um pls u ur wat r txns 2day send pay give it "
        "money dollars last weeks balanse savngs tranfer stollen fourty , . ?"
    ).split()
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        once = normalize(text)
        assert normalize(once) == once, text


# --- fuzzy correction never changes a correctly spelled word --------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my card isnt working", "my card isn't working"),
        ("good morning", "good morning"),
        ("i have been waiting all day", "i have been waiting all day"),
        ("i was wanting to check my balance", "i was wanting to check my balance"),
        ("i am sending money to my son", "i am sending money to my son"),
        ("my spending this month", "my spending this month"),
        ("checking my balance", "checking my balance"),
        ("the machine is not working this morning", "the machine is not working this morning"),
        ("i keep clicking the link", "i keep clicking the link"),
        ("transferring money", "transferring money"),
        ("i need a receipt", "i need a receipt"),
        ("can you resolve this", "can you resolve this"),
        ("i want to withdraw cash", "i want to withdraw cash"),
        ("1 dollar", "1 dollar"),
        ("an electronic payment", "an electronic payment"),
        ("my parents account", "my parents account"),
        ("please be patient", "please be patient"),
    ],
)
def test_fuzzy_correction_leaves_correct_english_alone(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "word",
    """working morning waiting wanting warming sending spending checking evening worried
    clicking cheating operated transferring transitions translation handled parents patient
    respect receipt resolve recover withdraw withdrawn withdrawing dollar electronic thinks
    histories statesmen sayings repent""".split(),
)
def test_correct_spelling_never_respells_an_english_word(word: str) -> None:
    assert correct_spelling(word) is None
    assert correct_spelling(word, after_trigger=True) is None


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("stollen", "stolen"),
        ("unfreze", "unfreeze"),
        ("freez", "freeze"),
        ("savngs", "savings"),
        ("statment", "statement"),
        ("paymnts", "payments"),
        ("withdrawl", "withdrawal"),
        ("transacshuns", "transactions"),
        ("tranferred", "transferred"),
        ("hepler", "helper"),
    ],
)
def test_correct_spelling_still_fixes_real_typos(typo: str, word: str) -> None:
    assert correct_spelling(typo) == word


def test_word_list_holds_no_misspelling_or_sms_spelling() -> None:
    words = english_words.WORDS
    assert len(words) > 1000
    assert not words & build_english_words.MISSPELLINGS
    assert not words & set(lexicon.VARIANTS)
    assert all(word.isalpha() and word == word.lower() for word in words)


def test_word_list_builder_keeps_words_seen_twice_less_misspellings() -> None:
    texts = ["My card isnt working", "working again, my card!", "withdrawl withdrawl", "once"]
    words = build_english_words.word_list(texts)
    assert words == ["card", "my", "working"]
    namespace: dict[str, object] = {}
    exec(build_english_words.render(words), namespace)  # noqa: S102 - our own generated code
    assert namespace["WORDS"] == frozenset(words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("isnt", "isn't"),
        ("dont", "don't"),
        ("cant", "can't"),
        ("wont", "won't"),
        ("didnt", "didn't"),
        ("doesnt", "doesn't"),
        ("havent", "haven't"),
        ("im", "i'm"),
        ("ive", "i've"),
        ("whats", "what's"),
        ("thats", "that's"),
        ("it doesnt work and i havent got another", "it doesn't work and i haven't got another"),
        ("ive lost my card thats why", "i've lost my card that's why"),
        ("im waiting", "i'm waiting"),
        ("I'm fine", "I'm fine"),
    ],
)
def test_contractions_without_apostrophe_get_one(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- SMS "4" for "for" ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bye 4 now", "bye for now"),
        ("thx 4 that", "thanks for that"),
        ("thanks 4 ur help", "thanks for your help"),
        ("4 me", "for me"),
        ("is there a message 4 me", "is there a message for me"),
        ("thx 4 calling", "thanks for calling"),
        ("bal 4 checking", "balance for checking"),
        ("send 20 dollars 4 me", "send 20 dollars for me"),
        ("thanks 4 the 50 dollars", "thanks for the 50 dollars"),
    ],
)
def test_sms_four_between_words_means_for(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "send 4 to tom",
        "send tom 4 now",
        "pay him 4 now",
        "give 4 to linda",
        "transfer 4 that way",
        "4 dollars",
        "4 dollars me",
        "$4 me",
        "at 4 today",
        "call me at 4 tomorrow",
        "last 4 digits",
        "the last 4",
        "4",
        "2 4 6 8",
        "4 please",
        "room 4 me",
    ],
)
def test_four_stays_a_number_near_money_times_and_counts(text: str) -> None:
    assert normalize(text) == text


def test_idempotent_with_sms_four_and_contractions() -> None:
    rng = random.Random(11)
    words = (
        "4 2 50 $20 me now that ur u thx bye send pay to tom dollars the checking one isnt "
        "im dont working waiting at last for xfer , . ?"
    ).split()
    for _ in range(2000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        once = normalize(text)
        assert normalize(once) == once, text
