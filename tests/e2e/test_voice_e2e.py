"""A whole phone call through the running stack: signed Twilio webhooks -> gateway -> Rasa.

Margaret calls, types her PIN, hears her balance in words, sends Tom fifty dollars after a
spoken read-back, and asks for a person: within opening hours she is put through with a
whisper for the agent; outside them she is offered a call-back (the real clock decides).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own TwiML
from typing import Dict, Optional

import httpx
import pytest

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from assistant.money import money_in_words
from voice.hours import OpeningHours
from voice.models import VoiceCall
from voice.security import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.e2e

MARGARET = "+15550100001"


class Call:
    """One phone call, as Twilio would make it: signed form posts, TwiML back."""

    def __init__(self, http: httpx.Client, stack, phone: str) -> None:  # noqa: ANN001
        self.http, self.settings = http, stack.settings
        self.sid = "CA" + uuid.uuid4().hex
        self.phone = phone
        self.n = 0

    def post(self, path: str, params: Dict[str, str]) -> ET.Element:
        url = self.settings.twilio_base_url + path
        signature = sign(url, params, self.settings.twilio_token())
        reply = self.http.post(path, data=params, headers={SIGNATURE_HEADER: signature})
        assert reply.status_code == 200, reply.text
        assert reply.headers["content-type"].startswith("application/xml")
        return ET.fromstring(reply.text)  # noqa: S314 - our own TwiML

    def start(self) -> ET.Element:
        return self.post("/twilio/voice", {"CallSid": self.sid, "From": self.phone, "To": "+1"})

    def answer(self, speech: str = "", digits: str = "") -> ET.Element:
        self.n += 1
        params = {"CallSid": self.sid, "From": self.phone}
        if speech:
            params.update(SpeechResult=speech, Confidence="0.9")
        if digits:
            params["Digits"] = digits
        return self.post(f"/twilio/voice/turn?n={self.n}", params)


def said(twiml: ET.Element) -> str:
    return " ".join(" ".join("".join(s.itertext()) for s in twiml.iter("Say")).split())


def gather(twiml: ET.Element) -> Optional[ET.Element]:
    return twiml.find("Gather")


def bank(stack) -> LedgerBankingService:  # noqa: ANN001
    return LedgerBankingService(session_factory(stack.settings.bank_database_url))


def checking_minor(stack) -> int:  # noqa: ANN001
    service = bank(stack)
    customer = service.find_customer_by_phone(MARGARET)
    return service.get_account(customer.id, "checking").balance.minor


def test_a_phone_call_checks_the_pin_reads_the_balance_sends_money_and_finds_a_person(
    stack,
    gateway: httpx.Client,  # noqa: ANN001
) -> None:
    call = Call(gateway, stack, MARGARET)
    opening = call.start()
    listening = gather(opening)
    assert listening is not None and listening.get("input") == "speech dtmf"
    assert listening.get("actionOnEmptyResult") == "true"
    rates = {p.get("rate") for p in opening.iter("prosody")}
    assert rates == {stack.settings.voice_rate_normal}  # the same for every caller
    assert "Margaret" not in said(opening)  # a caller ID identifies; it proves nothing

    asked = call.answer("what's my balance")
    pin_gather = gather(asked)
    assert pin_gather is not None, said(asked)
    assert pin_gather.get("input") == "dtmf" and pin_gather.get("numDigits") == "4"
    assert pin_gather.get("finishOnKey") == "#"
    assert "keypad" in said(asked)

    service = bank(stack)
    customer = service.find_customer_by_phone(MARGARET)
    balance = service.get_account(customer.id, "checking").balance
    answered = call.answer(digits="2468")
    heard = said(answered)
    assert money_in_words(balance) in heard, heard
    assert "$" not in heard and "2468" not in heard
    assert {p.get("rate") for p in answered.iter("prosody")} == {stack.settings.voice_rate_slow}

    before = checking_minor(stack)
    read_back = call.answer("send fifty dollars to Tom from checking")
    heard = said(read_back)
    assert "Send fifty dollars to Tom from checking" in heard, heard
    assert "yes or no" in heard
    assert gather(read_back).get("numDigits") == "1"
    assert checking_minor(stack) == before

    done = call.answer("yes")
    heard = said(done)
    assert "Done" in heard and "fifty dollars" in heard, heard
    assert checking_minor(stack) == before - 5000

    hours = OpeningHours.from_settings(stack.settings)
    open_before = hours.is_open()
    person = call.answer("agent")
    open_after = hours.is_open()
    if open_before != open_after:
        pytest.skip("the call centre opened or closed during the test")
    dial = person.find("Dial")
    if open_before:
        assert dial is not None, said(person)
        number = dial.find("Number")
        assert (number.text or "").strip() == stack.settings.call_centre_number
        assert number.get("url") == f"/twilio/voice/whisper?call={call.sid}"
        whisper = call.post(
            f"/twilio/voice/whisper?call={call.sid}", {"CallSid": "CA" + uuid.uuid4().hex}
        )
        heard = said(whisper)
        assert "Margaret Chen" in heard and "2468" not in heard
        assert "send fifty dollars to Tom" in heard
    else:
        assert dial is None
        assert "call you back" in said(person)
        assert gather(person) is not None
        assert "call you back" in said(call.answer(digits="1"))

    ended = {"CallSid": call.sid, "CallStatus": "completed", "CallDuration": "95"}
    signature = sign(
        stack.settings.twilio_base_url + "/twilio/voice/status",
        ended,
        stack.settings.twilio_token(),
    )
    status = gateway.post("/twilio/voice/status", data=ended, headers={SIGNATURE_HEADER: signature})
    assert status.status_code == 204
    with session_factory(stack.settings.bank_database_url)() as session:
        row = session.get(VoiceCall, call.sid)
        assert row.status == "completed" and row.duration_seconds == 95


def test_an_unsigned_call_is_refused(gateway: httpx.Client) -> None:
    reply = gateway.post("/twilio/voice", data={"CallSid": "CA" + "0" * 32, "From": MARGARET})
    assert reply.status_code == 403
