"""Money: exact minor units, locale formatting, words for speech."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.money import Money, format_money, money_in_words


def test_decimal_strings_parse_exactly_without_float_rounding() -> None:
    assert Money.from_decimal_str("45.50", "USD") == Money(4550, "USD")
    assert Money.from_decimal_str("0.1") + Money.from_decimal_str("0.2") == Money(30)
    assert Money.from_decimal_str("1,250") == Money(125000)
    assert Money.from_decimal_str("500", "JPY") == Money(500, "JPY")
    assert Money(4550).to_decimal() == Decimal("45.50")


@pytest.mark.parametrize("text", ["45.505", "abc", "", "NaN", "Infinity"])
def test_amounts_that_are_not_exact_in_the_currency_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        Money.from_decimal_str(text, "USD")


def test_floats_and_bad_currencies_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(100, "usd")


def test_arithmetic_keeps_currency_and_refuses_mixing() -> None:
    assert Money(1000) - Money(250) == Money(750)
    assert -Money(50) == Money(-50)
    assert abs(Money(-50)) == Money(50)
    assert Money(1) < Money(2) and Money(2) >= Money(2)
    with pytest.raises(ValueError):
        Money(1, "USD") + Money(1, "EUR")


def test_format_money_for_screens_is_locale_aware() -> None:
    assert format_money(Money(125000)) == "$1,250.00"
    assert format_money(Money(-5000)) == "-$50.00"
    assert format_money(Money(0)) == "$0.00"
    assert format_money(Money(125000, "EUR"), locale="de_DE") == "1.250,00\xa0€"


@pytest.mark.parametrize(
    ("money", "words"),
    [
        (Money(125000), "one thousand two hundred fifty dollars"),
        (Money(5025), "fifty dollars and twenty-five cents"),
        (Money(25000), "two hundred fifty dollars"),
        (Money(101), "one dollar and one cent"),
        (Money(7), "seven cents"),
        (Money(0), "zero dollars"),
        (Money(-5000), "minus fifty dollars"),
        (Money(199, "GBP"), "one pound and ninety-nine pence"),
        (Money(1000, "EUR"), "ten euros"),
        (Money(840000), "eight thousand four hundred dollars"),
    ],
)
def test_money_in_words_for_speech(money: Money, words: str) -> None:
    assert money_in_words(money) == words


def test_money_in_words_in_another_language() -> None:
    assert "cincuenta" in money_in_words(Money(5000), lang="es")
