"""Customer preferences as a core service: views out, every change audited, bad values refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.banking.errors import CustomerNotFound
from assistant.models import AuditEvent
from assistant.preferences import Preferences, PreferenceService


def test_a_saved_choice_is_read_back_and_audited_for_that_customer(
    demo_sessions: sessionmaker, margaret_id: int
) -> None:
    service = PreferenceService(demo_sessions)
    saved = service.save(
        margaret_id,
        text_size="largest",
        high_contrast=True,
        read_aloud=False,
        preferred_channel="sms",
    )
    assert saved == service.get(margaret_id)
    assert isinstance(saved, Preferences)
    assert (saved.text_size, saved.high_contrast, saved.preferred_channel) == (
        "largest",
        True,
        "sms",
    )
    with demo_sessions() as session:
        events = (
            session.execute(select(AuditEvent).where(AuditEvent.action == "web_settings_changed"))
            .scalars()
            .all()
        )
    assert [(e.customer_id, e.actor) for e in events] == [(margaret_id, f"customer:{margaret_id}")]
    assert events[0].detail["text_size"] == "largest"


@pytest.mark.parametrize("change", [{"text_size": "huge"}, {"preferred_channel": "fax"}])
def test_an_unknown_choice_is_refused_and_nothing_is_written(
    demo_sessions: sessionmaker, margaret_id: int, change: dict
) -> None:
    service = PreferenceService(demo_sessions)
    before = service.get(margaret_id)
    choices = dict(
        text_size="larger", high_contrast=False, read_aloud=True, preferred_channel="voice"
    )
    with pytest.raises(ValueError):
        service.save(margaret_id, **{**choices, **change})
    assert service.get(margaret_id) == before


def test_an_unknown_customer_has_no_preferences(demo_sessions: sessionmaker) -> None:
    with pytest.raises(CustomerNotFound):
        PreferenceService(demo_sessions).get(999_999)
