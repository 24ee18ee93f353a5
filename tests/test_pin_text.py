"""Finding a PIN inside a sentence, in every spelling the gateway accepts as a PIN alone."""

from __future__ import annotations

import pytest

from assistant.pin_text import mask_matching, mask_pin_shaped, single_candidate


def is_2468(digits: str) -> bool:
    return digits == "2468"


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("my pin is 2 4 6 8", "my pin is ****"),
        ("two four six eight", "****"),
        ("24 68 please", "**** please"),
        ("twenty four sixty eight", "****"),
        ("to for six ate", "****"),
        ("two four um six eight", "****"),
        ("2,4,6,8 thanks", "**** thanks"),
        ("send 2000 to tom", "send **** to tom"),
        ("card ending four three two one", "card ending ****"),
    ],
)
def test_before_the_pin_is_checked_every_pin_shaped_number_is_masked(said: str, kept: str) -> None:
    assert mask_pin_shaped(said) == kept


@pytest.mark.parametrize(
    "said", ["send $2,000 to tom", "send 2000 dollars to tom", "pay 20.50", "send 50 to tom"]
)
def test_money_and_short_numbers_are_not_pin_shaped(said: str) -> None:
    assert mask_pin_shaped(said) == said


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("pay 2 4 6 8 to tom", "pay **** to tom"),
        ("it is twenty four sixty eight", "it is ****"),
        ("send 1000 to 2468 for rent", "send 1000 to **** for rent"),
        ("send 1357 dollars", "send 1357 dollars"),
        ("freeze card ending 4321", "freeze card ending 4321"),
        ("call me on 555 0100 001", "call me on 555 0100 001"),
    ],
)
def test_after_the_pin_is_checked_only_that_pin_is_masked(said: str, kept: str) -> None:
    assert mask_matching(said, is_2468) == kept


@pytest.mark.parametrize(
    ("said", "pin"),
    [
        ("2468", "2468"),
        ("my pin is two four six eight", "2468"),
        ("it's 24 68", "2468"),
        ("2468 or 1357", None),
        ("send $2,000 to tom", None),
        ("hello", None),
    ],
)
def test_a_message_gives_at_most_one_pin_to_check(said: str, pin: str | None) -> None:
    assert single_candidate(said) == pin
