"""Twilio voice webhooks: the call starts, each answer, the transfer, how the call ended, and
the customer's helper rung into the call (the conference's hold words and way back; the
helper's greeting, key and call status).

Every route checks Twilio's signature (``twilio_params``: 403 otherwise). Calls must go on, so
the call and turn webhooks always answer TwiML, with a spoken apology when something is missing
or fails; the status callback answers 400 to malformed fields. The logic is in
:mod:`voice.call_flow`.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Annotated, Dict, Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from assistant.gateway.deps import (
    Banking,
    Conversations,
    Identity,
    SettingsDep,
    Store,
    Transport,
    Turns,
)
from assistant.messaging import outbox
from assistant.messaging.delivery_status import record_delivery
from assistant.settings import Settings
from assistant.texts import text
from voice.call_flow import VOICE, CallFlow, render_apology_and_hangup, render_whisper
from voice.calls import CallStore
from voice.conference import Conferences
from voice.hours import OpeningHours
from voice.outbox_calls import render_gone, render_key, render_script
from voice.security import twilio_params
from voice.twiml import Reply, render, speech_for, twiml_response
from voice.whisper import mask_numbers

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/twilio",
    tags=["voice"],
    responses={
        400: {"description": "A field is missing or malformed."},
        403: {"description": "X-Twilio-Signature is missing or wrong."},
    },
)

SID = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
CALL_STATUSES = (
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "answered",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
)
MAX_TURN = 100_000
MAX_OUTBOX_ID = 2**31 - 1
MAX_SPEECH_CHARS = 2000
Params = Dict[str, str]
TwilioParams = Annotated[Params, Depends(twilio_params)]


def conferences(settings: SettingsDep, store: Store, transport: Transport) -> Conferences:
    """Ringing the customer's helper, on this app's store and outbound transport."""
    return Conferences(settings, store, CallStore(store), transport)


Helpers = Annotated[Conferences, Depends(conferences)]


def call_flow(
    request: Request,
    settings: SettingsDep,
    store: Store,
    turns: Turns,
    banking: Banking,
    conversations: Conversations,
    identity: Identity,
    helpers: Helpers,
) -> CallFlow:
    """The voice logic on this app's services (from :mod:`assistant.gateway.deps`).

    ``app.state.voice_hours`` (an :class:`OpeningHours`, e.g. with a pinned clock) replaces
    the configured opening hours.
    """
    hours = getattr(request.app.state, "voice_hours", None) or _configured_hours(settings)
    return CallFlow(
        settings,
        turns=turns,
        banking=banking,
        conversations=conversations,
        identity=identity,
        calls=CallStore(store),
        hours=hours,
        conferences=helpers,
    )


Flow = Annotated[CallFlow, Depends(call_flow)]


def _configured_hours(settings: Settings) -> OpeningHours:
    try:
        return OpeningHours.from_settings(settings)
    except ValueError:
        logger.error("ASSISTANT_OPENING_HOURS is malformed; using 08:00-20:00")
        return OpeningHours.parse("08:00-20:00", settings.timezone, settings.locale)


def _sid(params: Params, name: str) -> Optional[str]:
    value = (params.get(name) or "").strip()
    return value if SID.match(value) else None


def _log_failure(where: str, error: Exception) -> None:
    """The failure without locals or values (which could hold the caller's keys)."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    logger.error(
        "voice %s failed: %s: %s\n%s", where, type(error).__name__, mask_numbers(str(error)), frames
    )


@router.post("/voice", response_class=Response)
def call_starts(settings: SettingsDep, params: TwilioParams, flow: Flow) -> Response:
    """A call comes in (CallSid, From, To): greet the caller and listen."""
    call_sid = _sid(params, "CallSid")
    if call_sid is None:
        return twiml_response(render_apology_and_hangup(settings))
    try:
        return twiml_response(flow.start(call_sid, params.get("From")))
    except Exception as error:  # noqa: BLE001 - a caller must hear something, never a 500
        _log_failure("call start", error)
        return twiml_response(render_apology_and_hangup(settings))


@router.post("/voice/turn", response_class=Response)
def turn(request: Request, settings: SettingsDep, params: TwilioParams, flow: Flow) -> Response:
    """An answer (SpeechResult or Digits, or neither for silence) to turn ``n`` of the call."""
    call_sid = _sid(params, "CallSid")
    if call_sid is None:
        return twiml_response(render_apology_and_hangup(settings))
    raw_n = request.query_params.get("n", "")
    n = int(raw_n) if raw_n.isdigit() and 0 < int(raw_n) <= MAX_TURN else None
    speech = (params.get("SpeechResult") or "")[:MAX_SPEECH_CHARS]
    digits = (params.get("Digits") or "")[:32]
    try:
        return twiml_response(flow.turn(call_sid, n, speech, digits))
    except Exception as error:  # noqa: BLE001 - a caller must hear something, never a 500
        _log_failure("turn", error)
        return twiml_response(_apology_and_listen(settings, n, flow.language_of_call(call_sid)))


def _apology_and_listen(settings: Settings, n: Optional[int], language: str) -> str:
    """After a failure mid-call: say sorry in the call's ``language`` and listen again (or end
    politely if we can't)."""
    if n is None:
        return render_apology_and_hangup(settings, language)
    reply = Reply([text("voice_problem", VOICE, language)], action=f"/twilio/voice/turn?n={n + 1}")
    return render(reply, settings, settings.voice_rate_slow, speech=speech_for(language, settings))


@router.post("/voice/dial-status", response_class=Response)
def dial_status(settings: SettingsDep, params: TwilioParams, flow: Flow) -> Response:
    """The transfer ended (DialCallStatus): goodbye, or a call-back offer if nobody answered."""
    call_sid = _sid(params, "CallSid")
    if call_sid is None:
        return twiml_response(render_apology_and_hangup(settings))
    try:
        status = (params.get("DialCallStatus") or "").strip()
        return twiml_response(flow.dial_status(call_sid, status))
    except Exception as error:  # noqa: BLE001
        _log_failure("dial status", error)
        return twiml_response(render_apology_and_hangup(settings, flow.language_of_call(call_sid)))


@router.post("/voice/whisper", response_class=Response)
def whisper(request: Request, settings: SettingsDep, params: TwilioParams, flow: Flow) -> Response:
    """Played to the agent before the caller is connected: the hand-off summary."""
    call = request.query_params.get("call", "")
    try:
        return twiml_response(flow.whisper(call if SID.match(call) else None))
    except Exception as error:  # noqa: BLE001 - the agent still gets connected
        _log_failure("whisper", error)
        return twiml_response(render_whisper(settings, None))


@router.post("/voice/status", status_code=204, response_class=Response)
def call_status(request: Request, params: TwilioParams, flow: Flow, store: Store) -> Response:
    """Twilio's status callback (CallSid, CallStatus, CallDuration, ErrorCode): how the call
    ended. A call the bank placed from the outbox (``?outbox=<id>``) has it recorded on its
    outbox message too; a sid nobody knows changes nothing (still 204)."""
    call_sid = _sid(params, "CallSid")
    status = (params.get("CallStatus") or "").strip().lower()
    raw_duration = (params.get("CallDuration") or "").strip()
    error_code = (params.get("ErrorCode") or "").strip()
    if call_sid is None:
        raise HTTPException(status_code=400, detail="CallSid is missing or malformed.")
    if status not in CALL_STATUSES:
        raise HTTPException(status_code=400, detail="CallStatus is missing or unknown.")
    if raw_duration and (not raw_duration.isdigit() or int(raw_duration) > 10**7):
        raise HTTPException(status_code=400, detail="CallDuration must be whole seconds.")
    if error_code and not (error_code.isdigit() and len(error_code) <= 16):
        raise HTTPException(status_code=400, detail="ErrorCode is malformed.")
    message_id = outbox_param(request)
    duration = int(raw_duration) if raw_duration else None
    try:
        flow.status(call_sid, status, duration)
        record_delivery(store, call_sid, status, error_code or None, message_id)
    except Exception as error:  # noqa: BLE001 - Twilio would only retry; say what went wrong
        _log_failure("status", error)
        raise HTTPException(status_code=503, detail="Could not record the status.") from None
    return Response(status_code=204)


def outbox_param(request: Request) -> Optional[int]:
    """The outbox message a status callback URL names (``?outbox=<id>``); 400 if malformed."""
    raw = request.query_params.get("outbox")
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_OUTBOX_ID:
        raise HTTPException(status_code=400, detail="outbox is malformed.")
    return int(raw)


# ---- a call the bank placed from the outbox (voice.outbox_calls) ------------------------------


@router.post("/voice/outbox/{message_id}", response_class=Response)
def outbox_call(
    message_id: int, settings: SettingsDep, params: TwilioParams, store: Store
) -> Response:
    """The customer answered a call the bank placed: its script, slowly, then one key."""
    try:
        script = outbox.call_script(store, message_id) if 0 < message_id <= MAX_OUTBOX_ID else None
        if script is None:
            return twiml_response(render_gone(settings))
        return twiml_response(render_script(settings, script))
    except Exception as error:  # noqa: BLE001 - a customer must hear something, never a 500
        _log_failure("outbox call", error)
        return twiml_response(render_apology_and_hangup(settings))


@router.post("/voice/outbox/{message_id}/key", response_class=Response)
def outbox_call_key(
    message_id: int, settings: SettingsDep, params: TwilioParams, store: Store
) -> Response:
    """The key pressed after the script (Digits): 1 again, 0 a person, none goodbye."""
    digits = (params.get("Digits") or "").strip()[:8]
    try:
        script = outbox.call_script(store, message_id) if 0 < message_id <= MAX_OUTBOX_ID else None
        if script is None:
            return twiml_response(render_gone(settings))
        return twiml_response(render_key(settings, script, digits, params.get("To")))
    except Exception as error:  # noqa: BLE001 - a customer must hear something, never a 500
        _log_failure("outbox call key", error)
        return twiml_response(render_apology_and_hangup(settings))


# ---- the customer's helper joins the call (voice.conference) ----------------------------------


@router.post("/voice/conference/wait", response_class=Response)
def conference_wait(request: Request, params: TwilioParams, flow: Flow) -> Response:
    """The conference's waitUrl: the customer hears, slowly, that their helper is being rung."""
    call = request.query_params.get("call", "")
    again = request.query_params.get("again") == "1"
    try:
        return twiml_response(flow.conference_wait(call if SID.match(call) else "", again))
    except Exception as error:  # noqa: BLE001 - the hold goes on quietly
        _log_failure("conference wait", error)
        return twiml_response(render(Reply([], listen=None, pause=10), flow.settings, "100%"))


@router.post("/voice/conference/back", response_class=Response)
def conference_back(settings: SettingsDep, params: TwilioParams, flow: Flow) -> Response:
    """The customer is back from the conference (the ``<Dial action>`` after "*" or the end of
    the conference, or the call moved here when the helper could not join)."""
    call_sid = _sid(params, "CallSid")
    if call_sid is None:
        return twiml_response(render_apology_and_hangup(settings))
    try:
        return twiml_response(flow.conference_back(call_sid))
    except Exception as error:  # noqa: BLE001 - a caller must hear something, never a 500
        _log_failure("conference back", error)
        language = flow.language_of_call(call_sid)
        try:
            n = flow.next_turn(call_sid)
        except Exception:  # noqa: BLE001
            n = None
        return twiml_response(_apology_and_listen(settings, None if n is None else n - 1, language))


@router.post("/voice/helper", response_class=Response)
def helper_call(request: Request, params: TwilioParams, helpers: Helpers) -> Response:
    """The helper picked up the call we placed: who is asking, press 1 to join or 2 not to."""
    customer_call = request.query_params.get("call", "")
    helper_call_sid = _sid(params, "CallSid")
    try:
        if helper_call_sid is None or not SID.match(customer_call):
            return twiml_response(helpers.render_helper_problem())
        return twiml_response(helpers.helper_greeting(customer_call, helper_call_sid))
    except Exception as error:  # noqa: BLE001
        _log_failure("helper call", error)
        return twiml_response(helpers.render_helper_problem())


@router.post("/voice/helper/answer", response_class=Response)
def helper_answer(request: Request, params: TwilioParams, helpers: Helpers) -> Response:
    """The helper's key (Digits): 1 joins the conference; 2 or nothing declines."""
    customer_call = request.query_params.get("call", "")
    helper_call_sid = _sid(params, "CallSid")
    digits = (params.get("Digits") or "")[:8]
    try:
        if helper_call_sid is None or not SID.match(customer_call):
            return twiml_response(helpers.render_helper_problem())
        return twiml_response(helpers.helper_answer(customer_call, helper_call_sid, digits))
    except Exception as error:  # noqa: BLE001
        _log_failure("helper answer", error)
        return twiml_response(helpers.render_helper_problem())


@router.post("/voice/helper/status", status_code=204, response_class=Response)
def helper_status(request: Request, params: TwilioParams, helpers: Helpers) -> Response:
    """The helper's call status callback: busy, no answer, failed, or hung up."""
    customer_call = request.query_params.get("call", "")
    helper_call_sid = _sid(params, "CallSid")
    status = (params.get("CallStatus") or "").strip().lower()
    if helper_call_sid is None or not SID.match(customer_call):
        raise HTTPException(status_code=400, detail="CallSid or call is missing or malformed.")
    if status not in CALL_STATUSES:
        raise HTTPException(status_code=400, detail="CallStatus is missing or unknown.")
    try:
        helpers.helper_status(customer_call, helper_call_sid, status)
    except Exception as error:  # noqa: BLE001 - Twilio would only retry; say what went wrong
        _log_failure("helper status", error)
        raise HTTPException(status_code=503, detail="Could not record the status.") from None
    return Response(status_code=204)
