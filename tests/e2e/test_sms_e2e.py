"""SMS through the running stack: signed Twilio webhooks -> gateway -> Rasa -> actions -> bank."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from typing import Dict, List

import httpx
import pytest

from assistant.banking.service import LedgerBankingService
from assistant.conversations import ConversationStore
from assistant.db import session_factory
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.sms_records import SmsRecords
from assistant.messaging.sms_text import is_gsm7, segment_info
from assistant.money import format_money
from voice.security import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.e2e

RAVI, RAVI_PIN = "+15550100002", "1357"
SMS_PATH = "/twilio/sms"
MONEY = re.compile(r"-?\$[\d,]+\.\d\d")


def fresh_sms_state(stack, phone: str) -> None:  # noqa: ANN001
    """Start from an unverified conversation, opted in, whatever other e2e tests did."""
    sessions = session_factory(stack.settings.bank_database_url)
    conversations = ConversationStore(sessions)
    latest = conversations.latest("sms", phone, stack.settings.sms_session_minutes)
    if latest is not None:
        conversations.clear_verified(latest.id)
        conversations.clear_awaiting_pin(latest.id)
    OptOutStore(sessions).opt_in(phone)


def text(stack, http: httpx.Client, body: str, sid: str) -> List[str]:  # noqa: ANN001
    """Send ``body`` from Ravi's phone as Twilio would; the bank's replies."""
    params: Dict[str, str] = {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": sid,
        "From": RAVI,
        "To": stack.settings.twilio_number,
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign(
        stack.settings.twilio_base_url + SMS_PATH, params, stack.settings.twilio_token()
    )
    answer = http.post(SMS_PATH, data=params, headers={SIGNATURE_HEADER: signature})
    assert answer.status_code == 200, answer.text
    root = ET.fromstring(answer.text)  # noqa: S314 - TwiML from our own gateway
    assert root.tag == "Response"
    return [message.text or "" for message in root.iter("Message")]


def test_bal_asks_for_the_pin_and_the_pin_gets_the_balance_in_one_gsm7_segment(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    fresh_sms_state(stack, RAVI)
    bank = LedgerBankingService(session_factory(stack.settings.bank_database_url))
    ravi = bank.find_customer_by_phone(RAVI)

    (asked,) = text(stack, gateway, "BAL", "SM" + uuid.uuid4().hex)
    assert "PIN" in asked
    assert not MONEY.search(asked)

    pin_sid = "SM" + uuid.uuid4().hex
    (answer,) = text(stack, gateway, RAVI_PIN, pin_sid)
    balance = format_money(bank.get_account(ravi.id, "checking").balance, "en_US")
    assert MONEY.findall(answer) == [balance], answer  # the checking balance and nothing else
    assert RAVI_PIN not in answer
    assert is_gsm7(answer)
    assert segment_info(answer).segments == 1

    reply = SmsRecords(session_factory(stack.settings.bank_database_url)).reply_to(pin_sid)
    assert reply is not None
    assert (reply.segments, reply.encoding) == (1, "GSM-7")

    # Twilio retrying the PIN message gets the same answer, and nothing happens twice.
    assert text(stack, gateway, RAVI_PIN, pin_sid) == [answer]
