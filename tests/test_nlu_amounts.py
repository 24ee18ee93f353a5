"""Amounts of money in text: exact minor units and currency, and what is not money."""

from __future__ import annotations

import pytest

from nlu.amounts import AmountMatch, find_amounts
from nlu.normalize import normalize

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
    "this one",
    "one of them",
    "no one",
    "the checking one",
    "the savings one",
    "the other one",
    "my old one",
    "anyone",
    "someone",
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


# --- real utterances, through the normaliser as in the pipeline -----------------------

# Older callers and rural SMS: balance questions, card trouble, greetings, ages, times,
# counts and identifiers. None of them holds an amount of money.
UTTERANCES_WITHOUT_AMOUNT = [
    "whats my balance",
    "how much money have i got",
    "how much is in my savings",
    "wats in my acct",
    "can you tell me my balance please",
    "balance on my checking account",
    "how much do i have left this month",
    "is my pension in yet",
    "did my pension of the 3rd come in",
    "did my social security come in on the 3rd",
    "my card isnt working",
    "my card ending 4321",
    "my card ending in 4321 is lost",
    "the card that ends with 4321 wont work",
    "i lost my card",
    "someone stole my card",
    "freeze my card please",
    "my card got stuck in the machine",
    "the machine ate my card",
    "i have 2 cards",
    "i have two cards",
    "i'm calling about the 2 charges i dont recognise",
    "there were 2 withdrawals i didnt make",
    "i have one account",
    "i only have one card",
    "i called 3 times",
    "my grandson set it up 2 years ago",
    "i live at 42 elm street",
    "every 2 weeks",
    "block the old one",
    "the checking one",
    "the savings one",
    "that one",
    "this one",
    "the other one",
    "the first one",
    "which one",
    "no one called me",
    "did anyone use my card",
    "someone is using my card",
    "one of them is missing",
    "good morning",
    "hello there",
    "hi its margaret",
    "bye 4 now",
    "thx 4 that",
    "thanks 4 ur help",
    "4 me",
    "is there a message 4 me",
    "thank you so much",
    "I'm 78 years old",
    "im 82 and my eyes are bad",
    "i am 90 years of age",
    "i was born in 1941",
    "call me back at 5",
    "call me back at 5 pm",
    "ring me at 10 tomorrow",
    "can you call me around 3",
    "last 3 payments",
    "show me the last 5 transactions",
    "in the last 2 weeks",
    "what did i spend in the past 30 days",
    "transactions from the 1st to the 15th",
    "payments since march 3",
    "what came in on the 21st",
    "for 2 people",
    "block the old one",
    "she is 9 and he is 12",
    "room 101",
    "flat 4b",
    "my phone number is 555 0100",
    "my pin is 2468",
    "the last 4 digits are 4321",
    "press 1",
    "option 2",
    "say that again",
    "give me a minute",
    "hold on one moment",
    "one more thing",
    "my card isnt working and im waiting on the phone",
    "pay from card 4321",
    "my phone is 555 0100",
    "send it from my card 4321",
]


@pytest.mark.parametrize("text", UTTERANCES_WITHOUT_AMOUNT)
def test_utterances_without_money_give_no_amount(text: str) -> None:
    assert find_amounts(normalize(text)) == []


# The same callers asking to move money: exactly one amount, with its value and currency.
UTTERANCES_WITH_AMOUNT = [
    ("pay the water bill 45.50", "45.50", 4550, "USD"),
    ("send tom fifty bucks", "fifty bucks", 5000, "USD"),
    ("give linda two hundred and fifty dollars", "two hundred and fifty dollars", 25000, "USD"),
    ("£20 to my son", "£20", 2000, "GBP"),
    ("move 1,500 from savings", "1,500", 150000, "USD"),
    ("send a hundred and twenty five dollars", "a hundred and twenty five dollars", 12500, "USD"),
    ("fifteen hundred", "fifteen hundred", 150000, "USD"),
    ("$1,250.75", "$1,250.75", 125075, "USD"),
    ("twenty-five dollars", "twenty-five dollars", 2500, "USD"),
    ("ten dollars and fifty cents", "ten dollars and fifty cents", 1050, "USD"),
    ("xfer 75 2 tom", "75", 7500, "USD"),
    ("send 4 to tom", "4", 400, "USD"),
    ("send tom 4 now", "4", 400, "USD"),
    ("one hundred", "one hundred", 10000, "USD"),
    ("fifty", "fifty", 5000, "USD"),
    ("one", "one", 100, "USD"),
    ("send 50 to my daughter", "50", 5000, "USD"),
    ("snd 50 2 tom", "50", 5000, "USD"),
    ("pls send 20 dollars 2 my grandson", "20 dollars", 2000, "USD"),
    ("pay city power 60 dollars", "60 dollars", 6000, "USD"),
    ("pay the electric bill 60 dollars on friday", "60 dollars", 6000, "USD"),
    ("transfer 200 from savings to checking", "200", 20000, "USD"),
    ("move 300 into my savings", "300", 30000, "USD"),
    ("transfer two hundred dollars", "two hundred dollars", 20000, "USD"),
    ("give my grandson 20 for his birthday", "20", 2000, "USD"),
    ("send linda $75", "$75", 7500, "USD"),
    ("send linda 75 dollars", "75 dollars", 7500, "USD"),
    ("send $ 20 to tom", "$ 20", 2000, "USD"),
    ("pay $45.50 to the water company", "$45.50", 4550, "USD"),
    ("i want to send 100 dollars to my son", "100 dollars", 10000, "USD"),
    ("i'd like to transfer a thousand", "a thousand", 100000, "USD"),
    ("transfer one thousand dollars", "one thousand dollars", 100000, "USD"),
    ("move a grand to checking", "a grand", 100000, "USD"),
    ("send two grand", "two grand", 200000, "USD"),
    ("send 2k to savings", "2k", 200000, "USD"),
    ("send half a thousand", "half a thousand", 50000, "USD"),
    ("send thirty five dollars to the church", "thirty five dollars", 3500, "USD"),
    ("send ninety nine cents", "ninety nine cents", 99, "USD"),
    ("fifty cents", "fifty cents", 50, "USD"),
    ("pay 12 dollars and 40 cents", "12 dollars and 40 cents", 1240, "USD"),
    ("send 10 dollars 50", "10 dollars 50", 1050, "USD"),
    ("send twenty pounds to my son", "twenty pounds", 2000, "GBP"),
    ("send 20 quid", "20 quid", 2000, "GBP"),
    ("£20.50 to linda", "£20.50", 2050, "GBP"),
    ("pay €30 to the hotel", "€30", 3000, "EUR"),
    ("send 30 euros", "30 euros", 3000, "EUR"),
    ("give 5 to tom", "5", 500, "USD"),
    ("give tom 5", "5", 500, "USD"),
    ("pay tom 4 dollars", "4 dollars", 400, "USD"),
    ("thx send 4 dollars 4 me", "4 dollars", 400, "USD"),
    ("its 45 dollars", "45 dollars", 4500, "USD"),
    ("the amount is 120", "120", 12000, "USD"),
    ("a hundred", "a hundred", 10000, "USD"),
    ("a hundred dollars please", "a hundred dollars", 10000, "USD"),
    ("seventy five", "seventy five", 7500, "USD"),
    ("seventy-five dollars", "seventy-five dollars", 7500, "USD"),
    ("1500", "1500", 150000, "USD"),
    ("1,500 dollars", "1,500 dollars", 150000, "USD"),
    ("$1,000", "$1,000", 100000, "USD"),
    ("100 bucks to tom", "100 bucks", 10000, "USD"),
    ("send 40 to the checking one", "40", 4000, "USD"),
    ("pay 25 to my daughter for the flowers", "25", 2500, "USD"),
    ("transfer 60 for me", "60", 6000, "USD"),
    ("pay the gas bill 80", "80", 8000, "USD"),
    ("send mum 15", "15", 1500, "USD"),
    ("send 3 hundred to linda", "3 hundred", 30000, "USD"),
    ("send five dollars", "five dollars", 500, "USD"),
    ("send 500 on monday", "500", 50000, "USD"),
    ("give linda one hundred dollars", "one hundred dollars", 10000, "USD"),
    ("i need to pay 250 for my rent", "250", 25000, "USD"),
    ("pay 1 dollar", "1 dollar", 100, "USD"),
    ("pay my phone bill 35.99", "35.99", 3599, "USD"),
    ("pay the card 200", "200", 20000, "USD"),
    ("pay my credit card 150", "150", 15000, "USD"),
    ("pay my mobile 25", "25", 2500, "USD"),
    ("send 75 dollars 4 my grandson", "75 dollars", 7500, "USD"),
    ("thanks 4 the 50 dollars", "50 dollars", 5000, "USD"),
]


@pytest.mark.parametrize(("text", "span", "minor_units", "currency"), UTTERANCES_WITH_AMOUNT)
def test_utterances_with_money_give_exactly_that_amount(
    text: str, span: str, minor_units: int, currency: str
) -> None:
    normalized = normalize(text)
    matches = find_amounts(normalized)
    assert [(m.text, m.minor_units, m.currency) for m in matches] == [(span, minor_units, currency)]


@pytest.mark.parametrize(
    "text",
    ["bye 4 now", "thx 4 that", "thanks 4 ur help", "4 me", "ok 4 now thx", "is it 4 me"],
)
def test_sms_four_meaning_for_is_not_an_amount(text: str) -> None:
    assert find_amounts(normalize(text)) == []


@pytest.mark.parametrize(
    ("text", "minor_units"),
    [("send 4 to tom", 400), ("pay tom 4 now", 400), ("4", 400), ("4 dollars", 400)],
)
def test_four_near_money_stays_an_amount(text: str, minor_units: int) -> None:
    assert [m.minor_units for m in find_amounts(normalize(text))] == [minor_units]


@pytest.mark.parametrize(
    "text",
    [
        "the checking one",
        "the savings one",
        "which one",
        "that one",
        "this one",
        "the other one",
        "the first one",
        "no one",
        "anyone",
        "someone",
        "one of them",
        "block the old one please",
    ],
)
def test_one_as_a_pronoun_is_not_an_amount(text: str) -> None:
    assert find_amounts(normalize(text)) == []


@pytest.mark.parametrize(
    ("text", "minor_units"), [("one", 100), ("one hundred", 10000), ("fifty", 5000)]
)
def test_a_bare_number_answer_is_an_amount(text: str, minor_units: int) -> None:
    assert [m.minor_units for m in find_amounts(normalize(text))] == [minor_units]


# --- spoken prices: "nine ninety nine" is $9.99 --------------------------------------

# A word group of 1-99 followed directly by a word group of 10-99 is dollars and cents,
# the way Americans say prices. "one fifty" is $1.50 by the same rule (not $150): the
# amount is read back before any payment, so the customer can correct it.
SPOKEN_PRICES = [
    ("nine ninety nine", "nine ninety nine", 999),
    ("forty one seventy five", "forty one seventy five", 4175),
    ("two fifty", "two fifty", 250),
    ("twelve fifty", "twelve fifty", 1250),
    ("pay the water bill forty one seventy five", "forty one seventy five", 4175),
    ("give linda two fifty", "two fifty", 250),
    ("nineteen ninety five dollars", "nineteen ninety five dollars", 1995),
    ("three oh five", "three oh five", 305),
    ("one fifty", "one fifty", 150),
    # scale words are not prices of this shape
    ("fifteen hundred", "fifteen hundred", 150000),
    ("two hundred fifty", "two hundred fifty", 25000),
    # our own
    ("send tom twenty five fifty", "twenty five fifty", 2550),
    ("pay my phone bill thirty nine ninety nine dollars", "thirty nine ninety nine dollars", 3999),
    ("give linda four o five", "four o five", 405),
    ("send mum one twenty five bucks", "one twenty five bucks", 125),
    ("pay the card twelve fifty", "twelve fifty", 1250),
    (
        "nineteen ninety five dollars and fifty cents",
        "nineteen ninety five dollars and fifty cents",
        199550,
    ),
]


@pytest.mark.parametrize(("text", "span", "minor_units"), SPOKEN_PRICES)
def test_a_spoken_price_is_read_as_dollars_and_cents(
    text: str, span: str, minor_units: int
) -> None:
    matches = find_amounts(normalize(text))
    assert [(m.text, m.minor_units, m.currency) for m in matches] == [(span, minor_units, "USD")]


@pytest.mark.parametrize("text", [text for text, _, _ in SPOKEN_PRICES])
def test_a_spoken_price_gives_exactly_one_amount(text: str) -> None:
    assert len(find_amounts(normalize(text))) == 1


# Years, times and numbers read in groups have the same shape but are not money.
@pytest.mark.parametrize(
    "text",
    [
        "in nineteen ninety",
        "since nineteen eighty",
        "the year nineteen ninety",
        "i was born in nineteen forty one",
        "call me at twelve thirty",
        "call me back at nine fifteen",
        "twelve thirty pm",
        "my pin is twenty four sixty eight",
        "my card ending forty one seventy five",
        "twelve thirty four fifty six",
    ],
)
def test_a_year_time_or_number_in_groups_is_not_a_spoken_price(text: str) -> None:
    assert find_amounts(normalize(text)) == []
