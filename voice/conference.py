"""Bringing the customer's helper into the call (issue 9, DESIGN.md section 9).

When the assistant's answer carries ``{"conference": {"link_id": N}}``, the voice channel
(:class:`voice.call_flow.CallFlow`) asks :meth:`Conferences.ring`: the helper of that link is
rung only if :func:`family.links.calls.helper_for_call` allows it (the verified customer's own
active link, with ``join_calls``). The customer's call moves into a Twilio conference whose
room name cannot be guessed; the helper is dialled through the outbound transport (a real
``calls.create``), and their TwiML (:data:`HELPER_PATH`, signed like every webhook) greets them
slowly in the bank's voice and language, says whom they are joining, and lets them press 1 to
join or 2 (or nothing) to decline.

The conference's life, kept on the customer's call (``voice.calls``, ``summary["conference"]``)
so that retried webhooks answer the same::

    ringing -> answered (the helper picked up) -> joined -> left (the helper hung up)
          \\            \\-> declined (2, nothing, or hung up before choosing)
           \\-> missed (busy, no answer, failed; or the customer came back or hung up first)

Each ring ends in one audited outcome (joined, declined or missed). The customer is never cut
off: when the helper declines or misses, their call is moved out of the conference through the
transport (``update_call``) to :data:`BACK_PATH`; when the helper hangs up after joining, the
conference ends (``endConferenceOnExit``) and the customer's ``<Dial action>`` goes there; and
"*" (``hangupOnStar``) does the same. That route answers with kind words and listens again.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Callable, Dict, Optional, Tuple

from sqlalchemy.orm import sessionmaker

from assistant.messaging.transport import OutboundTransport, TransportError
from assistant.settings import Settings
from assistant.texts import language_of, text
from family.links.calls import (
    DECLINED,
    JOINED,
    MISSED,
    CallHelper,
    helper_for_call,
    record_call_outcome,
)
from voice.calls import CallStore
from voice.twiml import ConferenceRoom, Reply, render, speech_for

logger = logging.getLogger(__name__)

BACK_PATH = "/twilio/voice/conference/back"
WAIT_PATH = "/twilio/voice/conference/wait"
HELPER_PATH = "/twilio/voice/helper"
HELPER_ANSWER_PATH = "/twilio/voice/helper/answer"
HELPER_STATUS_PATH = "/twilio/voice/helper/status"

RINGING, ANSWERED, LEFT = "ringing", "answered", "left"
#: Rung, not yet joined nor turned down.
WAITING = (RINGING, ANSWERED)
#: How :meth:`Conferences.ring` went.
REFUSED, FAILED = "refused", "failed"
KEY_JOIN, KEY_DECLINE = "1", "2"
#: The helper's call ended without joining (its status callback).
MISSED_STATUSES = ("busy", "no-answer", "failed", "canceled")
VOICE = "voice"

Conference = Dict[str, Any]


def new_room() -> str:
    """A conference room name nobody can guess (128 random bits)."""
    return "kb-" + secrets.token_hex(16)


def helper_of(conference: Conference) -> Optional[CallHelper]:
    data = conference.get("helper")
    return CallHelper.from_dict(data) if isinstance(data, dict) else None


class Conferences:
    """Ringing the helper, their side of the call, and what each outcome does."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker,
        calls: CallStore,
        transport: Callable[[], OutboundTransport],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.calls = calls
        self._transport = transport
        self.language = language_of(settings.locale, settings.locale)

    # ---- the customer asks ----------------------------------------------------------------

    def ring(
        self, call_sid: str, customer_id: int, link_id: int
    ) -> Tuple[str, Optional[Conference]]:
        """Ring link ``link_id``'s helper into call ``call_sid``: (RINGING, the conference),
        (REFUSED, None) when they may not be rung, or (FAILED, the conference) when the call
        could not be placed."""
        helper = helper_for_call(self.sessions, customer_id, link_id)
        if helper is None:
            logger.info("voice call %s: helper link %s may not join", call_sid, link_id)
            return REFUSED, None
        conference: Conference = {
            "room": new_room(),
            "helper": helper.as_dict(),
            "state": RINGING,
            "helper_call_sid": None,
        }
        self.calls.update_conference(call_sid, lambda _: conference)
        try:
            helper_sid = self._transport().place_call(
                helper.phone,
                self._url(HELPER_PATH, call_sid),
                status_callback=self._url(HELPER_STATUS_PATH, call_sid),
            )
        except TransportError:
            self._end(call_sid, None, MISSED, "failed", bring_back=False)
            return FAILED, conference
        room = conference["room"]

        def remember(current: Conference) -> Optional[Conference]:
            if current.get("room") != room or current.get("helper_call_sid"):
                return None
            return {**current, "helper_call_sid": helper_sid}

        conference, _ = self.calls.update_conference(call_sid, remember)
        logger.info("voice call %s: ringing helper %s (call %s)", call_sid, link_id, helper_sid)
        return RINGING, conference

    def come_back(
        self, call_sid: str, render_back: Callable[[Conference, str], str]
    ) -> Optional[str]:
        """The customer is back from the conference: ``render_back(conference, how it went)``
        once (a retried webhook gets the same TwiML); None for a call without a conference."""
        previous: Dict[str, str] = {}

        def back(current: Conference) -> Optional[Conference]:
            if not current or current.get("back_twiml"):
                return None
            state = current.get("state", "")
            previous["state"] = state
            changed = {**current}
            if state in WAITING:
                changed.update(state=MISSED, reason="customer_returned")
            changed["back_twiml"] = render_back(current, state)
            return changed

        conference, changed = self.calls.update_conference(call_sid, back)
        if not conference:
            return None
        if changed and previous.get("state") in WAITING:
            self._after_missed(call_sid, conference, previous["state"], "customer_returned")
        return conference.get("back_twiml")

    def customer_gone(self, call_sid: str) -> None:
        """The customer hung up: a helper still being rung is not needed any more."""
        self._end(call_sid, None, MISSED, "customer_hung_up", bring_back=False)

    # ---- the helper's side ----------------------------------------------------------------

    def helper_greeting(self, call_sid: str, helper_sid: str) -> str:
        """The helper picked up: who is asking, and press 1 to join or 2 to decline."""

        def answered(current: Conference) -> Optional[Conference]:
            if not _is_helper(current, helper_sid) or current.get("state") not in WAITING:
                return None
            return {**current, "state": ANSWERED, "helper_call_sid": helper_sid}

        conference, _ = self.calls.update_conference(call_sid, answered)
        helper = helper_of(conference)
        if helper is None or not _is_helper(conference, helper_sid):
            return self._helper_goodbye("voice_helper_not_needed")
        if conference.get("state") != ANSWERED or conference.get("back_twiml"):
            return self._helper_goodbye("voice_helper_not_needed")
        return self._helper_choice(call_sid, helper, first=True)

    def helper_answer(self, call_sid: str, helper_sid: str, digits: str) -> str:
        """The helper's key: 1 joins the conference; 2 or nothing declines, politely."""
        key = (digits or "").strip()[:1]
        if key and key not in (KEY_JOIN, KEY_DECLINE):
            call = self.calls.get(call_sid)
            conference = call.conference if call is not None else {}
            helper = helper_of(conference)
            if (
                helper is None
                or not _is_helper(conference, helper_sid)
                or conference.get("state") not in WAITING
            ):
                return self._helper_goodbye("voice_helper_not_needed")
            return self._helper_choice(call_sid, helper, first=False)
        outcome = JOINED if key == KEY_JOIN else DECLINED
        conference, changed = self._settle(call_sid, helper_sid, outcome, None)
        helper = helper_of(conference)
        state = conference.get("state")
        if helper is None or not _is_helper(conference, helper_sid):
            return self._helper_goodbye("voice_helper_not_needed")
        if changed:
            record_call_outcome(self.sessions, helper, outcome, call_sid=call_sid)
        if state == JOINED and outcome == JOINED:
            return self._helper_joins(conference, helper)
        if state == DECLINED and outcome == DECLINED:
            if changed:
                self._bring_back(call_sid)
            return self._helper_goodbye("voice_helper_declined", customer=helper.customer_name)
        return self._helper_goodbye("voice_helper_not_needed")

    def helper_status(self, call_sid: str, helper_sid: str, status: str) -> None:
        """The helper's call status: not reached (busy, no answer, failed), hung up before
        choosing (declined), or hung up after joining (left: the conference ends by itself)."""
        if status in MISSED_STATUSES:
            self._end(call_sid, helper_sid, MISSED, status, bring_back=True)
        elif status == "completed":
            conference = self.calls.get(call_sid)
            state = conference.conference.get("state") if conference else None
            if state in WAITING:
                self._end(call_sid, helper_sid, DECLINED, "hung_up", bring_back=True)
            elif state == JOINED:

                def left(current: Conference) -> Optional[Conference]:
                    if not _is_helper(current, helper_sid) or current.get("state") != JOINED:
                        return None
                    return {**current, "state": LEFT}

                self.calls.update_conference(call_sid, left)

    # ---- what each outcome does -------------------------------------------------------------

    def _settle(
        self, call_sid: str, helper_sid: Optional[str], outcome: str, reason: Optional[str]
    ) -> Tuple[Conference, bool]:
        """Move a waiting conference to ``outcome`` (once): (the conference, whether it moved)."""

        def settle(current: Conference) -> Optional[Conference]:
            if not current or current.get("state") not in WAITING or current.get("back_twiml"):
                return None
            if helper_sid is not None and not _is_helper(current, helper_sid):
                return None
            changed = {**current, "state": outcome}
            if helper_sid is not None:
                changed["helper_call_sid"] = helper_sid
            if reason:
                changed["reason"] = reason
            return changed

        return self.calls.update_conference(call_sid, settle)

    def _end(
        self,
        call_sid: str,
        helper_sid: Optional[str],
        outcome: str,
        reason: str,
        *,
        bring_back: bool,
    ) -> None:
        before = self.calls.get(call_sid)
        previous = before.conference.get("state", "") if before is not None else ""
        if previous not in WAITING:
            return
        conference, changed = self._settle(call_sid, helper_sid, outcome, reason)
        if not changed:
            return
        helper = helper_of(conference)
        if helper is not None:
            record_call_outcome(self.sessions, helper, outcome, reason=reason, call_sid=call_sid)
        if helper_sid is None:
            self._hang_up_helper(conference, previous)
        if bring_back:
            self._bring_back(call_sid)
        logger.info("voice call %s: helper %s (%s)", call_sid, outcome, reason)

    def _after_missed(
        self, call_sid: str, conference: Conference, previous: str, reason: str
    ) -> None:
        helper = helper_of(conference)
        if helper is not None:
            record_call_outcome(self.sessions, helper, MISSED, reason=reason, call_sid=call_sid)
        self._hang_up_helper(conference, previous)

    def _hang_up_helper(self, conference: Conference, previous: str) -> None:
        """Stop ringing the helper (or end their call while they hear the greeting)."""
        helper_sid = conference.get("helper_call_sid")
        if not helper_sid or previous not in WAITING:
            return
        status = "canceled" if previous == RINGING else "completed"
        try:
            self._transport().update_call(helper_sid, status=status)
        except TransportError:
            logger.warning("could not end the helper's call %s", helper_sid)

    def _bring_back(self, call_sid: str) -> None:
        """Move the customer out of the conference, back to the assistant."""
        try:
            self._transport().update_call(call_sid, twiml_url=self._url(BACK_PATH))
        except TransportError:
            # They can still press * (the conference's hold words say so).
            logger.warning("could not bring call %s back from the conference", call_sid)

    # ---- the helper's TwiML -----------------------------------------------------------------

    def _helper_choice(self, call_sid: str, helper: CallHelper, first: bool) -> str:
        lines = (
            [
                self._say("voice_helper_greeting", customer=helper.customer_name),
                self._say("voice_helper_safety"),
            ]
            if first
            else [self._say("voice_helper_unknown_key")]
        )
        reply = Reply(
            [*lines, self._say("voice_helper_choice")],
            listen="key",
            action=f"{HELPER_ANSWER_PATH}?call={call_sid}",
        )
        return self._render(reply)

    def _helper_joins(self, conference: Conference, helper: CallHelper) -> str:
        room = ConferenceRoom(conference["room"], start_on_enter=True, end_on_exit=True)
        reply = Reply(
            [self._say("voice_helper_joining", customer=helper.customer_name)],
            listen=None,
            conference=room,
            after=[self._say("voice_helper_call_over", customer=helper.customer_name)],
            hangup=True,
        )
        return self._render(reply)

    def _helper_goodbye(self, key: str, **values: str) -> str:
        return self._render(Reply([self._say(key, **values)], listen=None, hangup=True))

    def render_helper_problem(self) -> str:
        """When the helper's side fails: an apology and goodbye."""
        return self._helper_goodbye("voice_helper_problem")

    def _render(self, reply: Reply) -> str:
        """The helper hears the bank's voice and language, slowly."""
        return render(
            reply,
            self.settings,
            self.settings.voice_rate_slow,
            speech=speech_for(self.language, self.settings),
        )

    def _say(self, key: str, **values: Any) -> str:
        return text(key, VOICE, self.language, **values)

    def _url(self, path: str, call_sid: Optional[str] = None) -> str:
        url = self.settings.twilio_base_url + path
        return f"{url}?call={call_sid}" if call_sid else url


def _is_helper(conference: Conference, helper_sid: str) -> bool:
    """Whether ``helper_sid`` is the helper's call (or may be: its sid is not kept yet)."""
    known = conference.get("helper_call_sid")
    return bool(conference) and known in (None, helper_sid)
