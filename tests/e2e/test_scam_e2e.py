"""Scam intervention through the running stack (issue 10 item 3), with the bank's real policy
(its own stack: the shared one relaxes "several payments in a short time").

By text, scam-style payment requests in phrasings the model never trained on are paused with a
warning that names the scam, Linda (who receives alerts) is texted, and CANCEL stops the
payment; by phone, a "safe account" request is paused with its warning and a plain yes puts the
caller through to a person; a normal payment is not paused; the worker texts the notice before
the pause ends, and only then releases the payment.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Iterator

import httpx
import pytest
from sqlalchemy import select

from assistant.bank import banking_service
from assistant.db import session_factory
from assistant.processes import Stack
from assistant.worker.wiring import build_worker
from fraud.models import ScamIntervention
from tests.e2e.conftest import _start
from tests.e2e.portal_client import texted
from tests.e2e.test_helpers_e2e import MARGARET, PIN, sms
from tests.e2e.test_sms_e2e import fresh_sms_state
from tests.e2e.test_voice_e2e import Call, said

pytestmark = pytest.mark.e2e

LINDA, RAVI, RAVI_PIN = "+15550100003", "+15550100002", "1357"


@pytest.fixture(scope="module")
def scam_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from _start(tmp_path_factory.mktemp("scam"), {"ASSISTANT_SCAM_RAPID_COUNT": "3"})


@pytest.fixture
def http(scam_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scam_stack.settings.gateway_url, timeout=60) as client:
        yield client


def bank(stack: Stack):  # noqa: ANN201
    return banking_service(session_factory(stack.settings.bank_database_url), stack.settings)


def record_of(stack: Stack, reference: str) -> ScamIntervention:
    sessions = session_factory(stack.settings.bank_database_url)
    customer = bank(stack).find_customer_by_phone(MARGARET)
    hold = next(
        h
        for h in bank(stack).list_holds(customer.id, ("held", "cancelled", "released"))
        if h.reference == reference
    )
    with sessions() as session:
        return session.execute(
            select(ScamIntervention).where(ScamIntervention.held_payment_id == hold.id)
        ).scalar_one()


def newest_hold(stack: Stack, phone: str = MARGARET):  # noqa: ANN201
    service = bank(stack)
    customer = service.find_customer_by_phone(phone)
    holds = service.list_holds(customer.id, ("held", "cancelled", "released"))
    return holds[0] if holds else None


def verified_sms(stack: Stack, http: httpx.Client, body: str, phone: str, pin: str) -> str:
    reply = sms(stack, http, body, phone)
    if "PIN" in reply:
        reply = sms(stack, http, pin, phone)
    return reply


# Phrasings that are not in data/ (nor in tests/nlu_eval): the family, and the words that
# must name it in the warning.
SMS_FAMILIES = [
    (
        "send 45 to tom from checking, a lady from the tax office phoned and says i owe it",
        "impersonation",
        "tax office never phone",
    ),
    (
        "send 35 dollars to tom from checking, my grandson is locked up and needs bail",
        "relative_in_trouble",
        "relative in trouble",
    ),
    (
        "send 30 to tom from checking, they asked for it in amazon vouchers",
        "gift_cards",
        "gift cards or vouchers",
    ),
    (
        "send 40 to tom from checking, the computer fella on my laptop asked for it",
        "remote_access",
        "into your computer",
    ),
]


@pytest.mark.parametrize(("words", "scam", "named"), SMS_FAMILIES, ids=[f[1] for f in SMS_FAMILIES])
def test_by_text_a_scam_style_payment_is_paused_named_alerted_and_cancelled(
    scam_stack: Stack, http: httpx.Client, words: str, scam: str, named: str
) -> None:
    fresh_sms_state(scam_stack, MARGARET)
    read_back = verified_sms(scam_stack, http, words, MARGARET, PIN)
    assert "to Tom" in read_back, read_back
    answer = sms(scam_stack, http, "yes")
    assert named in answer, answer
    assert "Not sent yet" in answer and "Reply CANCEL" in answer, answer
    hold = newest_hold(scam_stack)
    assert hold.status == "held" and "cooling_off" in hold.pending
    record = record_of(scam_stack, hold.reference)
    assert (record.scam, record.action, record.channel) == (scam, "held", "sms")
    alert = texted(scam_stack.settings, LINDA, "paused a payment Margaret Chen asked for")
    assert "Tom" not in alert and "$" not in alert
    cancelled = sms(scam_stack, http, "CANCEL")
    assert "cancelled" in cancelled and "to Tom will not go" in cancelled, cancelled
    assert bank(scam_stack).get_hold(hold.id).status == "cancelled"
    assert record_of(scam_stack, hold.reference).outcome == "cancelled"


def test_by_text_a_story_told_after_the_request_counts_too(
    scam_stack: Stack, http: httpx.Client
) -> None:
    fresh_sms_state(scam_stack, MARGARET)
    read_back = verified_sms(scam_stack, http, "send 55 to tom from checking", MARGARET, PIN)
    assert "$55.00 to Tom" in read_back, read_back
    # Told between the request and the yes: the read-back is asked again, and the words count.
    again = sms(scam_stack, http, "someone rang and said my grandson is in prison")
    assert "$55.00 to Tom" in again, again
    answer = sms(scam_stack, http, "yes")
    assert "Not sent yet" in answer and "relative in trouble" in answer, answer
    hold = newest_hold(scam_stack)
    assert record_of(scam_stack, hold.reference).scam == "relative_in_trouble"
    sms(scam_stack, http, "CANCEL")


def test_a_normal_payment_by_text_is_not_paused(scam_stack: Stack, http: httpx.Client) -> None:
    fresh_sms_state(scam_stack, RAVI)
    read_back = verified_sms(
        scam_stack, http, "pay green valley feed 12 from checking", RAVI, RAVI_PIN
    )
    assert "$12.00" in read_back, read_back
    answer = sms(scam_stack, http, "yes", RAVI)
    assert "Sent $12.00" in answer and "Not sent" not in answer, answer


def test_by_phone_a_safe_account_request_is_paused_and_yes_reaches_a_person(
    scam_stack: Stack, http: httpx.Client
) -> None:
    call = Call(http, scam_stack, MARGARET)
    call.start()
    call.answer("what's my balance")
    call.answer(digits=PIN)
    read_back = said(
        call.answer(
            "send forty dollars to tom from checking the bank told me to keep my money safe"
        )
    )
    assert "Tom" in read_back, read_back
    heard = said(call.answer("yes"))
    assert "never ask you to move money to keep it safe" in heard, heard
    assert "Would you like to talk to a person now" in heard, heard
    hold = newest_hold(scam_stack)
    assert hold.status == "held" and record_of(scam_stack, hold.reference).channel == "voice"
    put_through = call.answer("yes")
    assert put_through.find("Dial") is not None or "call you back" in said(put_through), said(
        put_through
    )
    bank(scam_stack).cancel_hold(hold.customer_id, hold.id, actor="customer:test")


def test_the_notice_goes_first_and_then_the_pause_ends(
    scam_stack: Stack, http: httpx.Client
) -> None:
    fresh_sms_state(scam_stack, MARGARET)
    verified_sms(
        scam_stack,
        http,
        "send 26 to tom from checking, it's urgent, they need it right now",
        MARGARET,
        PIN,
    )
    answer = sms(scam_stack, http, "yes")
    assert "Not sent yet" in answer, answer
    hold = newest_hold(scam_stack)
    worker = build_worker(
        scam_stack.settings, session_factory(scam_stack.settings.bank_database_url)
    )
    worker.sweep_now(hold.deadline + timedelta(minutes=1))  # no notice yet: it waits
    assert bank(scam_stack).get_hold(hold.id).status == "held"
    notice = texted(scam_stack.settings, MARGARET, "reply CANCEL", timeout=90)
    assert "$26.00 to Tom" in notice
    worker.sweep_now(hold.deadline + timedelta(minutes=20))
    assert bank(scam_stack).get_hold(hold.id).status == "released"
    assert record_of(scam_stack, hold.reference).outcome == "released"
