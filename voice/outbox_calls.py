"""A call the bank places from the outbox (a scam warning, an alert): what the customer hears.

When the customer answers, Twilio fetches ``POST /twilio/voice/outbox/{message_id}``: a second
of quiet (people say "hello?" first), the call's script said slowly (one step slower than the
customer's own pace, :mod:`voice.pace`), then one key: "press 1 to hear it again, or 0 to speak
to a person". 1 says the script again; 0 puts the customer through to the call centre
(``ASSISTANT_CALL_CENTRE_NUMBER``); no key ends the call with a goodbye; another key is said to
do nothing, and the choice is asked again. The words are ``voice_outbox_*`` in
``assistant/texts/<language>/voice.yml``, in the customer's language.

The script is read through the messaging service (:func:`assistant.messaging.outbox.call_script`)
while the call may still be heard; once it is cleared (the call's last status came, or a day
passed) the call is told the message is no longer available.
"""

from __future__ import annotations

from typing import Optional

from twilio.twiml.voice_response import VoiceResponse

from assistant.banking.phones import is_e164
from assistant.messaging.outbox import CallScript
from assistant.messaging.transport import OUTBOX_CALL_PATH
from assistant.settings import Settings
from assistant.texts import language_of, text
from voice import pace
from voice.twiml import DIAL_TIMEOUT, KEY_TIMEOUT, say, speech_for

VOICE = "voice"
REPEAT, PERSON = "1", "0"


def key_path(message_id: int) -> str:
    """Where the call's key is posted."""
    return f"{OUTBOX_CALL_PATH}/{message_id}/key"


def _language(settings: Settings, script: Optional[CallScript]) -> str:
    return language_of(script.locale if script else None, settings.locale)


def _rate(settings: Settings, script: CallScript) -> str:
    """One step slower than the customer's own pace."""
    start = pace.start_pace(settings, script.speech_rate)
    return pace.rate_for(settings, pace.change(settings, start, pace.SLOWER)[0])


def render_script(settings: Settings, script: CallScript, first: bool = True) -> str:
    """The script, slowly, then the one-key choice."""
    language = _language(settings, script)
    speech, rate = speech_for(language, settings), _rate(settings, script)
    response = VoiceResponse()
    if first:
        response.pause(length=1)
    say(response, script.body, speech, rate)
    _choice(response, settings, script, language)
    return str(response.to_xml())


def render_key(
    settings: Settings, script: CallScript, digits: str, customer: Optional[str] = None
) -> str:
    """The answer to the key pressed (``digits``; empty when none was)."""
    if digits == REPEAT:
        return render_script(settings, script, first=False)
    language = _language(settings, script)
    speech, rate = speech_for(language, settings), _rate(settings, script)
    response = VoiceResponse()
    if digits == PERSON:
        say(response, text("voice_transferring", VOICE, language), speech, rate)
        caller_id = customer if customer and is_e164(customer) else settings.twilio_number
        response.dial(settings.call_centre_number, caller_id=caller_id, timeout=DIAL_TIMEOUT)
        say(response, text("voice_after_agent", VOICE, language), speech, rate)
        response.hangup()
    elif not digits:
        say(response, text("voice_outbox_goodbye", VOICE, language), speech, rate)
        response.hangup()
    else:
        say(response, text("voice_outbox_unknown_key", VOICE, language), speech, rate)
        _choice(response, settings, script, language)
    return str(response.to_xml())


def render_gone(settings: Settings) -> str:
    """The message can no longer be heard (or never was a call): say so and hang up."""
    language = _language(settings, None)
    response = VoiceResponse()
    words = text("voice_outbox_gone", VOICE, language)
    say(response, words, speech_for(language, settings), settings.voice_rate_slow)
    response.hangup()
    return str(response.to_xml())


def _choice(response: VoiceResponse, settings: Settings, script: CallScript, language: str) -> None:
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=KEY_TIMEOUT,
        action=key_path(script.message_id),
        method="POST",
        action_on_empty_result=True,
    )
    words = text("voice_outbox_choice", VOICE, language)
    say(gather, words, speech_for(language, settings), _rate(settings, script))
