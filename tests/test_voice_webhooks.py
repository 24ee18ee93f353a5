"""The voice channel through its Twilio webhooks: signed requests in, TwiML parsed and asserted.

The gateway app runs on a private copy of the seeded demo bank; only Rasa is faked
(``VoiceRasa``: the PIN request for a balance, a read-back with yes/no choices for a payment,
a hand-off for "agent"), so every test is fast and sees exactly what reached the assistant.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own TwiML
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.models import Conversation, Customer
from assistant.settings import Settings
from assistant.texts import text
from tests.fakes import ASK_PIN_TEXT, BALANCE_TEXT, FakeRasa, copy_of_bank
from voice.hours import OpeningHours
from voice.models import CallbackRequest, VoiceCall
from voice.security import SIGNATURE_HEADER, sign

MARGARET_PIN = "2468"
UNKNOWN_PHONE = "+15559990000"
READ_BACK = "Send fifty dollars to Tom from checking. Shall I do that? Say yes or no."
DONE = "Done. I sent fifty dollars to Tom."
HANDOFF_TEXT = "Of course. Let me find a person to help you."
# What the assistant answers a change of pace with, by voice: only the step (the call says how
# its pace changed), then what it said last.
AGAIN_TEXT = "What would you like to do?"
OPEN_TIME = datetime(2026, 3, 2, 11, 0, tzinfo=ZoneInfo("America/New_York"))
CLOSED_TIME = datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("America/New_York"))


class VoiceRasa(FakeRasa):
    """``FakeRasa`` plus what a call needs: a payment read-back, yes/no, a hand-off, pace."""

    def send(
        self, channel: str, sender_id: str, text: str, metadata: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        lower = text.lower()
        if "balance" in lower or self.unavailable:
            return super().send(channel, sender_id, text, metadata)
        replies = super().send(channel, sender_id, text, metadata)
        if "agent" in lower or "person" in lower:
            return [{"text": HANDOFF_TEXT, "custom": {"handoff": True}}]
        if "send" in lower:
            buttons = [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]
            return [{"text": READ_BACK, "buttons": buttons}]
        if lower == "yes":
            return [{"text": DONE}]
        for step in ("slower", "faster"):
            if step in lower:
                return [{"custom": {"speech_rate": step}}, {"text": AGAIN_TEXT}]
        return replies


@dataclass
class Twiml:
    status: int
    content_type: str
    root: ET.Element
    body: str

    def find(self, path: str) -> Optional[ET.Element]:
        return self.root.find(path)

    @property
    def gather(self) -> Optional[ET.Element]:
        return self.root.find("Gather")

    @property
    def said(self) -> str:
        return " ".join("".join(say.itertext()) for say in self.root.iter("Say"))

    @property
    def rates(self) -> List[str]:
        return [p.get("rate", "") for p in self.root.iter("prosody")]


class Phone:
    """Signed Twilio webhooks for one call to the gateway app."""

    def __init__(self, client: TestClient, settings: Settings, call_sid: str, phone: str) -> None:
        self.client, self.settings = client, settings
        self.call_sid, self.phone = call_sid, phone
        self.n = 0

    def post(self, path: str, params: Dict[str, str], signature: Optional[str] = None) -> Any:
        url = self.settings.twilio_base_url + path
        headers = {}
        if signature is None:
            signature = sign(url, params, self.settings.twilio_token())
        if signature:
            headers[SIGNATURE_HEADER] = signature
        return self.client.post(path, data=params, headers=headers)

    def twiml(self, path: str, params: Dict[str, str]) -> Twiml:
        reply = self.post(path, params)
        assert reply.status_code == 200, reply.text
        return Twiml(
            reply.status_code,
            reply.headers["content-type"],
            ET.fromstring(reply.text),  # noqa: S314 - our own TwiML
            reply.text,
        )

    def call(self) -> Twiml:
        params = {"CallSid": self.call_sid, "From": self.phone, "To": "+15550100000"}
        return self.twiml("/twilio/voice", params)

    def turn(self, speech: str = "", digits: str = "", n: Optional[int] = None) -> Twiml:
        if n is None:
            self.n += 1
            n = self.n
        params = {"CallSid": self.call_sid, "From": self.phone}
        if speech:
            params.update(SpeechResult=speech, Confidence="0.91")
        if digits:
            params["Digits"] = digits
        return self.twiml(f"/twilio/voice/turn?n={n}", params)


@dataclass
class VoiceApp:
    client: TestClient
    settings: Settings
    rasa: VoiceRasa
    sessions: Any
    app: Any
    calls: int = 0

    def phone(self, number: str = MARGARET_PHONE) -> Phone:
        self.calls += 1
        return Phone(self.client, self.settings, f"CA{self.calls:032x}", number)

    def pin_hours(self, moment: datetime, hours: str = "08:00-20:00") -> None:
        """A call centre open ``hours`` (New York time), with the clock stopped at ``moment``."""
        self.app.state.voice_hours = OpeningHours.parse(
            hours, self.settings.timezone, self.settings.locale, lambda: moment
        )

    def call_row(self, call_sid: str) -> VoiceCall:
        with self.sessions() as session:
            return session.get(VoiceCall, call_sid)

    def verified(self, phone: Phone) -> Optional[int]:
        row = self.call_row(phone.call_sid)
        turns = self.app.state.turns
        return turns.conversations.verified_customer_id(row.conversation_id)


@pytest.fixture
def voice(demo_template: Path, tmp_path: Path) -> Iterator[VoiceApp]:
    url = copy_of_bank(demo_template, tmp_path)
    settings = Settings(database_url=url, home=tmp_path / "home", rasa_token="test-token")
    app = create_app(settings)
    rasa = VoiceRasa(app.state.turns.conversations)
    app.state.turns.rasa = rasa
    voice_app = VoiceApp(TestClient(app), settings, rasa, session_factory(url), app)
    voice_app.pin_hours(OPEN_TIME)
    yield voice_app
    app.state.rasa.close()
    dispose(url)


def gather_for_pin(twiml: Twiml) -> bool:
    gather = twiml.gather
    return (
        gather is not None
        and gather.get("input") == "dtmf"
        and gather.get("numDigits") == "4"
        and gather.get("finishOnKey") == "#"
    )


# ---- the call opens ---------------------------------------------------------------------------


def test_a_known_caller_is_not_named_before_the_pin_and_gets_a_speech_and_keypad_gather(
    voice: VoiceApp,
) -> None:
    twiml = voice.phone().call()
    assert twiml.content_type.startswith("application/xml")
    gather = twiml.gather
    assert gather is not None
    assert gather.get("input") == "speech dtmf"
    assert gather.get("action") == "/twilio/voice/turn?n=1"
    assert gather.get("method") == "POST"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("timeout") == "8"
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("language") == "en-US"
    says = gather.findall("Say")
    assert says and all(s.get("voice") == "Polly.Joanna" for s in says)
    assert all(s.get("language") == "en-US" for s in says)
    # A caller ID can be spoofed: nobody is named (or told the number banks here) yet.
    assert twiml.said.startswith(text("voice_greeting"))
    assert "Margaret" not in twiml.said and "Chen" not in twiml.said
    assert "Press 1 for your balance" in twiml.said
    assert "0 for a person" in twiml.said


def test_every_caller_starts_at_one_pace_and_margaret_slows_down_after_her_pin(
    voice: VoiceApp,
) -> None:
    """A slower start for her number would tell a stranger that it banks here."""
    margaret = voice.phone(MARGARET_PHONE)
    opening = margaret.call()
    assert set(opening.rates) == {"90%"}
    assert opening.said == voice.phone(UNKNOWN_PHONE).call().said
    margaret.turn("what is my balance")
    # Her profile says slow: one step down the ladder (90%, 80%, 70%, 60%), once verified.
    assert set(margaret.turn(digits=MARGARET_PIN).rates) == {"80%"}
    assert set(margaret.turn("thank you").rates) == {"80%"}
    ravi = voice.phone(RAVI_PHONE)
    ravi.call()
    ravi.turn("what is my balance")
    assert set(ravi.turn(digits="1357").rates) == {"90%"}


def test_a_pace_the_caller_chose_before_the_pin_is_kept_after_it(voice: VoiceApp) -> None:
    margaret = voice.phone(MARGARET_PHONE)
    margaret.call()
    assert set(margaret.turn("slower").rates) == {"80%"}
    assert set(margaret.turn("slower").rates) == {"70%"}
    margaret.turn("what is my balance")
    assert set(margaret.turn(digits=MARGARET_PIN).rates) == {"70%"}


def test_an_unknown_caller_gets_a_general_greeting_and_a_call_record(voice: VoiceApp) -> None:
    phone = voice.phone(UNKNOWN_PHONE)
    twiml = phone.call()
    assert twiml.said.startswith(text("voice_greeting"))
    assert twiml.said == voice.phone(RAVI_PHONE).call().said  # the same as a customer's
    assert set(twiml.rates) == {"90%"}
    row = voice.call_row(phone.call_sid)
    assert row.phone == UNKNOWN_PHONE and row.speech_rate == "0"
    with voice.sessions() as session:
        conversation = session.get(Conversation, row.conversation_id)
        assert conversation.channel == "voice" and conversation.customer_id is None


def test_a_withheld_number_is_an_unknown_caller_offered_a_person_at_once(
    voice: VoiceApp,
) -> None:
    phone = voice.phone("anonymous")
    twiml = phone.call()
    assert twiml.gather is not None
    assert voice.call_row(phone.call_sid).phone is None
    assert text("voice_withheld_number") in twiml.said
    assert "Press 0 for a person" in twiml.said
    dial = phone.turn(digits="0").find("Dial")
    assert dial is not None and dial.findtext("Number").strip() == "+15550100999"


def test_the_call_starts_a_voice_conversation_without_asking_rasa(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    row = voice.call_row(phone.call_sid)
    assert row.speech_rate == "0" and row.status == "in-progress"  # the same for everyone
    assert voice.rasa.calls == []


# ---- the PIN, by keypad only ------------------------------------------------------------------


def test_the_pin_is_gathered_by_keypad_and_verifies(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    asked = phone.turn("what is my balance")
    assert ASK_PIN_TEXT in asked.said
    assert gather_for_pin(asked)
    assert asked.gather.get("action") == "/twilio/voice/turn?n=2"
    assert asked.gather.get("actionOnEmptyResult") == "true"

    answered = phone.turn(digits=MARGARET_PIN)
    assert text("pin_thanks") in answered.said and BALANCE_TEXT in answered.said
    assert answered.gather.get("input") == "speech dtmf"
    assert voice.verified(phone) is not None
    assert voice.rasa.texts == ["what is my balance", "what is my balance"]
    assert MARGARET_PIN not in answered.body


def test_speech_while_waiting_for_the_pin_is_refused_and_never_reaches_rasa(
    voice: VoiceApp,
) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    for said in ("two four six eight", "my pin is 2468", "hello"):
        refused = phone.turn(said)
        assert text("voice_pin_keypad_only") in refused.said
        assert gather_for_pin(refused)
    assert voice.rasa.texts == ["what is my balance"]
    assert voice.verified(phone) is None
    with voice.sessions() as session:
        failed = session.execute(
            select(Customer.pin_failed_count).where(Customer.phone == MARGARET_PHONE)
        ).scalar_one()
    assert failed == 0

    assert BALANCE_TEXT in phone.turn(digits=MARGARET_PIN).said


def test_a_wrong_pin_says_tries_left_and_asks_for_keys_again(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    wrong = phone.turn(digits="1111")
    assert "4 tries left" in wrong.said
    assert gather_for_pin(wrong)
    assert voice.rasa.texts == ["what is my balance"]


def _spoken_pin_answers(voice: VoiceApp, number: str) -> List[str]:
    phone = voice.phone(number)
    phone.call()
    heard = [phone.turn("what is my balance")]
    heard += [phone.turn(digits="1111") for _ in range(5)]
    assert [gather_for_pin(twiml) for twiml in heard] == [True] * 5 + [False]
    return [re.sub(r"\d{1,2}:\d\d [AP]M", "(time)", twiml.said) for twiml in heard]


def test_an_unknown_caller_hears_what_a_customer_with_wrong_pins_hears(voice: VoiceApp) -> None:
    known = _spoken_pin_answers(voice, RAVI_PHONE)
    assert _spoken_pin_answers(voice, UNKNOWN_PHONE) == known
    assert "1 try left" in known[4] and text("pin_locked", "voice", until="(time)") in known[5]
    # The PIN prompt and every wrong-PIN answer offer a person, whoever calls.
    assert all(said.endswith(text("voice_pin_person")) for said in known[:5])


def test_too_few_keys_for_a_pin_are_not_an_attempt(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    short = phone.turn(digits="24")
    assert text("voice_pin_too_short") in short.said
    assert gather_for_pin(short)
    assert voice.rasa.texts == ["what is my balance"]
    assert BALANCE_TEXT in phone.turn(digits=MARGARET_PIN).said


def test_silence_while_waiting_for_the_pin_asks_for_keys_again(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    quiet = phone.turn()
    assert text("voice_pin_reprompt") in quiet.said
    assert gather_for_pin(quiet)


def test_key_0_while_waiting_for_the_pin_is_a_person(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    twiml = phone.turn(digits="0")
    assert twiml.find("Dial") is not None
    conversation = voice.call_row(phone.call_sid).conversation_id
    assert voice.app.state.turns.conversations.get(conversation).awaiting_pin is False


# ---- the keypad -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "request_text"),
    [
        ("1", "what is my balance"),
        ("2", "show my recent payments"),
        ("3", "I want to send money"),
        ("4", "get my helper on the line"),
        ("9", "say that again"),
    ],
)
def test_keypad_menu_keys_ask_the_assistant(voice: VoiceApp, key: str, request_text: str) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn(digits=key)
    assert voice.rasa.texts == [request_text]


def test_an_unknown_key_gets_an_apology_and_the_menu(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    for key in ("6", "*", "#"):  # 7 is faster speech, 8 slower
        twiml = phone.turn(digits=key)
        assert text("voice_unknown_key") in twiml.said
        assert text("voice_menu") in twiml.said
        assert twiml.gather.get("numDigits") == "1"
    assert voice.rasa.texts == []


def test_key_8_slows_the_speech_for_the_rest_of_the_call(voice: VoiceApp) -> None:
    phone = voice.phone(RAVI_PHONE)
    assert set(phone.call().rates) == {"90%"}
    slower = phone.turn(digits="8")
    assert voice.rasa.texts == ["please speak slower"]
    assert set(slower.rates) == {"80%"}
    assert slower.said.startswith(text("voice_slower")) and AGAIN_TEXT in slower.said
    assert set(phone.turn("hello").rates) == {"80%"}
    assert set(phone.turn().rates) == {"80%"}
    assert voice.call_row(phone.call_sid).speech_rate == "1"


def test_saying_slower_slows_the_speech_for_the_rest_of_the_call(voice: VoiceApp) -> None:
    phone = voice.phone(RAVI_PHONE)
    phone.call()
    assert set(phone.turn("speak slower please").rates) == {"80%"}
    assert set(phone.turn("hello").rates) == {"80%"}


def test_each_slower_is_one_step_slower_down_to_the_slowest(voice: VoiceApp) -> None:
    # Margaret's profile already says slow: "slower" still slows down, step by step.
    phone = voice.phone(MARGARET_PHONE)
    phone.call()
    phone.turn("what is my balance")
    assert set(phone.turn(digits=MARGARET_PIN).rates) == {"80%"}
    for rate in ("70%", "60%"):
        slower = phone.turn("slower please")
        assert set(slower.rates) == {rate}
        assert slower.said.startswith(text("voice_slower")), slower.said
    slowest = phone.turn("slower")
    assert set(slowest.rates) == {"60%"}
    assert slowest.said.startswith(text("voice_slowest")), slowest.said
    assert text("voice_slower") not in slowest.said
    assert slowest.gather is not None
    assert voice.call_row(phone.call_sid).speech_rate == "3"


def test_faster_undoes_slower_one_step_at_a_time(voice: VoiceApp) -> None:
    phone = voice.phone(MARGARET_PHONE)
    phone.call()
    phone.turn("what is my balance")
    phone.turn(digits=MARGARET_PIN)  # her own pace, 80%
    phone.turn("slower")
    faster = phone.turn("faster please")
    assert set(faster.rates) == {"80%"}
    assert faster.said.startswith(text("voice_faster"))
    assert set(phone.turn(digits="7").rates) == {"90%"}
    assert voice.rasa.texts[-1] == text("voice_request_faster")
    fastest = phone.turn("faster")
    assert set(fastest.rates) == {"90%"}
    assert fastest.said.startswith(text("voice_fastest"))


def test_the_rate_ladder_comes_from_the_settings(voice: VoiceApp) -> None:
    voice.settings.voice_rates = "100%, 85%"
    phone = voice.phone(RAVI_PHONE)
    assert set(phone.call().rates) == {"100%"}
    assert set(phone.turn("slower").rates) == {"85%"}
    assert phone.turn("slower").said.startswith(text("voice_slowest"))


def test_a_call_kept_as_slow_before_the_ladder_goes_on_from_its_step(voice: VoiceApp) -> None:
    phone = voice.phone(RAVI_PHONE)
    phone.call()
    with voice.sessions() as session, session.begin():
        session.get(VoiceCall, phone.call_sid).speech_rate = "slow"
    assert set(phone.turn("slower").rates) == {"70%"}


def test_a_transfer_by_voice_reads_back_and_takes_key_1_for_yes(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    read_back = phone.turn("send fifty dollars to Tom from checking")
    assert READ_BACK in read_back.said
    assert read_back.gather.get("numDigits") == "1"
    done = phone.turn(digits="1")
    assert DONE in done.said
    assert voice.rasa.texts[-1] == "yes"


def test_a_transfer_by_voice_takes_a_spoken_yes(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("send fifty dollars to Tom")
    assert DONE in phone.turn("yes").said


def test_key_2_is_no_and_an_unknown_key_repeats_the_choices(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("send fifty dollars to Tom")
    unknown = phone.turn(digits="5")
    assert "Press 1 for Yes." in unknown.said and "Press 2 for No." in unknown.said
    phone.turn(digits="2")
    assert voice.rasa.texts == ["send fifty dollars to Tom", "no"]


# ---- silence ----------------------------------------------------------------------------------


def test_silence_gets_three_reprompts_then_a_person_then_goodbye(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    for count in (1, 2, 3):
        twiml = phone.turn()
        assert text(f"voice_reprompt_{count}") in twiml.said
        assert twiml.gather is not None and twiml.find("Hangup") is None
    offer = phone.turn()
    assert text("voice_offer_person") in offer.said
    assert offer.gather is not None
    goodbye = phone.turn()
    assert text("voice_goodbye_silent") in goodbye.said
    assert goodbye.gather is None and goodbye.find("Hangup") is not None
    assert voice.rasa.texts == []


def test_silence_after_a_question_asks_that_question_again(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("send fifty dollars to Tom")
    for count in (1, 2, 3):
        quiet = phone.turn()
        assert quiet.said == text(f"voice_reprompt_question_{count}", question=READ_BACK)
        assert "What would you like to do" not in quiet.said
        assert quiet.gather.get("numDigits") == "1"  # its yes and no keys still work
    assert text("voice_offer_person") in phone.turn().said
    back = phone.turn(digits="2")
    assert back.said == text("voice_back_to_question", question=READ_BACK)
    assert DONE in phone.turn(digits="1").said
    assert voice.rasa.texts == ["send fifty dollars to Tom", "yes"]


def test_silence_after_an_answer_that_asked_nothing_is_the_general_reprompt(
    voice: VoiceApp,
) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("send fifty dollars to Tom")
    phone.turn("yes")  # "Done. I sent fifty dollars to Tom."
    assert text("voice_reprompt_1") in phone.turn().said


def test_any_answer_resets_the_silence_count(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn()
    phone.turn()
    phone.turn("hello")
    assert text("voice_reprompt_1") in phone.turn().said
    assert voice.call_row(phone.call_sid).quiet_turns == 1


def test_yes_to_the_person_offer_after_silence_transfers(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    for _ in range(4):
        phone.turn()
    assert phone.turn(digits="1").find("Dial") is not None


def test_no_to_the_person_offer_goes_back_to_the_assistant(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    for _ in range(4):
        phone.turn()
    back = phone.turn("no thanks")
    assert text("voice_back_to_assistant") in back.said
    assert back.find("Dial") is None and back.gather is not None


# ---- a person ---------------------------------------------------------------------------------


def assert_dials_the_call_centre(voice: VoiceApp, twiml: Twiml, phone: Phone) -> None:
    dial = twiml.find("Dial")
    assert dial is not None, twiml.body
    assert dial.get("action") == "/twilio/voice/dial-status"
    assert dial.get("callerId") == phone.phone
    number = dial.find("Number")
    assert number is not None
    assert (number.text or "").strip() == voice.settings.call_centre_number
    assert number.get("url") == f"/twilio/voice/whisper?call={phone.call_sid}"
    assert twiml.gather is None
    assert voice.call_row(phone.call_sid).handed_off is True


def test_key_0_dials_the_call_centre_with_a_whisper(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    twiml = phone.turn(digits="0")
    assert_dials_the_call_centre(voice, twiml, phone)
    assert text("voice_transferring") in twiml.said
    assert voice.rasa.texts == []


def test_saying_agent_dials_the_call_centre(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    twiml = phone.turn("agent")
    assert HANDOFF_TEXT in twiml.said
    assert_dials_the_call_centre(voice, twiml, phone)


def whisper(voice: VoiceApp, phone: Phone) -> Twiml:
    params = {"CallSid": "CA" + "f" * 32, "From": "+15550100000", "To": "+15550100999"}
    return phone.twiml(f"/twilio/voice/whisper?call={phone.call_sid}", params)


def test_the_agent_hears_who_why_and_what_without_the_pin(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    phone.turn(digits=MARGARET_PIN)
    phone.turn(f"my pin is {MARGARET_PIN}")
    phone.turn("send fifty dollars to Tom")
    phone.turn("I want a person")
    heard = whisper(voice, phone)
    said = heard.said
    assert "Margaret Chen" in said
    assert text("voice_whisper_verified") in said
    assert text("voice_whisper_reason_asked") in said
    assert "send fifty dollars to Tom" in said
    assert "my pin is ****" in said
    assert text("voice_whisper_flag_vulnerable") in said
    assert MARGARET_PIN not in heard.body
    assert heard.gather is None and heard.find("Dial") is None


def test_an_unknown_caller_is_announced_as_such(voice: VoiceApp) -> None:
    phone = voice.phone(UNKNOWN_PHONE)
    phone.call()
    phone.turn(digits="0")
    said = whisper(voice, phone).said
    assert text("voice_whisper_unknown_caller") in said
    assert text("voice_whisper_not_verified") in said
    assert text("voice_whisper_reason_key") in said


def test_a_whisper_for_an_unknown_call_still_says_something(voice: VoiceApp) -> None:
    phone = voice.phone()
    assert text("voice_whisper_no_summary") in whisper(voice, phone).said


def test_outside_opening_hours_a_call_back_is_offered_and_recorded(voice: VoiceApp) -> None:
    voice.pin_hours(CLOSED_TIME)
    phone = voice.phone()
    phone.call()
    offer = phone.turn("agent")
    assert offer.find("Dial") is None
    assert "8 AM to 8 PM" in offer.said
    assert text("voice_callback_offer") in offer.said
    assert offer.gather is not None
    booked = phone.turn(digits="1")
    assert text("voice_callback_booked", opens="8 AM") in booked.said
    with voice.sessions() as session:
        (request,) = session.execute(select(CallbackRequest)).scalars().all()
    assert request.phone == MARGARET_PHONE
    assert request.call_sid == phone.call_sid
    assert request.customer_id is not None
    assert request.status == "open"
    assert voice.call_row(phone.call_sid).handed_off is False


def test_outside_opening_hours_no_thanks_goes_back_to_the_assistant(voice: VoiceApp) -> None:
    voice.pin_hours(CLOSED_TIME)
    phone = voice.phone()
    phone.call()
    phone.turn(digits="0")
    back = phone.turn("no")
    assert text("voice_back_to_assistant") in back.said
    with voice.sessions() as session:
        assert session.execute(select(func.count(CallbackRequest.id))).scalar_one() == 0
    phone.turn("hello")
    assert voice.rasa.texts == ["hello"]


def test_when_nobody_answers_the_transfer_a_call_back_is_offered(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn(digits="0")
    params = {"CallSid": phone.call_sid, "DialCallStatus": "no-answer"}
    after = phone.twiml("/twilio/voice/dial-status", params)
    assert text("voice_dial_failed") in after.said
    assert after.gather.get("action") == "/twilio/voice/turn?n=2"
    phone.turn(digits="1")
    with voice.sessions() as session:
        assert session.execute(select(func.count(CallbackRequest.id))).scalar_one() == 1


def test_after_the_agent_the_call_ends_politely(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn(digits="0")
    params = {"CallSid": phone.call_sid, "DialCallStatus": "completed"}
    after = phone.twiml("/twilio/voice/dial-status", params)
    assert text("voice_after_agent") in after.said and after.find("Hangup") is not None


# ---- status callbacks -------------------------------------------------------------------------


def test_the_status_callback_records_how_the_call_ended(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    params = {"CallSid": phone.call_sid, "CallStatus": "completed", "CallDuration": "42"}
    assert phone.post("/twilio/voice/status", params).status_code == 204
    row = voice.call_row(phone.call_sid)
    assert row.status == "completed" and row.duration_seconds == 42
    assert row.ended_at is not None


def test_a_status_callback_for_an_unknown_call_is_accepted_quietly(voice: VoiceApp) -> None:
    phone = voice.phone()
    params = {"CallSid": phone.call_sid, "CallStatus": "busy"}
    assert phone.post("/twilio/voice/status", params).status_code == 204
    assert voice.call_row(phone.call_sid) is None


@pytest.mark.parametrize(
    "params",
    [
        {"CallStatus": "completed"},
        {"CallSid": "CA" + "1" * 32},
        {"CallSid": "CA" + "1" * 32, "CallStatus": "exploded"},
        {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "CallDuration": "soon"},
        {"CallSid": "not a sid!", "CallStatus": "completed"},
    ],
)
def test_a_malformed_status_callback_is_a_400(voice: VoiceApp, params: Dict[str, str]) -> None:
    assert voice.phone().post("/twilio/voice/status", params).status_code == 400


# ---- signatures -------------------------------------------------------------------------------


WEBHOOKS = [
    "/twilio/voice",
    "/twilio/voice/turn?n=1",
    "/twilio/voice/status",
    "/twilio/voice/dial-status",
    "/twilio/voice/whisper?call=CA1",
]


@pytest.mark.parametrize("path", WEBHOOKS)
def test_an_unsigned_or_wrongly_signed_webhook_is_refused(voice: VoiceApp, path: str) -> None:
    phone = voice.phone()
    params = {"CallSid": phone.call_sid, "From": MARGARET_PHONE, "CallStatus": "completed"}
    assert phone.post(path, params, signature="").status_code == 403
    assert phone.post(path, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    other_url = sign("https://elsewhere.example" + path, params, voice.settings.twilio_token())
    assert phone.post(path, params, signature=other_url).status_code == 403
    wrong_token = sign(voice.settings.twilio_base_url + path, params, "not-the-token")
    assert phone.post(path, params, signature=wrong_token).status_code == 403
    assert voice.call_row(phone.call_sid) is None
    assert voice.rasa.calls == []


def test_a_signature_for_other_fields_is_refused(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    url = voice.settings.twilio_base_url + "/twilio/voice/turn?n=1"
    signed_for = sign(
        url, {"CallSid": phone.call_sid, "Digits": "1"}, voice.settings.twilio_token()
    )
    sent = {"CallSid": phone.call_sid, "Digits": "0"}
    assert phone.post("/twilio/voice/turn?n=1", sent, signature=signed_for).status_code == 403


# ---- malformed input, failures, retries -------------------------------------------------------


def test_a_call_without_a_call_sid_gets_a_spoken_apology(voice: VoiceApp) -> None:
    phone = voice.phone()
    twiml = phone.twiml("/twilio/voice", {"From": MARGARET_PHONE})
    assert text("voice_problem_end") in twiml.said and twiml.find("Hangup") is not None
    twiml = phone.twiml("/twilio/voice/turn?n=1", {"SpeechResult": "hello"})
    assert text("voice_problem_end") in twiml.said


@pytest.mark.parametrize("query", ["", "?n=", "?n=abc", "?n=-1", "?n=0"])
def test_a_turn_without_a_good_number_gets_an_apology_and_listens(
    voice: VoiceApp, query: str
) -> None:
    phone = voice.phone()
    phone.call()
    twiml = phone.twiml(f"/twilio/voice/turn{query}", {"CallSid": phone.call_sid})
    assert text("voice_problem") in twiml.said
    assert twiml.gather.get("action") == "/twilio/voice/turn?n=1"
    assert voice.rasa.calls == []


def test_a_turn_of_an_unknown_call_starts_it_again(voice: VoiceApp) -> None:
    phone = voice.phone()
    twiml = phone.turn("hello")
    assert text("voice_problem") in twiml.said
    redirect = twiml.find("Redirect")
    assert redirect is not None and (redirect.text or "").strip() == "/twilio/voice"


def test_odd_keys_and_long_speech_never_break_the_call(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    assert text("voice_unknown_key") in phone.turn(digits="1a<b>").said
    long = phone.turn("blah " * 1000)
    assert long.gather is not None
    assert long.said


def test_the_assistant_being_down_is_said_kindly(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    voice.rasa.unavailable = True
    twiml = phone.turn("what is my balance")
    assert text("unavailable", "voice") in twiml.said
    assert twiml.gather is not None


def test_a_failure_inside_the_gateway_is_a_spoken_apology_not_a_500(
    voice: VoiceApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = voice.phone()
    phone.call()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(voice.app.state.turns, "handle", broken)
    twiml = phone.turn("hello")
    assert text("voice_problem") in twiml.said
    assert twiml.gather.get("action") == "/twilio/voice/turn?n=2"


def test_a_retried_turn_gets_the_same_twiml_and_reaches_rasa_once(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    first = phone.turn("send fifty dollars to Tom", n=1)
    again = phone.turn("send fifty dollars to Tom", n=1)
    assert again.body == first.body
    assert voice.rasa.texts == ["send fifty dollars to Tom"]
    done = phone.turn(digits="1", n=2)
    retried = phone.turn(digits="1", n=2)
    assert retried.body == done.body
    assert voice.rasa.texts == ["send fifty dollars to Tom", "yes"]


def test_a_retried_silent_turn_counts_once(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    first = phone.turn(n=1)
    assert phone.turn(n=1).body == first.body
    assert voice.call_row(phone.call_sid).quiet_turns == 1


def test_a_retried_pin_turn_is_one_attempt(voice: VoiceApp) -> None:
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance", n=1)
    first = phone.turn(digits="1111", n=2)
    assert phone.turn(digits="1111", n=2).body == first.body
    with voice.sessions() as session:
        failed = session.execute(
            select(Customer.pin_failed_count).where(Customer.phone == MARGARET_PHONE)
        ).scalar_one()
    assert failed == 1


def test_a_retried_call_start_changes_nothing(voice: VoiceApp) -> None:
    phone = voice.phone()
    first = phone.call()
    again = phone.call()
    assert again.body == first.body
    with voice.sessions() as session:
        assert session.execute(select(func.count(Conversation.id))).scalar_one() == 1
        assert session.execute(select(func.count(VoiceCall.call_sid))).scalar_one() == 1


def test_no_pin_digits_reach_the_logs(voice: VoiceApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    phone = voice.phone()
    phone.call()
    phone.turn("what is my balance")
    phone.turn(digits="1357")
    phone.turn("two four six eight")
    phone.turn(digits=MARGARET_PIN)
    phone.turn(digits="0")
    assert "voice turn" in caplog.text
    for secret in (MARGARET_PIN, "1357", "two four six eight"):
        assert secret not in caplog.text
