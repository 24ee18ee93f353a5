"""Whole conversations through the running stack: gateway -> Rasa -> actions -> bank."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import uuid

import httpx
import pytest

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

MARGARET, RAVI = "+15550100001", "+15550100002"


def balance_of(stack, phone: str, kind: str) -> int:  # noqa: ANN001
    bank = LedgerBankingService(session_factory(stack.settings.bank_database_url))
    customer = bank.find_customer_by_phone(phone)
    return bank.get_account(customer.id, kind).balance.minor


def dollars(minor: int) -> str:
    return f"${minor // 100:,}.{minor % 100:02d}"


def test_gateway_answers_health_and_readiness(gateway: httpx.Client) -> None:
    assert gateway.get("/healthz").json() == {"status": "ok"}
    ready = gateway.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True


def test_scripted_terminal_chat_reads_back_then_moves_fifty_dollars(stack) -> None:  # noqa: ANN001
    script = (
        "what is my balance\n2468\nsend 50 dollars to Tom from checking\nyes\n"
        "how much money do I have\n"
    )
    before = balance_of(stack, MARGARET, "checking")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "chat",
            "--phone",
            MARGARET,
            "--url",
            stack.settings.gateway_url,
        ],
        input=script,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    out = run.stdout
    first_balance = out.index(dollars(before))
    read_back = out.index("Send $50.00 to Tom from checking")
    after = out.index(dollars(before - 5000))
    assert first_balance < read_back < after, out
    assert "2468" not in out
    assert balance_of(stack, MARGARET, "checking") == before - 5000


def test_account_details_need_the_pin_first(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    turn = chat.say("bal pls")
    assert turn["awaiting_pin"] is True
    assert "$310.00" not in str(turn)


def test_a_wrong_pin_is_refused_kindly_and_counts_down(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    chat.say("what's my balance")
    answer = chat.say("9999")
    assert answer["awaiting_pin"] is True
    assert "not right" in answer["messages"][0]["text"]
    assert "4 tries left" in answer["messages"][0]["text"]
    assert "$310.00" in chat.text("1357")


def test_a_retried_yes_moves_money_once(stack, gateway: httpx.Client) -> None:  # noqa: ANN001
    chat = Chat(gateway, MARGARET)
    chat.say("what is my balance")
    chat.say("2468")
    assert "Send $20.00 to Linda from savings" in chat.text("send $20 to my daughter from savings")
    before = balance_of(stack, MARGARET, "savings")
    key = uuid.uuid4().hex
    first = chat.say("yes", client_message_id=key)
    again = chat.say("yes", client_message_id=key)
    assert first == again
    assert "sent $20.00 to Linda" in first["messages"][0]["text"]
    assert balance_of(stack, MARGARET, "savings") == before - 2000


def test_no_means_no_money_moves(stack, gateway: httpx.Client) -> None:  # noqa: ANN001
    chat = Chat(gateway, MARGARET)
    chat.say("hello")
    chat.say("pay the water bill")
    chat.say("2468")
    before = balance_of(stack, MARGARET, "checking")
    asked = chat.text("forty five dollars fifty")
    if "checking or savings" in asked:
        asked = chat.text("checking")
    assert "$45.50" in asked and "Riverside Water" in asked
    assert "not sent" in chat.text("no")
    assert balance_of(stack, MARGARET, "checking") == before


def test_cancel_stops_a_payment_half_way(gateway: httpx.Client) -> None:
    chat = Chat(gateway, MARGARET)
    chat.say("i want to send some money")
    chat.say("2468")
    assert "stopped" in chat.text("cancel").lower()


def test_repeat_says_the_last_answer_again(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    first = chat.text("hello")
    assert chat.text("say that again") == first


def test_gibberish_gets_a_rephrase_then_choices(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    assert "another way" in chat.text("qwzx plorf")
    assert "things I can do" in chat.text("vrrk mnbz")


def test_recent_payments_are_listed(gateway: httpx.Client) -> None:
    chat = Chat(gateway, MARGARET)
    chat.say("show me my recent payments")
    listing = chat.text("2468")
    assert "recent payments" in listing.lower()
    assert re.search(r"\$\d", listing)


def test_freezing_and_unfreezing_the_card(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    chat.say("freeze my card")
    assert "frozen" in chat.text("1357")
    assert "works again" in chat.text("unfreeze my card")


def test_an_unknown_number_is_answered_like_a_customer_with_a_wrong_pin(
    gateway: httpx.Client,
) -> None:
    """Nothing tells a stranger whether a number banks here."""
    stranger, customer = Chat(gateway, "+15550199999"), Chat(gateway, RAVI)
    assert stranger.text("what is my balance") == customer.text("what is my balance")
    assert stranger.text("9999") == customer.text("9999")
    customer.say("1357")  # the right PIN resets Ravi's count for the other tests


def test_the_pin_never_reaches_the_tracker_store_or_logs(stack, gateway) -> None:  # noqa: ANN001
    chat = Chat(gateway, MARGARET)
    chat.say("what's my balance")
    chat.say("2468")
    chat.say("my pin is 2468")
    pin = re.compile(rb"(?<![0-9A-Za-z.])2468(?![0-9A-Za-z.])")
    tracker = sqlite3.connect(stack.settings.home / "tracker.db")
    rows = tracker.execute("SELECT data FROM events").fetchall()
    tracker.close()
    assert rows, "the tracker store should hold the conversations"
    assert not [r for r in rows if pin.search(r[0].encode())]
    for log in (stack.settings.home / "logs").glob("*.log"):
        assert not pin.search(log.read_bytes()), log.name


def test_adding_a_payee_asks_one_question_at_a_time(gateway: httpx.Client) -> None:
    chat = Chat(gateway, RAVI)
    chat.say("I want to add a new payee")
    after_pin = chat.say("1357")["messages"]
    assert [m["text"] for m in after_pin][1:] == [
        "What is the name of the person or company you want to add?"
    ]
    assert "account number" in chat.text("Valley Vets")
    assert "Add Valley Vets, account ending 4321" in chat.text("9876 54321")
    assert "Valley Vets is now one of your saved people" in chat.text("yes")


def test_payments_to_a_payee_last_month_are_filtered(gateway: httpx.Client) -> None:
    chat = Chat(gateway, MARGARET)
    chat.say("what did I pay tom last month")
    listing = chat.text("2468")
    assert "with Tom" in listing
    assert "Pension" not in listing
