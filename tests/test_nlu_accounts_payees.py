"""Account mentions with roles, payee spans, fuzzy payee matching and combined entities."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.accounts import find_accounts
from nlu.entities import extract_entities
from nlu.payees import clean_payee, find_payee_spans, find_saved_payees, match_payee

SAVED = [
    {"name": "Linda", "aliases": ["daughter"]},
    {"name": "Tom", "aliases": ["grandson"]},
    {"name": "City Power", "aliases": ["electric bill", "electricity", "power"]},
    {"name": "Riverside Water", "aliases": ["water bill", "water"]},
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from savings to checking", [("savings", "from"), ("checking", "to")]),
        ("move 100 savings to checking", [("savings", "from"), ("checking", "to")]),
        ("put 50 into my savings", [("savings", "to")]),
        ("put 20 in my savings", [("savings", "to")]),
        ("take it out of checking", [("checking", "from")]),
        ("take it from my savings", [("savings", "from")]),
        ("pay the bill with checking", [("checking", "from")]),
        ("transfer to my current account", [("checking", "to")]),
        (
            "transfer 50 from my checking account to my savings account",
            [("checking", "from"), ("savings", "to")],
        ),
        ("what's in my savings account", [("savings", None)]),
        ("how much is in my checking", [("checking", None)]),
        ("cheque account balance", [("checking", None)]),
        ("my chequing", [("checking", None)]),
        ("my everyday account", [("checking", None)]),
        ("saving account", [("savings", None)]),
        ("my rainy day fund", [("savings", None)]),
        ("check my balance", []),
        ("i am saving for a car", []),
        ("current balance", []),
    ],
)
def test_accounts_and_roles(text: str, expected: list[tuple[str, str | None]]) -> None:
    found = find_accounts(text)
    assert [(a.account, a.role) for a in found] == expected
    for match in found:
        assert text[match.start : match.end] == match.text


def test_account_span_includes_the_word_account() -> None:
    (match,) = find_accounts("from my savings account please")
    assert match.text == "savings account"


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("send 50 dollars to Tom", ["Tom"]),
        ("pay my daughter linda", ["daughter linda"]),
        ("pay the electric bill", ["electric bill"]),
        ("pay city power", ["city power"]),
        ("give my grandson 20", ["grandson"]),
        ("money to lynda", ["lynda"]),
        ("send tom 50", ["tom"]),
        ("i want to send 50 to tom", ["tom"]),
        ("pay 20 to riverside water on friday", ["riverside water"]),
        ("send money to my daughter please", ["daughter"]),
        ("add green valley feed as a payee", ["green valley feed"]),
        ("new payee called green valley feed", ["green valley feed"]),
        ("pay bank of america 50", ["bank of america"]),
        ("what did i spend on feed in oct", ["feed"]),
        ("how much have i spent at the corner shop", ["corner shop"]),
        ("spending with riverside water last month", ["riverside water"]),
        ("what have i paid linda this year", ["linda"]),
        # not payees
        ("transfer 50 from savings to checking", []),
        ("move 100 to savings", []),
        ("i want to talk to an agent", []),
        ("transfer me to a person", []),
        ("pay a bill", []),
        ("pay my bills", []),
        ("send it to her", []),
        ("pay off my card", []),
        ("how do i pay", []),
        ("send 50", []),
        ("from monday to friday", []),
        ("i spent too much", []),
        ("what did i spend last month", []),
    ],
)
def test_payee_spans(text: str, spans: list[str]) -> None:
    found = find_payee_spans(text)
    assert [s.text for s in found] == spans
    for span in found:
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("mention", "name"),
    [
        ("Tom", "Tom"),
        ("tom", "Tom"),
        ("daughter linda", "Linda"),
        ("my daughter", "Linda"),
        ("lynda", "Linda"),
        ("the electric bill", "City Power"),
        ("electricity", "City Power"),
        ("city power", "City Power"),
        ("citty power", "City Power"),
        ("grandson", "Tom"),
        ("riverside water", "Riverside Water"),
        ("the water bill", "Riverside Water"),
    ],
)
def test_match_payee(mention: str, name: str) -> None:
    result = match_payee(mention, SAVED)
    assert result is not None
    assert result[0] == name
    assert 80 <= result[1] <= 100


@pytest.mark.parametrize("mention", ["green valley feed", "tim", "bob", "", "the"])
def test_match_payee_no_match(mention: str) -> None:
    assert match_payee(mention, SAVED) is None


def test_match_payee_without_saved_payees() -> None:
    assert match_payee("tom", []) is None


def test_match_payee_refuses_a_tie() -> None:
    saved = [{"name": "Tom Smith", "aliases": ["tom"]}, {"name": "Tom Jones", "aliases": ["tom"]}]
    assert match_payee("tom", saved) is None


def test_clean_payee() -> None:
    assert clean_payee("my daughter") == "daughter"
    assert clean_payee("the electric bill please") == "electric bill"


def test_saved_payees_in_a_bare_reply() -> None:
    found = find_saved_payees("my daughter", SAVED, threshold=80)
    assert [(span.text, name) for span, name, _ in found] == [("daughter", "Linda")]
    assert find_saved_payees("yes please", SAVED) == []


def test_extract_entities_all_kinds() -> None:
    text = "send two hundred and fifty dollars to tom from savings yesterday"
    entities = extract_entities(text, SAVED, today=date(2024, 5, 15))
    by_kind = {e["entity"]: e for e in entities}
    assert by_kind["amount"]["value"] == {"minor_units": 25000, "currency": "USD"}
    assert by_kind["payee"]["value"] == "Tom"
    assert by_kind["account"]["value"] == "savings"
    assert by_kind["account"]["role"] == "from"
    assert by_kind["date_range"]["value"] == {"start": "2024-05-14", "end": "2024-05-14"}
    assert [e["start"] for e in entities] == sorted(e["start"] for e in entities)
    for entity in entities:
        assert text[entity["start"] : entity["end"]]


def test_extract_entities_without_saved_payees_keeps_the_span() -> None:
    entities = extract_entities("pay my daughter linda 20")
    payee = next(e for e in entities if e["entity"] == "payee")
    assert payee["value"] == "daughter linda"


def test_extract_entities_never_overlap() -> None:
    text = "pay 50 to savings for the last 30 days to tom"
    entities = extract_entities(text, SAVED, today=date(2024, 5, 15))
    spans = sorted((e["start"], e["end"]) for e in entities)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert "payee" in {e["entity"] for e in entities}


@pytest.mark.parametrize(
    "text",
    ["what did I pay tom last month", "payments to tom last month", "pay tom since monday"],
)
def test_a_payee_followed_by_a_time_phrase_keeps_both(text: str) -> None:
    from nlu.entities import extract_entities

    saved = [{"name": "Tom", "aliases": ["grandson"]}]
    found = {e["entity"]: e["value"] for e in extract_entities(text, payees=saved)}
    assert found["payee"] == "Tom"
    assert "date_range" in found


FARM = [
    {"name": "Green Valley Feed", "aliases": ["feed supplier"]},
    {"name": "City Power", "aliases": []},
    {"name": "Riverside Water", "aliases": []},
]


@pytest.mark.parametrize(
    ("mention", "name"),
    [
        ("feed", "Green Valley Feed"),
        ("the feed store", "Green Valley Feed"),
        ("water", "Riverside Water"),
        ("the water people", "Riverside Water"),
        ("power", "City Power"),
    ],
)
def test_one_distinctive_word_of_a_saved_name_is_enough(mention: str, name: str) -> None:
    result = match_payee(mention, FARM)
    assert result is not None and result[0] == name
    assert 80 <= result[1] < 100  # below a whole-name match


@pytest.mark.parametrize("mention", ["valley feed shop manager", "food", "the store", "fee"])
def test_a_word_that_is_not_in_a_saved_name_matches_nothing(mention: str) -> None:
    assert match_payee(mention, FARM) is None


def test_a_word_in_two_saved_names_is_a_tie() -> None:
    saved = [{"name": "Green Valley Feed", "aliases": []}, {"name": "Hill Feed Co", "aliases": []}]
    assert match_payee("feed", saved) is None


def test_spending_on_a_saved_payee_in_a_month_names_the_payee_and_the_month() -> None:
    found = {
        e["entity"]: e["value"]
        for e in extract_entities(
            "what did i spend on feed in oct", payees=FARM, today=date(2026, 11, 20)
        )
    }
    assert found == {
        "payee": "Green Valley Feed",
        "date_range": {"start": "2026-10-01", "end": "2026-10-31"},
    }
