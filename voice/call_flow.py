"""What happens on a phone call, one Twilio webhook at a time (DESIGN.md sections 6, 7, 10).

The call opens with a greeting; each answer (speech, keys or silence) goes through
:meth:`CallFlow.turn`: the PIN by keypad only, keypad shortcuts, gentle reprompts on silence
(the assistant's last question again, when it asked one), the call's pace one step slower or
faster (:mod:`voice.pace`), a transfer to a person (or a call-back outside opening hours), a
number typed on the keypad when the assistant asks for one (``{"keypad": "digits"}``), and the
customer's helper rung into the call (``{"conference": {"link_id": N}}``, :mod:`voice.conference`),
and a scam warning the call opens with (:mod:`assistant.conversation.warnings`), said a step
slower than the call: before the PIN question (a warning for everyone) or right after the PIN.
The words the assistant says come from Rasa through
:class:`~assistant.conversation.turns.TurnHandler`; the words the voice channel says itself come
from ``assistant/texts/<language>/voice.yml`` (and the words it listens for from
``answers.yml``), in the language the call is in: the bank's before the PIN (a number's own
language would tell a stranger that it banks here), the verified customer's after it, with that
language's speech voice (:func:`voice.twiml.speech_for`). What the call centre hears or keeps (the
whisper, a call-back's reason) is in the bank's language.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from assistant.banking.phones import is_e164, normalize_phone
from assistant.banking.service import BankingService
from assistant.conversation.turns import Turn, TurnHandler
from assistant.conversation.warnings import is_warning
from assistant.conversations import ConversationStore
from assistant.identity import IdentityService
from assistant.settings import Settings
from assistant.texts import ENGLISH, language_of, text
from voice import pace
from voice.calls import FINAL_STATUSES, MAX_REQUESTS, CallStore, CallView
from voice.conference import BACK_PATH, FAILED, REFUSED, WAIT_PATH, WAITING, Conferences
from voice.hours import OpeningHours
from voice.twiml import ConferenceRoom, Reply, Transfer, rate_for, render, speech_for
from voice.whisper import build_summary, mask_numbers, whisper_text

logger = logging.getLogger(__name__)

VOICE = "voice"
TURN_PATH = "/twilio/voice/turn"
DIAL_STATUS_PATH = "/twilio/voice/dial-status"
WHISPER_PATH = "/twilio/voice/whisper"
START_PATH = "/twilio/voice"
MAX_REPROMPTS = 3  # then an offer of a person, then goodbye
PIN_LENGTHS = range(4, 7)
KEY_PERSON, KEY_FASTER, KEY_SLOWER, KEY_REPEAT = "0", "7", "8", "9"
# What the call says when its pace changed, or could not (the assistant only names the step).
PACE_WORDS = {
    (pace.SLOWER, True): "voice_slower",
    (pace.SLOWER, False): "voice_slowest",
    (pace.FASTER, True): "voice_faster",
    (pace.FASTER, False): "voice_fastest",
}
MENU = {
    "1": "voice_request_balance",
    "2": "voice_request_recent",
    "3": "voice_request_send",
    "4": "voice_request_helper",  # bring a family helper onto the call
}
PENDING_PERSON, PENDING_CALLBACK = "person", "callback"
ANSWERED_DIAL = ("completed", "answered")
#: The assistant asked for a number typed on the keypad (custom payload ``keypad``).
KEYPAD_DIGITS = "digits"
#: Keys that keep their meaning while a number is typed (one key alone).
KEYPAD_SHORTCUTS = (KEY_PERSON, KEY_FASTER, KEY_SLOWER, KEY_REPEAT)
# Seconds of quiet between the hold words while the helper is rung.
HOLD_PAUSE = 12
#: What the customer hears back from the conference, by how it went.
BACK_WORDS = {
    "declined": "voice_conference_declined",
    "missed": "voice_conference_missed",
    "left": "voice_conference_left",
    "joined": "voice_conference_back",
    "ringing": "voice_conference_back_early",
    "answered": "voice_conference_back_early",
}


def caller_number(raw: Optional[str]) -> Optional[str]:
    """The caller's number in E.164, or None when withheld or not a phone number."""
    phone = normalize_phone(raw or "")
    return phone if is_e164(phone) else None


def turn_url(n: int) -> str:
    return f"{TURN_PATH}?n={n}"


def bank_language(settings: Settings) -> str:
    """The bank's language (its locale's catalogue): before the PIN, and for the call centre."""
    return language_of(settings.locale, settings.locale)


def _words(key: str, language: str) -> List[str]:
    return [w.strip().lower() for w in text(key, language=language).split(",") if w.strip()]


def _plain(said: str) -> str:
    return re.sub(r"[^\w' ]+", " ", said.lower()).strip()


def _phrase_in(said: str, key: str, language: str) -> bool:
    plain = " ".join(_plain(said).split())
    return plain in _words(key, language)


def asks_for_person(said: str, language: str = ENGLISH) -> bool:
    """Whether the caller's words name a person (agent, human, ...) in ``language``."""
    plain = set(_plain(said).split())
    return any(word in plain for word in _words("voice_person_words", language))


def yes_or_no(said: str, keys: str, language: str = ENGLISH) -> Optional[bool]:
    """True for yes (or key 1), False for no (or key 2), None otherwise."""
    if keys:
        return {"1": True, "2": False}.get(keys)
    if _phrase_in(said, "voice_yes_words", language):
        return True
    if _phrase_in(said, "voice_no_words", language):
        return False
    return None


class CallFlow:
    """The voice channel's logic; the routes only parse and check the webhooks.

    It is given each service it uses (``voice.voice_routes`` takes them from
    ``assistant.gateway.deps``): the turn handler only carries the caller's words to Rasa.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        turns: TurnHandler,
        banking: BankingService,
        conversations: ConversationStore,
        identity: IdentityService,
        calls: CallStore,
        hours: OpeningHours,
        conferences: Optional[Conferences] = None,
    ) -> None:
        self.settings = settings
        self.turns = turns
        self.banking = banking
        self.conversations = conversations
        self.identity = identity
        self.calls = calls
        self.hours = hours
        self.conferences = conferences
        self.bank_language = bank_language(settings)
        self._languages: Dict[str, Tuple[str, str]] = {}

    # ---- the call starts --------------------------------------------------------------------

    def start(self, call_sid: str, raw_from: Optional[str]) -> str:
        """The greeting TwiML for a new call (the first one again for a retried webhook)."""
        existing = self.calls.get(call_sid)
        if existing is not None and existing.last_twiml:
            return existing.last_twiml
        phone = caller_number(raw_from)
        if existing is None:
            conversation_id = self.turns.start(VOICE, phone)  # type: ignore[arg-type]
            # Every caller starts at the same pace: a slower start for a number would tell a
            # stranger it banks here. The customer's own pace follows the PIN.
            rate = pace.start_pace(self.settings, "normal")
            call = self.calls.open(call_sid, conversation_id, phone, rate)
        else:
            call = existing
        # Every caller hears the same greeting: a caller ID can be spoofed, so nobody is named
        # (or told that the number banks here) before the PIN; the same goes for the scam
        # warning a call may open with (one for everyone, said slowly; "skip" skips it). A
        # withheld number is offered a person straight away: no account can be reached without
        # a number.
        opener = self.turns.opening_warning(call.conversation_id)
        warning = [opener["text"]] if opener else []
        last = "voice_withheld_number" if phone is None else "voice_opening_prompt"
        lines = [self._say(call, "voice_greeting"), *warning, self._say(call, last)]
        reply = Reply(
            lines, listen="speech", action=turn_url(1), single_key=True, slow=tuple(warning)
        )
        return self._finish(call, 0, reply)

    # ---- one answer ---------------------------------------------------------------------------

    def turn(self, call_sid: str, n: Optional[int], speech: str, digits: str) -> str:
        """The TwiML answering turn ``n`` of the call (the first answer again on a retry)."""
        call = self.calls.get(call_sid)
        if call is None:
            # Not a call we know (e.g. the store was reset mid-call): start it afresh.
            return render_restart(self.settings)
        if n is None or n < 1:
            reply = Reply(
                [self._say(call, "voice_problem")], action=turn_url((call.last_turn or 0) + 1)
            )
            return self._render(call, reply)
        if call.last_turn is not None and n <= call.last_turn and call.last_twiml:
            return call.last_twiml
        # A new webhook of this call: the caller was still there to hear the last answer.
        self.turns.acknowledge(call.conversation_id)
        speech = " ".join((speech or "").split())
        keys = (digits or "").strip()
        logger.info(
            "voice turn: call %s n %s input %s",
            call_sid,
            n,
            "keys" if keys else "speech" if speech else "silence",
        )
        call, reply = self._answer(call, n, speech, keys)
        reply.action = reply.action or turn_url(n + 1)
        return self._finish(call, n, reply)

    def _answer(self, call: CallView, n: int, speech: str, keys: str) -> Tuple[CallView, Reply]:
        conversation = self.conversations.get(call.conversation_id)
        awaiting_pin = bool(conversation and conversation.awaiting_pin)
        if not speech and not keys:
            return self._silence(call, awaiting_pin)
        call = replace(call, quiet_turns=0)
        if call.pending:
            answered = self._pending(call, speech, keys, awaiting_pin)
            if answered is not None:
                return answered
            call = replace(call, pending=None)
        if awaiting_pin:
            return self._pin(call, n, speech, keys)
        if call.keypad == KEYPAD_DIGITS and keys.isdigit() and keys not in KEYPAD_SHORTCUTS:
            # The number the assistant asked for: passed on like any keys, never recorded.
            return self._ask(call, n, keys)
        if keys:
            return self._keys(call, n, keys)
        return self._speech(call, n, speech)

    def _silence(self, call: CallView, awaiting_pin: bool) -> Tuple[CallView, Reply]:
        quiet = call.quiet_turns + 1
        call = replace(call, quiet_turns=quiet)
        if quiet <= MAX_REPROMPTS:
            if awaiting_pin:
                return call, Reply([self._say(call, "voice_pin_reprompt")], listen="pin")
            listen = self._listen(call)
            if call.question:
                # Half way through (which account? shall I send it?): that question again,
                # not "what would you like to do?". It carries its own keypad choices.
                line = self._say(call, f"voice_reprompt_question_{quiet}", question=call.question)
                return call, Reply([line], listen=listen, single_key=bool(call.choices))
            lines = [self._say(call, f"voice_reprompt_{quiet}"), *self._choice_lines(call)]
            return call, Reply(lines, listen=listen, single_key=True)
        if quiet == MAX_REPROMPTS + 1:
            call = replace(call, pending=PENDING_PERSON)
            return call, Reply([self._say(call, "voice_offer_person")], single_key=True)
        return call, Reply([self._say(call, "voice_goodbye_silent")], listen=None, hangup=True)

    def _pending(
        self, call: CallView, speech: str, keys: str, awaiting_pin: bool
    ) -> Optional[Tuple[CallView, Reply]]:
        """An answer to a question the voice channel asked itself (a person? a call-back?)."""
        question = call.pending
        if keys == KEY_REPEAT:
            offer = "voice_offer_person" if question == PENDING_PERSON else "voice_callback_offer"
            return call, Reply([self._say(call, offer)], single_key=True)
        answer = yes_or_no(speech, keys, self._language(call))
        if answer is None:
            return None
        call = replace(call, pending=None)
        if answer and question == PENDING_PERSON:
            return self._handoff(call, [], "silence")
        if answer and question == PENDING_CALLBACK:
            return self._book_callback(call)
        if awaiting_pin:
            lines = [
                self._say(call, "voice_back_to_assistant"),
                self._say(call, "voice_pin_reprompt"),
            ]
            return call, Reply(lines, listen="pin")
        if call.question:
            line = self._say(call, "voice_back_to_question", question=call.question)
            return call, Reply([line], listen=self._listen(call), single_key=bool(call.choices))
        return call, Reply([self._say(call, "voice_back_to_assistant")], single_key=True)

    def _pin(self, call: CallView, n: int, speech: str, keys: str) -> Tuple[CallView, Reply]:
        """While the PIN is asked for, only keys are taken; spoken words are never passed on."""
        if keys == KEY_PERSON or (
            speech
            and not keys
            and asks_for_person(speech, self._language(call))
            and not re.search(r"\d", speech)
        ):
            self.conversations.clear_awaiting_pin(call.conversation_id)
            return self._handoff(call, [], "key" if keys else "asked")
        if not keys:
            return call, Reply([self._say(call, "voice_pin_keypad_only")], listen="pin")
        if not keys.isdigit() or len(keys) not in PIN_LENGTHS:
            return call, Reply([self._say(call, "voice_pin_too_short")], listen="pin")
        turn = self._handled(call, keys, n)
        return self._from_turn(call, turn, "misunderstood")

    def _keys(self, call: CallView, n: int, keys: str) -> Tuple[CallView, Reply]:
        if keys == KEY_PERSON:
            return self._handoff(call, [], "key")
        if keys == KEY_REPEAT:
            return self._ask(call, n, self._say(call, "voice_request_repeat"))
        if keys == KEY_SLOWER:
            # The assistant answers with the step; the pace changes in _from_turn.
            return self._ask(call, n, self._say(call, "voice_request_slower"))
        if keys == KEY_FASTER:
            return self._ask(call, n, self._say(call, "voice_request_faster"))
        if keys.isdigit() and len(keys) == 1:
            number = int(keys)
            if call.choices and 1 <= number <= len(call.choices):
                choice = call.choices[number - 1]
                return self._ask(call, n, choice["payload"], request=choice["payload"])
            if not call.choices and keys in MENU:
                request = self._say(call, MENU[keys])
                return self._ask(call, n, request, request=request)
        elif keys.isdigit():
            # Several keys: an account number, say. Never recorded (it could be a PIN); the
            # turn handler keeps a PIN-like number from the assistant.
            return self._ask(call, n, keys)
        lines = [
            self._say(call, "voice_unknown_key"),
            *(self._choice_lines(call) or [self._say(call, "voice_menu")]),
        ]
        return call, Reply(lines, single_key=True)

    def _speech(self, call: CallView, n: int, speech: str) -> Tuple[CallView, Reply]:
        reason = "asked" if asks_for_person(speech, self._language(call)) else "misunderstood"
        return self._ask(call, n, speech, request=speech, reason=reason)

    def _ask(
        self,
        call: CallView,
        n: int,
        words: str,
        request: Optional[str] = None,
        reason: str = "misunderstood",
    ) -> Tuple[CallView, Reply]:
        """Pass ``words`` to the assistant (through the turn handler) and speak its answer."""
        if request:
            call = replace(call, requests=[*call.requests, mask_numbers(request)][-MAX_REQUESTS:])
        turn = self._handled(call, words, n)
        return self._from_turn(call, turn, reason)

    def _from_turn(self, call: CallView, turn: Turn, reason: str) -> Tuple[CallView, Reply]:
        """What the caller hears of the turn (a scam warning in it said slowly)."""
        call, reply = self._reply_to(call, turn, reason)
        reply.slow = tuple(m.get("text") or "" for m in turn.messages if is_warning(m))
        return call, reply

    def _reply_to(self, call: CallView, turn: Turn, reason: str) -> Tuple[CallView, Reply]:
        lines = [message.get("text") or "" for message in turn.messages]
        # The last thing the assistant asked, to say again after a silence.
        last = lines[-1] if lines else ""
        keypad = KEYPAD_DIGITS if turn.keypad == KEYPAD_DIGITS else None
        call = replace(call, question=last if "?" in last else None, keypad=keypad)
        call = self._profile_pace(call)
        if turn.speech_rate in (pace.SLOWER, pace.FASTER):
            rate, moved = pace.change(self.settings, call.speech_rate, turn.speech_rate)
            call = replace(call, speech_rate=rate, paced_by_caller=True)
            lines = [self._say(call, PACE_WORDS[turn.speech_rate, moved]), *lines]
        choices: List[dict] = []
        for message in turn.messages:
            buttons = message.get("buttons") or []
            if buttons:
                choices = [
                    {"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
                    for b in buttons
                    if b.get("payload")
                ]
        call = replace(call, choices=choices)
        if turn.handoff:
            return self._handoff(call, lines, reason)
        if turn.awaiting_pin:
            # The PIN prompt and every wrong-PIN answer offer a person, to every caller (one
            # whose number we don't know can never give a right PIN).
            return call, Reply([*lines, self._say(call, "voice_pin_person")], listen="pin")
        if turn.conference is not None:
            return self._conference(call, lines, turn.conference)
        if turn.end_call:
            return call, Reply(lines, listen=None, hangup=True)
        return call, Reply(lines, listen=self._listen(call), single_key=bool(choices))

    def _profile_pace(self, call: CallView) -> CallView:
        """Once the PIN was given, the customer's own pace, unless they chose one already."""
        if call.profile_paced:
            return call
        customer_id = self.conversations.verified_customer_id(call.conversation_id)
        if customer_id is None:
            return call
        call = replace(call, profile_paced=True)
        if call.paced_by_caller:
            return call
        profile = self.banking.get_customer(customer_id).speech_rate
        return replace(call, speech_rate=pace.start_pace(self.settings, profile))

    # ---- the customer's helper joins ---------------------------------------------------------

    def _conference(
        self, call: CallView, lines: List[str], payload: Dict[str, Any]
    ) -> Tuple[CallView, Reply]:
        """Ring the helper and put the customer into the conference (see voice.conference)."""
        call = replace(call, choices=[], question=None, keypad=None)
        customer_id = self.conversations.verified_customer_id(call.conversation_id)
        link_id = _link_id(payload.get("link_id"))
        if self.conferences is None or customer_id is None or link_id is None:
            return call, Reply([self._say(call, "voice_conference_unavailable")])
        outcome, conference = self.conferences.ring(call.call_sid, customer_id, link_id)
        if outcome == REFUSED or conference is None:
            return call, Reply([self._say(call, "voice_conference_unavailable")])
        name = conference["helper"]["name"]
        if outcome == FAILED:
            return call, Reply([self._say(call, "voice_conference_failed", name=name)])
        room = ConferenceRoom(
            conference["room"],
            action=BACK_PATH,
            wait_url=f"{WAIT_PATH}?call={call.call_sid}",
            hangup_on_star=True,
            start_on_enter=False,  # the hold words play until the helper joins
            end_on_exit=True,
        )
        return call, Reply(lines, listen=None, conference=room)

    def conference_wait(self, call_sid: str, again: bool) -> str:
        """Said to the customer, slowly, while the helper is rung (the conference's waitUrl)."""
        call = self.calls.get(call_sid)
        if call is None or not call.conference:
            return render(Reply([], listen=None, pause=HOLD_PAUSE), self.settings, "100%")
        name = call.conference.get("helper", {}).get("name", "")
        key = "voice_conference_hold_again" if again else "voice_conference_hold"
        if call.conference.get("state") not in WAITING:
            # The helper can't join and the call could not be moved on: "*" still can.
            key = "voice_conference_hold_over"
        reply = Reply(
            [self._say(call, key, name=name)],
            listen=None,
            pause=HOLD_PAUSE,
            redirect=f"{WAIT_PATH}?call={call_sid}&again=1",
        )
        return self._render(call, reply)

    def conference_back(self, call_sid: str) -> str:
        """The customer is back from the conference ("*", the helper declined, missed or
        left): kind words, and the assistant listens again. The same TwiML on a retry."""
        call = self.calls.get(call_sid)
        if call is None:
            return render_restart(self.settings)
        action = turn_url((call.last_turn or 0) + 1)

        def words(conference: Dict[str, Any], how: str) -> str:
            name = (conference.get("helper") or {}).get("name", "")
            key = BACK_WORDS.get(how, "voice_conference_back_plain")
            return self._render(call, Reply([self._say(call, key, name=name)], action=action))

        document = self.conferences.come_back(call_sid, words) if self.conferences else None
        return document or words({}, "")

    def next_turn(self, call_sid: str) -> Optional[int]:
        """The number of the call's next turn (None for a call we don't know)."""
        call = self.calls.get(call_sid)
        return None if call is None else (call.last_turn or 0) + 1

    # ---- a person ------------------------------------------------------------------------------

    def _handoff(self, call: CallView, lines: List[str], reason: str) -> Tuple[CallView, Reply]:
        """Put the caller through to the call centre, or offer a call-back when it is closed."""
        conversation = self.conversations.get(call.conversation_id)
        if conversation is not None and conversation.awaiting_pin:
            self.conversations.clear_awaiting_pin(call.conversation_id)
        summary = build_summary(
            call,
            reason,
            conversations=self.conversations,
            banking=self.banking,
            identity=self.identity,
        )
        call = replace(call, handoff=summary, choices=[], pending=None)
        if not self.hours.is_open():
            return self._closed(call, lines)
        call = replace(call, handed_off=True)
        logger.info("voice hand-off: call %s reason %s", call.call_sid, summary["reason"])
        transfer = Transfer(
            number=self.settings.call_centre_number,
            caller_id=call.phone or self.settings.twilio_number,
            whisper_url=f"{WHISPER_PATH}?call={call.call_sid}",
            action=DIAL_STATUS_PATH,
        )
        return call, Reply(
            [*lines, self._say(call, "voice_transferring")], listen=None, transfer=transfer
        )

    def _closed(self, call: CallView, lines: List[str]) -> Tuple[CallView, Reply]:
        locale = self._locale(call)
        closed = self._say(
            call,
            "voice_closed",
            opens=self.hours.spoken_opens(locale),
            closes=self.hours.spoken_closes(locale),
        )
        if call.phone is None:
            no_number = self._say(
                call, "voice_callback_no_number", opens=self.hours.spoken_opens(locale)
            )
            return call, Reply([*lines, closed, no_number])
        call = replace(call, pending=PENDING_CALLBACK)
        return call, Reply(
            [*lines, closed, self._say(call, "voice_callback_offer")], single_key=True
        )

    def _book_callback(self, call: CallView) -> Tuple[CallView, Reply]:
        code = call.handoff.get("reason") or "asked"
        # Kept for the call centre: in the bank's language.
        reason = text(f"voice_whisper_reason_{code}", language=self.bank_language)
        if not self.hours.is_open():
            reason = text("voice_callback_reason", language=self.bank_language, reason=reason)
        self.calls.request_callback(
            call.call_sid, call.phone or "", call.handoff.get("customer_id"), reason
        )
        logger.info("voice call-back requested: call %s", call.call_sid)
        opens = self.hours.spoken_opens(self._locale(call))
        return call, Reply([self._say(call, "voice_callback_booked", opens=opens)])

    def dial_status(self, call_sid: str, dial_status: str) -> str:
        """After the transfer: goodbye if the agent answered, else a call-back offer."""
        call = self.calls.get(call_sid)
        if call is None:
            words = text("voice_after_agent", VOICE, self.bank_language)
            return render(
                Reply([words], listen=None, hangup=True),
                self.settings,
                rate_for(self.settings, "normal"),
                speech=speech_for(self.bank_language, self.settings),
            )
        if dial_status in ANSWERED_DIAL:
            return self._render(
                call, Reply([self._say(call, "voice_after_agent")], listen=None, hangup=True)
            )
        next_turn = (call.last_turn or 0) + 1
        handoff = {**call.handoff, "reason": "dial_failed"}
        call = replace(call, handoff=handoff, handed_off=False)
        lines = [self._say(call, "voice_dial_failed")]
        if call.phone is None:
            reply = Reply(
                [*lines, self._say(call, "voice_back_to_assistant")], action=turn_url(next_turn)
            )
        else:
            call = replace(call, pending=PENDING_CALLBACK)
            reply = Reply(
                [*lines, self._say(call, "voice_callback_offer")],
                action=turn_url(next_turn),
                single_key=True,
            )
        self.calls.save(call)
        return self._render(call, reply)

    def whisper(self, call_sid: Optional[str]) -> str:
        """What the agent hears before being connected: the hand-off summary, in the bank's
        language whatever the caller's."""
        call = self.calls.get(call_sid) if call_sid else None
        summary = call.handoff if call is not None else None
        return render_whisper(self.settings, summary)

    def status(self, call_sid: str, status: str, duration: Optional[int]) -> bool:
        """Record how the call ended; False (and nothing changed) for a call we don't know."""
        known = self.calls.record_status(call_sid, status, duration)
        if known:
            logger.info("voice call %s status %s", call_sid, status)
            if status in FINAL_STATUSES and self.conferences is not None:
                self.conferences.customer_gone(call_sid)
        return known

    # ---- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _listen(call: CallView) -> str:
        """How the answer to the assistant's question is taken: a typed number, or speech."""
        return KEYPAD_DIGITS if call.keypad == KEYPAD_DIGITS else "speech"

    def _choice_lines(self, call: CallView) -> List[str]:
        return [
            self._say(call, "voice_choice", number=i, title=choice["title"] or choice["payload"])
            for i, choice in enumerate(call.choices, start=1)
        ]

    @staticmethod
    def _message_id(call: CallView, n: int) -> str:
        return f"voice:{call.call_sid}:{n}"

    def _render(self, call: CallView, reply: Reply) -> str:
        language = self._language(call)
        slower, _ = pace.change(self.settings, call.speech_rate, pace.SLOWER)
        return render(
            reply,
            self.settings,
            rate_for(self.settings, call.speech_rate),
            hints=text("voice_hints", language=language),
            speech=speech_for(language, self.settings),
            slow_rate=rate_for(self.settings, slower),
        )

    def _language(self, call: CallView) -> str:
        """The language the call is in now: the verified customer's, else the bank's."""
        return self._speaks(call)[0]

    def _locale(self, call: CallView) -> str:
        """The locale the call is in now (its times of day): as :meth:`_language`."""
        return self._speaks(call)[1]

    def _speaks(self, call: CallView) -> Tuple[str, str]:
        known = self._languages.get(call.conversation_id)
        if known is None:
            locale = self.turns.locale(call.conversation_id)
            known = (language_of(locale, self.settings.locale), locale)
            self._languages[call.conversation_id] = known
        return known

    def language_of_call(self, call_sid: str) -> str:
        """The language call ``call_sid`` is in now; the bank's when it can't be told."""
        try:
            call = self.calls.get(call_sid)
            return self._language(call) if call is not None else self.bank_language
        except Exception:  # noqa: BLE001 - only for an apology after a failure
            return self.bank_language

    def _handled(self, call: CallView, words: str, n: int) -> Turn:
        """``words`` through the turn handler (a PIN in them may change the call's language)."""
        turn = self.turns.handle(call.conversation_id, words, self._message_id(call, n))
        self._languages.pop(call.conversation_id, None)
        return turn

    def _say(self, call: CallView, key: str, **values: object) -> str:
        """The voice channel's own words ``key``, in the language the call is in now."""
        return text(key, VOICE, self._language(call), **values)

    def _finish(self, call: CallView, n: int, reply: Reply) -> str:
        """Render ``reply`` and remember it as the answer to turn ``n``."""
        document = self._render(call, reply)
        self.calls.save(replace(call, last_turn=n, last_twiml=document))
        return document


def _link_id(value: Any) -> Optional[int]:
    """A helper link id from the assistant's payload (a whole number), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def render_restart(settings: Settings) -> str:
    """For a turn of a call we don't know: an apology (in the bank's language), then the call
    starts again."""
    language = bank_language(settings)
    reply = Reply([text("voice_problem", VOICE, language)], listen=None, redirect=START_PATH)
    return render(
        reply, settings, settings.voice_rate_normal, speech=speech_for(language, settings)
    )


def render_whisper(settings: Settings, summary: Optional[Dict[str, Any]]) -> str:
    """The agent's whisper for ``summary`` (None: no summary), in the bank's language."""
    language = bank_language(settings)
    reply = Reply([whisper_text(summary, language)], listen=None)
    return render(
        reply, settings, settings.voice_rate_normal, speech=speech_for(language, settings)
    )


def render_apology_and_hangup(settings: Settings, language: Optional[str] = None) -> str:
    """When the call cannot go on: a spoken apology and a polite end, in ``language`` (the
    call's, when known; else the bank's)."""
    language = language or bank_language(settings)
    reply = Reply([text("voice_problem_end", VOICE, language)], listen=None, hangup=True)
    return render(
        reply, settings, settings.voice_rate_normal, speech=speech_for(language, settings)
    )
