"""TwiML for the voice channel: what the caller hears next, and how we listen for the answer.

Every ``<Say>`` uses the speech voice of the language the call is in (:func:`speech_for`) with
an SSML ``<prosody rate>`` (the call's pace), and the ``<Gather>`` listens in that language;
prompts are spoken inside the ``<Gather>`` so a caller can answer (or press a key) without
waiting for the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from fastapi.responses import Response
from twilio.twiml.voice_response import Gather, VoiceResponse

from assistant.settings import Settings
from assistant.texts import own_setting
from voice import pace

TWIML_MEDIA_TYPE = "application/xml"

# Generous waits for older callers (seconds): before the first word or key, and for a PIN.
LISTEN_TIMEOUT = 8
PIN_TIMEOUT = 12
PIN_DIGITS = 4
DIAL_TIMEOUT = 45
# A number typed on the keypad (a phone number): as many keys as it takes, then "#".
DIGITS_TIMEOUT = 15
# One key as the whole answer, with time to find it (the helper's join or decline).
KEY_TIMEOUT = 10


@dataclass(frozen=True)
class Transfer:
    """Put the caller through to ``number``; the agent first hears ``whisper_url``."""

    number: str
    caller_id: str
    whisper_url: str
    action: str


@dataclass(frozen=True)
class ConferenceRoom:
    """Put the caller into conference ``room``.

    ``action``: where Twilio goes when the caller's part ends (the conference ended, or "*"
    with ``hangup_on_star``); ``wait_url``: our TwiML said while the conference has not started
    (never Twilio's default music from the internet); the conference starts when a caller with
    ``start_on_enter`` joins and ends when one with ``end_on_exit`` leaves.
    """

    room: str
    action: Optional[str] = None
    wait_url: Optional[str] = None
    hangup_on_star: bool = False
    start_on_enter: bool = True
    end_on_exit: bool = True


@dataclass
class Reply:
    """What to say, then what to do: listen (speech and keys, PIN keys, a typed number, or one
    key), dial a person or a conference, or hang up."""

    lines: List[str] = field(default_factory=list)
    listen: Optional[str] = "speech"  # "speech" | "pin" | "digits" | "key" | None
    action: Optional[str] = None  # where the Gather posts the answer
    single_key: bool = False  # one key is a whole answer (menus, yes/no)
    transfer: Optional[Transfer] = None
    conference: Optional[ConferenceRoom] = None
    after: List[str] = field(default_factory=list)  # said when a conference ends
    pause: int = 0  # seconds of quiet after the lines
    redirect: Optional[str] = None  # then continue with the TwiML at this URL
    hangup: bool = False
    slow: Tuple[str, ...] = ()  # lines said a step slower than the call (a scam warning)


@dataclass(frozen=True)
class Speech:
    """How a call speaks and listens: ``<Say voice language>`` and ``<Gather language>``."""

    voice: Optional[str]
    language: str


def speech_for(language: str, settings: Settings) -> Speech:
    """The speech voice for catalogue ``language``: the one its catalogue names
    (``voice_tts_language``, ``voice_tts_voice`` in ``assistant/texts/<language>/``; Twilio's
    default voice for that language when it names none), else the bank's (the settings'
    ``voice_language`` and ``voice_name``)."""
    own_language = own_setting("voice_tts_language", language)
    if own_language is None:
        return bank_speech(settings)
    return Speech(own_setting("voice_tts_voice", language), own_language)


def bank_speech(settings: Settings) -> Speech:
    """The bank's speech voice, from the settings."""
    return Speech(settings.voice_name, settings.voice_language)


def rate_for(settings: Settings, speech_rate: str) -> str:
    """The SSML prosody rate for a call's pace (its step, see :mod:`voice.pace`)."""
    return pace.rate_for(settings, speech_rate)


def say(parent: VoiceResponse | Gather, words: str, speech: Speech, rate: str) -> None:
    """``<Say voice language><prosody rate>words</prosody></Say>`` inside ``parent``."""
    spoken = parent.say(voice=speech.voice, language=speech.language)
    spoken.prosody(words, rate=rate)


def render(
    reply: Reply,
    settings: Settings,
    rate: str,
    hints: str = "",
    speech: Optional[Speech] = None,
    slow_rate: Optional[str] = None,
) -> str:
    """The TwiML document for ``reply``, spoken with ``speech`` (default: the bank's); its
    ``slow`` lines at ``slow_rate`` (default: the call's rate)."""
    speech = speech or bank_speech(settings)
    response = VoiceResponse()
    target: VoiceResponse | Gather = response
    if reply.listen == "pin" and reply.action:
        target = response.gather(
            input="dtmf",
            action=reply.action,
            method="POST",
            num_digits=PIN_DIGITS,
            finish_on_key="#",
            timeout=PIN_TIMEOUT,
            action_on_empty_result=True,
        )
    elif reply.listen == "digits" and reply.action:
        # A number typed on the keypad: any length, ended by "#" (or a pause).
        target = response.gather(
            input="dtmf",
            action=reply.action,
            method="POST",
            finish_on_key="#",
            timeout=DIGITS_TIMEOUT,
            action_on_empty_result=True,
        )
    elif reply.listen == "key" and reply.action:
        target = response.gather(
            input="dtmf",
            action=reply.action,
            method="POST",
            num_digits=1,
            timeout=KEY_TIMEOUT,
            action_on_empty_result=True,
        )
    elif reply.listen == "speech" and reply.action:
        options = {"num_digits": 1} if reply.single_key else {}
        target = response.gather(
            input="speech dtmf",
            action=reply.action,
            method="POST",
            timeout=LISTEN_TIMEOUT,
            speech_timeout="auto",
            action_on_empty_result=True,
            language=speech.language,
            finish_on_key="#",
            hints=hints or None,
            **options,
        )
    for line in reply.lines:
        if line:
            slow = slow_rate is not None and line in reply.slow
            say(target, line, speech, slow_rate if slow else rate)
    if reply.transfer is not None:
        dial = response.dial(
            caller_id=reply.transfer.caller_id,
            action=reply.transfer.action,
            method="POST",
            timeout=DIAL_TIMEOUT,
        )
        dial.number(reply.transfer.number, url=reply.transfer.whisper_url, method="POST")
    if reply.pause:
        response.pause(length=reply.pause)
    if reply.conference is not None:
        _conference(response, reply.conference)
    for line in reply.after:
        if line:
            say(response, line, speech, rate)
    if reply.redirect:
        response.redirect(reply.redirect, method="POST")
    if reply.hangup:
        response.hangup()
    return str(response.to_xml())


def _conference(response: VoiceResponse, room: ConferenceRoom) -> None:
    options = {"action": room.action, "method": "POST"} if room.action else {}
    if room.hangup_on_star:
        options["hangup_on_star"] = True
    dial = response.dial(**options)
    waiting = {"wait_url": room.wait_url, "wait_method": "POST"} if room.wait_url else {}
    dial.conference(
        room.room,
        start_conference_on_enter=room.start_on_enter,
        end_conference_on_exit=room.end_on_exit,
        beep=False,
        **waiting,
    )


def twiml_response(document: str) -> Response:
    """An HTTP response carrying TwiML."""
    return Response(content=document, media_type=TWIML_MEDIA_TYPE)
