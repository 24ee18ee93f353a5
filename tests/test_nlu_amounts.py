"""Amounts of money in text: exact minor units and currency, and what is not money."""

from __future__ import annotations

import pytest

from nlu.amounts import AmountMatch, find_amounts

AMOUNTS = [
    # digits with symbols and words
    ("$75", "$75", 7500, "USD"),
    ("75 dollars", "75 dollars", 7500, "USD"),
    ("1 dollar", "1 dollar", 100, "USD"),
    ("45.50", "45.50", 4550, "USD"),
    ("$45.50", "$45.50", 4550, "USD"),
    ("$45.5", "$45.5", 4550, "USD"),
    ("$0.99", "$0.99", 99, "USD"),
    ("$ 20", "$ 20", 2000, "USD"),
    ("1,500", "1,500", 150000, "USD"),
    ("1500", "1500", 150000, "USD"),
    ("1,500.75 dollars", "1,500.75 dollars", 150075, "USD"),
    ("$1,000,000", "$1,000,000", 100000000, "USD"),
    ("$1500000", "$1500000", 150000000, "USD"),
    ("50 bucks", "50 bucks", 5000, "USD"),
    ("USD 50", "USD 50", 5000, "USD"),
    ("50 usd", "50 usd", 5000, "USD"),
    # words
    ("two hundred and fifty", "two hundred and fifty", 25000, "USD"),
    ("two hundred fifty dollars", "two hundred fifty dollars", 25000, "USD"),
    ("a hundred", "a hundred", 10000, "USD"),
    ("a hundred and twenty", "a hundred and twenty", 12000, "USD"),
    ("one thousand", "one thousand", 100000, "USD"),
    ("one thousand and five", "one thousand and five", 100500, "USD"),
    ("fifteen hundred", "fifteen hundred", 150000, "USD"),
    ("twenty-five dollars", "twenty-five dollars", 2500, "USD"),
    ("twenty five dollars", "twenty five dollars", 2500, "USD"),
    ("fifty", "fifty", 5000, "USD"),
    ("5 thousand", "5 thousand", 500000, "USD"),
    ("2 hundred dollars", "2 hundred dollars", 20000, "USD"),
    # dollars and cents
    ("ten dollars and fifty cents", "ten dollars and fifty cents", 1050, "USD"),
    ("10 dollars 50", "10 dollars 50", 1050, "USD"),
    ("10 dollars and 5 cents", "10 dollars and 5 cents", 1005, "USD"),
    ("$10 and 50 cents", "$10 and 50 cents", 1050, "USD"),
    ("fifty cents", "fifty cents", 50, "USD"),
    ("50c", "50c", 50, "USD"),
    ("99 cents", "99 cents", 99, "USD"),
    # other currencies
    ("£20", "£20", 2000, "GBP"),
    ("20 pounds", "20 pounds", 2000, "GBP"),
    ("20 quid", "20 quid", 2000, "GBP"),
    ("£20.50", "£20.50", 2050, "GBP"),
    ("20p", "20p", 20, "GBP"),
    ("50 pence", "50 pence", 50, "GBP"),
    ("€30", "€30", 3000, "EUR"),
    ("30 euros", "30 euros", 3000, "EUR"),
    ("30€", "30€", 3000, "EUR"),
    ("EUR 30", "EUR 30", 3000, "EUR"),
    # shorthands
    ("$1.5k", "$1.5k", 150000, "USD"),
    ("2k", "2k", 200000, "USD"),
    ("a grand", "a grand", 100000, "USD"),
    ("two grand", "two grand", 200000, "USD"),
    ("half a thousand", "half a thousand", 50000, "USD"),
    # inside sentences
    ("send 50 to tom", "50", 5000, "USD"),
    ("send $75 to linda please", "$75", 7500, "USD"),
    ("give my grandson 20 for his birthday", "20", 2000, "USD"),
    ("pay two hundred and fifty dollars to tom", "two hundred and fifty dollars", 25000, "USD"),
    ("transfer 1,500 from savings", "1,500", 150000, "USD"),
    ("pay the electric bill 60 dollars on friday", "60 dollars", 6000, "USD"),
]


@pytest.mark.parametrize(("text", "span", "minor_units", "currency"), AMOUNTS)
def test_amounts(text: str, span: str, minor_units: int, currency: str) -> None:
    matches = find_amounts(text)
    assert len(matches) == 1, matches
    match = matches[0]
    assert (match.text, match.minor_units, match.currency) == (span, minor_units, currency)
    assert isinstance(match.minor_units, int)
    assert text[match.start : match.end] == span


NOT_AMOUNTS = [
    "at 5 pm",
    "at 5",
    "call me at five",
    "5pm",
    "5:30",
    "the 3rd of March",
    "on the 21st",
    "march 3",
    "3 march",
    "in 2023",
    "since 2021",
    "twenty first",
    "the first one",
    "5550100001",
    "+15550100001",
    "555-0100",
    "account 12345678",
    "card ending 4321",
    "card ending in 4321",
    "the card that ends in 4321",
    "last four digits",
    "the last 4 digits are 4321",
    "last 3 transactions",
    "past 2 weeks",
    "30 days",
    "show me the last 5",
    "in 3 months",
    "my pin is 2468",
    "50%",
    "5 percent",
    "which one",
    "that one",
    "one of them",
    "no one",
    "what's my balance",
    "mp3",
]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


def test_several_amounts_in_order() -> None:
    matches = find_amounts("send 50 to tom and 20 dollars to linda")
    assert [(m.text, m.minor_units) for m in matches] == [("50", 5000), ("20 dollars", 2000)]


def test_value_dict() -> None:
    match = find_amounts("$250")[0]
    assert match == AmountMatch(0, 4, "$250", 25000, "USD")
    assert match.value() == {"minor_units": 25000, "currency": "USD"}


def test_default_currency_for_bare_numbers_and_dollars() -> None:
    assert find_amounts("send 50", default_currency="GBP")[0].currency == "GBP"
    assert find_amounts("50 dollars", default_currency="CAD")[0].currency == "CAD"
    assert find_amounts("50 dollars", default_currency="GBP")[0].currency == "USD"
    assert find_amounts("£5", default_currency="USD")[0].currency == "GBP"


def test_more_than_two_decimals_is_not_money() -> None:
    assert find_amounts("1.555") == []
