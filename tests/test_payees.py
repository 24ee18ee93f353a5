"""Fuzzy payee resolution against names and relationships."""

from __future__ import annotations

import pytest

from assistant.banking.payees import match_payees, words
from assistant.banking.views import PayeeView

MARGARET = [
    PayeeView(1, "Linda", "person", "daughter", "0011"),
    PayeeView(2, "Tom", "person", "grandson", "0029"),
    PayeeView(3, "City Power", "bill", "electric bill", "0013"),
    PayeeView(4, "Riverside Water", "bill", "water bill", "0018"),
]


def _names(text: str, payees=MARGARET, kind=None) -> list[str]:
    return [p.name for p in match_payees(text, payees, kind)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tom", "Tom"),
        ("Tom", "Tom"),
        ("Thom", "Tom"),
        ("tomm", "Tom"),
        ("my grandson", "Tom"),
        ("my grandson Tom", "Tom"),
        ("Linda", "Linda"),
        ("my daughter", "Linda"),
        ("my daughter's account", "Linda"),
        ("Linda Chen", "Linda"),
        ("the electric bill", "City Power"),
        ("electricity", "City Power"),
        ("the light bill", "City Power"),
        ("power", "City Power"),
        ("city power", "City Power"),
        ("the power company", "City Power"),
        ("water", "Riverside Water"),
        ("the water bill", "Riverside Water"),
        ("riverside", "Riverside Water"),
    ],
)
def test_payees_resolve_by_name_relationship_or_misspelling(text: str, expected: str) -> None:
    assert _names(text) == [expected]


@pytest.mark.parametrize("text", ["Tim", "the gas bill", "my son", "", "my", "pizza"])
def test_unknown_payees_resolve_to_nothing(text: str) -> None:
    assert _names(text) == []


def test_an_unspecific_bill_is_ambiguous_between_the_bills() -> None:
    assert sorted(_names("the bill")) == ["City Power", "Riverside Water"]
    assert sorted(_names("my bills")) == ["City Power", "Riverside Water"]


def test_similar_names_are_ambiguous_not_guessed() -> None:
    payees = [
        PayeeView(1, "Tom", "person", "grandson", "1"),
        PayeeView(2, "Tomas", "person", "neighbour", "2"),
        PayeeView(3, "Thomas", "person", "", "3"),
    ]
    assert _names("tom", payees) == ["Tom"]  # an exact match wins
    assert len(_names("thom", payees)) >= 2


def test_kind_filter_limits_the_candidates() -> None:
    assert _names("water", kind="person") == []
    assert _names("tom", kind="bill") == []
    assert sorted(_names("pay it", kind="bill")) == ["City Power", "Riverside Water"]


def test_a_single_bill_payee_is_the_obvious_one() -> None:
    ravi = [PayeeView(9, "Green Valley Feed", "bill", "feed supplier", "0012")]
    assert _names("pay the bill", ravi) == ["Green Valley Feed"]
    assert _names("green valley", ravi) == ["Green Valley Feed"]
    assert _names("the feed supplier", ravi) == ["Green Valley Feed"]


def test_filler_words_are_ignored() -> None:
    assert words("Pay MY grandson's bill, please!") == ["grandson"]


def test_service_resolves_against_the_customers_saved_payees(
    demo_bank, margaret_id, ravi_id
) -> None:
    tom = demo_bank.resolve_payee(margaret_id, "my grandson")
    assert [(p.name, p.kind, p.relationship) for p in tom] == [("Tom", "person", "grandson")]
    assert demo_bank.resolve_payee(ravi_id, "tom") == []
    assert [p.name for p in demo_bank.list_payees(margaret_id, kind="bill")] == [
        "City Power",
        "Riverside Water",
    ]
