"""A message that carries an amount is an answer, not a cancel or a misunderstanding."""

from __future__ import annotations

import pytest

from nlu.value_answers import answer_intent

AMOUNT = [{"entity": "amount", "value": {"minor_units": 3000, "currency": "USD"}}]


@pytest.mark.parametrize("intent", ["cancel", "nlu_fallback", "out_of_scope", "change_pin"])
def test_an_amount_under_an_intent_that_never_carries_one_is_an_answer(intent: str) -> None:
    assert answer_intent(intent, AMOUNT, "actually make that 30") == "inform"


@pytest.mark.parametrize("text", ["cancel the 30 dollars", "stop, forget the 30", "don't send 30"])
def test_an_explicit_stop_still_cancels(text: str) -> None:
    assert answer_intent("cancel", AMOUNT, text) is None


@pytest.mark.parametrize("intent", ["transfer_money", "pay_bill", "affirm", "deny", "inform"])
def test_intents_that_carry_amounts_are_kept(intent: str) -> None:
    assert answer_intent(intent, AMOUNT, "send 30 to tom") is None


def test_without_an_amount_nothing_changes() -> None:
    assert answer_intent("cancel", [{"entity": "payee", "value": "Tom"}], "stop tom") is None
    assert answer_intent("nlu_fallback", [], "blah") is None
