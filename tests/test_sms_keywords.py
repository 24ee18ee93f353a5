"""SMS keywords: case, spaces, punctuation and small typos are forgiven; free text stays free."""

from __future__ import annotations

from typing import Optional

import pytest

from voice.keywords import Keyword, match_keyword, normalize


def keyword(text: str, protected: tuple = ()) -> Optional[Keyword]:
    found = match_keyword(text, protected)
    return found.keyword if found else None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("BAL", Keyword.BAL),
        ("bal", Keyword.BAL),
        (" Bal ", Keyword.BAL),
        ("BAL.", Keyword.BAL),
        ("b.a.l", Keyword.BAL),
        ("BALL", Keyword.BAL),
        ("bla", Keyword.BAL),
        ("Balance", Keyword.BAL),
        ("balence", Keyword.BAL),
        ("ballance", Keyword.BAL),
        ("bal pls", Keyword.BAL),
        ("\uff22\uff21\uff2c", Keyword.BAL),  # full-width letters
        ("mini", Keyword.MINI),
        ("MINI STATEMENT", Keyword.MINI),
        ("mini-statement", Keyword.MINI),
        ("minni", Keyword.MINI),
        ("MNI", Keyword.MINI),
        ("statement", Keyword.MINI),
        ("help", Keyword.HELP),
        ("HELP!", Keyword.HELP),
        ("hlep", Keyword.HELP),
        ("Info", Keyword.HELP),
        ("stop", Keyword.STOP),
        ("STOP", Keyword.STOP),
        ("Stop.", Keyword.STOP),
        ("STOP ALL", Keyword.STOP),
        ("stopall", Keyword.STOP),
        ("sotp", Keyword.STOP),
        ("stopp", Keyword.STOP),
        ("UNSUBSCRIBE", Keyword.STOP),
        ("unsubscibe", Keyword.STOP),
        ("end", Keyword.STOP),
        ("QUIT", Keyword.STOP),
        ("opt out", Keyword.STOP),
        ("stop please", Keyword.STOP),
        ("Please STOP", Keyword.STOP),
        ("Start", Keyword.START),
        ("START", Keyword.START),
        ("strat", Keyword.START),
        ("UNSTOP", Keyword.START),
    ],
)
def test_keywords_are_recognised(text: str, expected: Keyword) -> None:
    assert keyword(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "cancel",  # the assistant's cancel at every step, never an opt-out
        "CANCEL",
        "yes",  # answers the payment read-back, never an opt-in
        "no",
        "and",  # one letter from END
        "quiz",
        "shop",
        "step",
        "star",
        "hello",
        "hi",
        "ok",
        "1357",
        "",
        "   ",
        "what is my balance",
        "stop the payment to Tom",
        "help me send money",
        "send 20 to Tom",
        "ba",
        "Tom",
    ],
)
def test_free_text_is_not_a_keyword(text: str) -> None:
    assert keyword(text) is None


def test_an_exact_keyword_is_exact_and_a_typo_is_not() -> None:
    assert match_keyword("BAL").exact is True
    assert match_keyword("BALL").exact is False


def test_a_protected_word_is_never_a_fuzzy_keyword() -> None:
    assert keyword("Mimi") is Keyword.MINI
    assert keyword("Mimi", protected=("Mimi", "Tom")) is None
    assert keyword("mini", protected=("Mini",)) is Keyword.MINI  # an exact keyword still wins


def test_normalize() -> None:
    assert normalize("  B.A.L!! ") == "b a l"
    assert normalize("Mini_Statement") == "mini statement"
