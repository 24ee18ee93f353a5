"""The faster action-response check accepts and refuses exactly what Rasa's own does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from assistant import rasa_patches

GOOD = {
    "events": [{"event": "slot", "name": "verified", "value": True}],
    "responses": [{"response": "utter_balance", "balance": "$1.00"}],
}
BAD = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": "not a list"},
]


def _rasa_original(result: dict) -> None:
    from jsonschema import validate

    validate(result, RemoteAction.action_response_format_spec())


def test_a_valid_action_response_passes_both_checks() -> None:
    _rasa_original(GOOD)
    assert rasa_patches.validate_action_result(None, GOOD) is True


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_action_response_is_refused_like_rasa_does(result: dict) -> None:
    with pytest.raises(ValidationError):
        _rasa_original(result)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_patches.validate_action_result(None, result)


def test_loading_the_channels_installs_the_check() -> None:
    import assistant.rasa_channels  # noqa: F401

    assert RemoteAction._validate_action_result is rasa_patches.validate_action_result
