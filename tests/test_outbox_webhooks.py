"""Twilio's webhooks about what the outbox sent, through the gateway app with real signatures:
delivery status callbacks for texts and calls recorded on their outbox message (21610 opts
out; an unknown sid or a bad signature changes nothing), and the TwiML of a call the bank
placed: its script said slowly, then 1 to hear it again, 0 for a person, nothing to end."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own TwiML
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant.db import dispose, session_factory
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.gateway.app import create_app
from assistant.messaging import outbox
from assistant.messaging.fake_twilio import FakeTwilio
from assistant.messaging.models import OutboxMessage
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.outbox_delivery import OutboxDelivery
from assistant.messaging.transport import TwilioTransport, account_sid
from assistant.settings import Settings
from assistant.texts import text
from assistant.worker.wiring import build_worker, outbox_call_url
from tests.fakes import FakeRasa, copy_of_bank
from voice.security import SIGNATURE_HEADER, sign

PUBLIC_BASE = "https://bank.example.org"
SCRIPT = "This is Kindly Bank with a warning. The police will never ask you to move money."
ALERT = "Kindly Bank: a payment of $50.00 to Tom was made from your checking account."
CHOICE = text("voice_outbox_choice", "voice")


@dataclass
class Twiml:
    root: ET.Element

    @property
    def said(self) -> List[str]:
        return ["".join(say.itertext()) for say in self.root.iter("Say")]

    @property
    def rates(self) -> List[str]:
        return [p.get("rate", "") for p in self.root.iter("prosody")]

    def verbs(self) -> List[str]:
        return [child.tag for child in self.root]


class Bank:
    """The gateway app, the loopback Twilio it sends through, and its outbox."""

    def __init__(self, settings: Settings, fake: FakeTwilio) -> None:
        self.settings, self.fake = settings, fake
        self.app = create_app(settings)
        self.app.state.turns.rasa = FakeRasa(self.app.state.turns.conversations)
        self.client = TestClient(self.app)
        self.sessions = session_factory(settings.bank_database_url)
        self.delivery = OutboxDelivery(
            settings,
            self.sessions,
            TwilioTransport(settings, self.sessions),
            call_url=outbox_call_url(settings),
        )

    def send(self, key: str, to: str, body: str, medium: str = "sms") -> OutboxMessage:
        customer = self.app.state.banking.find_customer_by_phone(to)
        with self.sessions() as session, session.begin():
            message_id = outbox.add(
                session,
                dedupe_key=key,
                to_phone=to,
                body=body,
                medium=medium,
                customer_id=customer.id if customer else None,
            )
        assert self.delivery.deliver_one(message_id).outcome == "sent"
        return self.row(message_id)

    def row(self, message_id: int) -> OutboxMessage:
        with self.sessions() as session:
            return session.get(OutboxMessage, message_id)

    def post(self, url: str, params: Dict[str, str], signature: Optional[str] = None) -> object:
        """POST ``url`` (as Twilio calls it, on the public base) signed, or with ``signature``."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        signed = sign(url, params, self.settings.twilio_token())
        return self.client.post(path, data=params, headers={SIGNATURE_HEADER: signature or signed})

    def callback(self, sid: str, status: str, error_code: Optional[str] = None) -> object:
        url, params = self.fake.status_params(sid, status, error_code)
        return self.post(url, params)

    def twiml(self, url: str, params: Dict[str, str]) -> Twiml:
        answer = self.post(url, params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/xml")
        return Twiml(ET.fromstring(answer.text))  # noqa: S314 - our own TwiML

    def answered(self, row: OutboxMessage, digits: Optional[str] = None) -> Twiml:
        """What Twilio fetches when the call is answered (or after the key ``digits``)."""
        url = outbox_call_url(self.settings)(row.id) + ("/key" if digits is not None else "")
        params = {
            "CallSid": row.provider_sid,
            "AccountSid": account_sid(self.settings),
            "From": self.settings.twilio_number,
            "To": row.to_phone,
            "Direction": "outbound-api",
        }
        if digits:
            params["Digits"] = digits
        return self.twiml(url, params)


@pytest.fixture
def bank(demo_template: Path, tmp_path: Path) -> Iterator[Bank]:
    url = copy_of_bank(demo_template, tmp_path)
    token = "outbox-webhook-token"  # noqa: S105 - a test value
    with FakeTwilio("AC" + "5" * 32, token) as fake:
        settings = Settings(
            database_url=url,
            home=tmp_path / "home",
            rasa_token="test-token",
            twilio_account_sid="AC" + "5" * 32,
            twilio_auth_token=token,
            twilio_transport="loopback",
            twilio_api_base=fake.base_url,
            public_base_url=PUBLIC_BASE,
            call_centre_number="+15550100999",
        )
        bank = Bank(settings, fake)
        yield bank
        bank.delivery.close()
        bank.app.state.rasa.close()
    dispose(url)


# ---- delivery status of texts -------------------------------------------------------------------


def test_a_texts_status_callbacks_are_recorded_on_its_outbox_message(bank: Bank) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    assert bank.callback(row.provider_sid, "sent").status_code == 200
    assert bank.row(row.id).delivery_status == "sent"
    assert bank.callback(row.provider_sid, "delivered").status_code == 200
    assert bank.callback(row.provider_sid, "sent").status_code == 200  # late, out of order
    after = bank.row(row.id)
    assert (after.status, after.delivery_status) == ("sent", "delivered")


def test_an_undelivered_text_keeps_its_error_code(bank: Bank) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    bank.callback(row.provider_sid, "undelivered", "30003")
    after = bank.row(row.id)
    assert (after.status, after.delivery_status, after.error_code) == (
        "sent",
        "undelivered",
        "30003",
    )


def test_21610_in_a_status_callback_means_the_number_opted_out(bank: Bank) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    assert bank.callback(row.provider_sid, "failed", "21610").status_code == 200
    after = bank.row(row.id)
    assert (after.status, after.error_code) == ("opted_out", "21610")
    assert OptOutStore(bank.sessions).is_opted_out(RAVI_PHONE)


def test_a_callback_for_a_sid_no_outbox_message_has_changes_nothing_and_gets_200(
    bank: Bank,
) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    stranger = "SM" + "f" * 32
    params = {
        "AccountSid": account_sid(bank.settings),
        "MessageSid": stranger,
        "MessageStatus": "delivered",
        "To": RAVI_PHONE,
    }
    url = f"{PUBLIC_BASE}/twilio/sms/status?outbox={row.id}"
    answer = bank.post(url, params)
    assert answer.status_code == 200 and "<Response" in answer.text
    after = bank.row(row.id)
    assert (after.provider_sid, after.delivery_status) == (row.provider_sid, None)


def test_a_status_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    bank: Bank,
) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    url, params = bank.fake.status_params(row.provider_sid, "failed", "21610")
    assert bank.post(url, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    forged = dict(params, ErrorCode="30003")  # signed for other fields
    signed = sign(url, params, bank.settings.twilio_token())
    assert bank.post(url, forged, signature=signed).status_code == 403
    after = bank.row(row.id)
    assert (after.status, after.delivery_status, after.error_code) == ("sent", None, None)
    assert not OptOutStore(bank.sessions).is_opted_out(RAVI_PHONE)


def test_a_malformed_outbox_id_in_a_callback_url_gets_a_400(bank: Bank) -> None:
    row = bank.send("alert:1", RAVI_PHONE, ALERT)
    url, params = bank.fake.status_params(row.provider_sid, "delivered")
    assert bank.post(url.replace(f"outbox={row.id}", "outbox=x1"), params).status_code == 400
    assert bank.row(row.id).delivery_status is None


# ---- a call the bank places ----------------------------------------------------------------------


def test_the_answered_call_says_its_script_slowly_then_offers_one_key(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    (call,) = bank.fake.calls
    assert call.params["Url"] == f"{PUBLIC_BASE}/twilio/voice/outbox/{row.id}"
    twiml = bank.answered(row)
    assert twiml.verbs() == ["Pause", "Say", "Gather"]
    assert twiml.said == [SCRIPT, CHOICE]
    assert twiml.rates == ["70%", "70%"]  # Margaret's pace is slow: one step slower still
    gather = twiml.root.find("Gather")
    assert (gather.get("input"), gather.get("numDigits")) == ("dtmf", "1")
    assert gather.get("action") == f"/twilio/voice/outbox/{row.id}/key"
    assert gather.get("actionOnEmptyResult") == "true"


def test_a_customer_at_the_usual_pace_hears_it_one_step_slower(bank: Bank) -> None:
    row = bank.send("warning:2", RAVI_PHONE, SCRIPT, medium="call")
    assert bank.answered(row).rates == ["80%", "80%"]


def test_one_says_it_again_and_zero_puts_the_customer_through_to_a_person(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    again = bank.answered(row, digits="1")
    assert again.verbs() == ["Say", "Gather"] and again.said == [SCRIPT, CHOICE]

    person = bank.answered(row, digits="0")
    assert person.verbs() == ["Say", "Dial", "Say", "Hangup"]
    dial = person.root.find("Dial")
    assert "".join(dial.itertext()).strip() == "+15550100999"
    assert dial.get("callerId") == MARGARET_PHONE
    assert person.said[0] == text("voice_transferring", "voice")


def test_no_key_says_goodbye_and_hangs_up_and_another_key_asks_again(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    silence = bank.answered(row, digits="")
    assert silence.verbs() == ["Say", "Hangup"]
    assert silence.said == [text("voice_outbox_goodbye", "voice")]
    other = bank.answered(row, digits="5")
    assert other.verbs() == ["Say", "Gather"]
    assert other.said == [text("voice_outbox_unknown_key", "voice"), CHOICE]


def test_the_calls_statuses_are_recorded_and_its_last_one_clears_the_script(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    for status in ("initiated", "ringing", "in-progress"):
        assert bank.callback(row.provider_sid, status).status_code == 204
    assert bank.row(row.id).body == SCRIPT
    assert bank.callback(row.provider_sid, "completed").status_code == 204
    after = bank.row(row.id)
    assert (after.delivery_status, after.body) == ("completed", "")
    gone = bank.answered(row, digits="1")
    assert gone.verbs() == ["Say", "Hangup"]
    assert gone.said == [text("voice_outbox_gone", "voice")]


def test_a_busy_or_unanswered_call_counts_as_failed_in_its_batch(bank: Bank) -> None:
    with bank.sessions() as session, session.begin():
        outbox.add_many(
            session,
            [
                {
                    "dedupe_key": f"w:{n}",
                    "to_phone": phone,
                    "body": SCRIPT,
                    "medium": "call",
                    "batch": "broadcast:3",
                }
                for n, phone in enumerate([MARGARET_PHONE, RAVI_PHONE])
            ],
        )
    assert bank.delivery.run_due("call").outcomes == {"sent": 2}
    first, second = bank.fake.calls
    bank.callback(first.sid, "busy")
    bank.callback(second.sid, "completed")
    with bank.sessions() as session:
        progress = outbox.batch_progress(session, "broadcast:3")
    assert (progress["failed"], progress["delivered"]) == (1, 1)


def test_a_call_status_for_an_unknown_sid_changes_nothing(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    params = {
        "AccountSid": account_sid(bank.settings),
        "CallSid": "CA" + "e" * 32,
        "CallStatus": "completed",
        "To": MARGARET_PHONE,
    }
    answer = bank.post(f"{PUBLIC_BASE}/twilio/voice/status?outbox={row.id}", params)
    assert answer.status_code == 204
    assert (bank.row(row.id).delivery_status, bank.row(row.id).body) == (None, SCRIPT)


def test_the_call_webhooks_refuse_a_bad_signature(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    url = outbox_call_url(bank.settings)(row.id)
    params = {"CallSid": row.provider_sid, "To": MARGARET_PHONE}
    answer = bank.post(url, params, signature="bm90IGEgc2lnbmF0dXJl")
    assert answer.status_code == 403 and SCRIPT not in answer.text
    status_url, status = bank.fake.status_params(row.provider_sid, "completed")
    assert bank.post(status_url, status, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert bank.row(row.id).body == SCRIPT


def test_a_text_or_an_unknown_message_is_never_read_out(bank: Bank) -> None:
    text_row = bank.send("alert:1", RAVI_PHONE, ALERT)
    params = {"CallSid": "CA" + "1" * 32, "To": RAVI_PHONE}
    for message_id in (text_row.id, 999_999):
        twiml = bank.twiml(outbox_call_url(bank.settings)(message_id), params)
        assert twiml.said == [text("voice_outbox_gone", "voice")]
        assert ALERT not in "".join(twiml.said)


def test_the_worker_points_twilio_at_this_route(bank: Bank) -> None:
    worker = build_worker(bank.settings, bank.sessions)
    try:
        assert worker.call_url(12) == f"{PUBLIC_BASE}/twilio/voice/outbox/12"
    finally:
        worker.close()


def test_outbox_reads_are_what_the_voice_channel_sees(bank: Bank) -> None:
    row = bank.send("warning:1", MARGARET_PHONE, SCRIPT, medium="call")
    script = outbox.call_script(bank.sessions, row.id)
    assert script is not None
    assert (script.body, script.locale, script.speech_rate) == (SCRIPT, "en_US", "slow")
