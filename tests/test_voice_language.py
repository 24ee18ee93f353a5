"""A call speaks the bank's language before the PIN and the customer's after it, with its voice.

The marker language (``tests/marker_language.py``: English with a marker word) stands in for a
translation, here with a speech voice of its own; Margaret's locale is that language. The
gateway app runs in process with the voice webhook helpers (only Rasa is faked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Set, Tuple

import pytest
import yaml
from sqlalchemy import select, update

from assistant import texts
from assistant.demo import MARGARET_PHONE
from assistant.models import Customer
from tests.marker_language import LANGUAGE, LOCALE, MARKER
from tests.test_conversation_language import marker
from tests.test_voice_webhooks import (
    AGAIN_TEXT,
    CLOSED_TIME,
    MARGARET_PIN,
    UNKNOWN_PHONE,
    Phone,
    Twiml,
    VoiceApp,
    voice,
    whisper,
)
from voice.models import CallbackRequest

__all__ = ["marker", "voice"]  # fixtures

MARKER_VOICE = ("Polly.Marker", "eo-XX")  # the marker catalogue's own speech voice
BANK_VOICE = ("Polly.Joanna", "en-US")  # the settings' voice


@pytest.fixture
def marked_voice(voice: VoiceApp, marker: Path) -> VoiceApp:
    """The voice app, Margaret's locale the marker language, which names its own voice."""
    speech = {
        "voice_tts_voice": {"default": MARKER_VOICE[0]},
        "voice_tts_language": {"default": MARKER_VOICE[1]},
    }
    (marker / "catalogues" / LANGUAGE / "speech.yml").write_text(yaml.safe_dump(speech))
    texts.reload()
    margaret = voice.app.state.banking.find_customer_by_phone(MARGARET_PHONE).id
    with voice.sessions() as session, session.begin():
        session.execute(update(Customer).where(Customer.id == margaret).values(locale=LOCALE))
    return voice


def voices(twiml: Twiml) -> Set[Tuple[str, str]]:
    """Every (voice, language) the document speaks in, and the language its Gather hears."""
    spoken = {(say.get("voice", ""), say.get("language", "")) for say in twiml.root.iter("Say")}
    if twiml.gather is not None:
        spoken.add(("Gather", twiml.gather.get("language") or ""))
    return spoken


def marked(key: str, **values: str) -> str:
    return texts.text(key, "voice", LANGUAGE, **values)


def verified_call(app: VoiceApp) -> Tuple[Phone, Twiml]:
    phone = app.phone()
    phone.call()
    phone.turn("what is my balance")
    return phone, phone.turn(digits=MARGARET_PIN)


def test_before_the_pin_a_customer_with_another_language_hears_the_bank_like_a_stranger(
    marked_voice: VoiceApp,
) -> None:
    margaret, stranger = marked_voice.phone(), marked_voice.phone(UNKNOWN_PHONE)
    greeting = margaret.call()
    assert greeting.said == stranger.call().said
    assert greeting.said.startswith(texts.text("voice_greeting", "voice", "en"))
    assert MARKER not in greeting.said
    assert voices(greeting) == {BANK_VOICE, ("Gather", BANK_VOICE[1])}

    for phone in (margaret, stranger):
        phone.turn("what is my balance")
    keypad_only = margaret.turn("my pin is two four")
    assert keypad_only.said == texts.text("voice_pin_keypad_only", "voice", "en")
    wrong = margaret.turn(digits="1111")
    assert wrong.said == stranger.turn(digits="1111").said
    assert MARKER not in wrong.said and voices(wrong) <= {BANK_VOICE, ("Gather", "")}


def test_after_the_pin_the_call_speaks_the_customers_catalogue_with_its_voice(
    marked_voice: VoiceApp,
) -> None:
    phone, answered = verified_call(marked_voice)
    assert answered.said.startswith(marked("pin_thanks"))
    assert voices(answered) == {MARKER_VOICE, ("Gather", MARKER_VOICE[1])}

    slower = phone.turn(digits="8")
    assert slower.said.startswith(marked("voice_slower"))
    # What a key asks for is in words the assistant understands (answers.yml).
    assert marked_voice.rasa.texts[-1] == texts.text("voice_request_slower", "voice", LANGUAGE)
    quiet = phone.turn()
    assert quiet.said == marked("voice_reprompt_question_1", question=AGAIN_TEXT)
    unknown = phone.turn(digits="5")
    assert unknown.said == " ".join([marked("voice_unknown_key"), marked("voice_menu")])
    assert all(MARKER_VOICE[0] == say.get("voice") for say in unknown.root.iter("Say"))

    params = {"CallSid": phone.call_sid, "DialCallStatus": "completed"}
    phone.turn(digits="0")
    after = phone.twiml("/twilio/voice/dial-status", params)
    assert after.said == marked("voice_after_agent") and voices(after) == {MARKER_VOICE}


def test_the_agent_hears_the_whisper_in_the_banks_language(marked_voice: VoiceApp) -> None:
    phone, _ = verified_call(marked_voice)
    transfer = phone.turn(digits="0")
    assert marked("voice_transferring") in transfer.said
    heard = whisper(marked_voice, phone)
    assert texts.text("voice_whisper_verified", "voice", "en") in heard.said
    assert MARKER not in heard.said and voices(heard) == {BANK_VOICE}


def test_after_the_pin_opening_hours_are_said_the_customers_way_and_the_reason_kept_the_banks(
    marked_voice: VoiceApp,
) -> None:
    marked_voice.pin_hours(CLOSED_TIME)
    phone, _ = verified_call(marked_voice)
    offer = phone.turn("agent")
    # The marker locale keeps a 24-hour clock.
    assert marked("voice_closed", opens="08:00", closes="20:00") in offer.said
    assert marked("voice_callback_offer") in offer.said
    booked = phone.turn("yes")  # English yes words: the marker catalogue has none of its own
    assert booked.said == marked("voice_callback_booked", opens="08:00")
    with marked_voice.sessions() as session:
        (request,) = session.execute(select(CallbackRequest)).scalars().all()
    reason = texts.text("voice_whisper_reason_asked", "voice", "en")
    assert request.reason == texts.text("voice_callback_reason", "voice", "en", reason=reason)
