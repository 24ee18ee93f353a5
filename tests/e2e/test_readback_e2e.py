"""Only a plain yes to an unchanged read-back moves money: through the running stack.

At "Send $5.00 to Tom from checking. Shall I do that?", "yes 300 dollars" used to send $300,
"yes but to linda" sent to Linda, "yes from savings" and "ok 40" went straight through.
"""

from __future__ import annotations

import uuid

import pytest

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from tests.e2e.chat import Chat
from tests.e2e.test_sms_e2e import fresh_sms_state, text

pytestmark = pytest.mark.e2e

MARGARET, MARGARET_PIN = "+15550100001", "2468"
RAVI, RAVI_PIN = "+15550100002", "1357"


def balances(stack, phone: str) -> dict:  # noqa: ANN001
    bank = LedgerBankingService(session_factory(stack.settings.bank_database_url))
    customer = bank.find_customer_by_phone(phone)
    return {a.kind: a.balance.minor for a in bank.list_accounts(customer.id)}


def held(stack, phone: str) -> int:  # noqa: ANN001
    """Money of the customer's kept aside for payments that wait."""
    bank = LedgerBankingService(session_factory(stack.settings.bank_database_url))
    customer = bank.find_customer_by_phone(phone)
    return sum(a.held.minor for a in bank.list_accounts(customer.id))


def verified_chat(gateway, phone: str = MARGARET, pin: str = MARGARET_PIN) -> Chat:  # noqa: ANN001
    chat = Chat(gateway, phone)
    chat.say("what is my balance")
    assert "right" in chat.text(pin)
    return chat


@pytest.mark.parametrize(
    ("change", "read_back_again"),
    [
        ("yes 300 dollars", "Send $300.00 to Tom from checking"),
        ("yes 150 dollars", "Send $150.00 to Tom from checking"),
        ("yes but to linda", "Send $5.00 to Linda from checking"),
        ("yes from savings", "Send $5.00 to Tom from savings"),
        ("ok 40", "Send $40.00 to Tom from checking"),
        ("no, make it 7 dollars", "Send $7.00 to Tom from checking"),
        ("actually make that 30", "Send $30.00 to Tom from checking"),
        ("hmm can it be 35 instead", "Send $35.00 to Tom from checking"),
    ],
)
def test_an_answer_that_carries_a_change_is_read_back_and_moves_nothing(
    stack,  # noqa: ANN001
    gateway,  # noqa: ANN001
    change: str,
    read_back_again: str,
) -> None:
    chat = verified_chat(gateway)
    assert "Send $5.00 to Tom from checking" in chat.text("send 5 dollars to Tom from checking")
    before = balances(stack, MARGARET)
    answer = chat.text(change)
    assert read_back_again in answer, answer
    assert "Done" not in answer
    assert balances(stack, MARGARET) == before
    done = chat.text("yes")
    if "300" in change:
        # Above Margaret's co-sign amount ($200): the plain yes makes it wait for Linda.
        assert "waits for Linda Chen to approve it" in done, done
        assert held(stack, MARGARET) == 30000
        cancelled = chat.text("cancel the waiting payment")
        assert "Cancel the payment of $300.00 to Tom?" in cancelled, cancelled
        chat.text("yes")
        assert held(stack, MARGARET) == 0
        return
    assert "Done" in done, done
    assert balances(stack, MARGARET) != before


def test_by_sms_yes_250_is_read_back_not_sent(stack, gateway) -> None:  # noqa: ANN001
    fresh_sms_state(stack, RAVI)
    sid = lambda: "SM" + uuid.uuid4().hex  # noqa: E731
    text(stack, gateway, "BAL", sid())
    text(stack, gateway, RAVI_PIN, sid())
    asked = " ".join(text(stack, gateway, "send 5 to Green Valley Feed", sid()))
    assert "Send $5.00 to Green Valley Feed" in asked, asked
    before = balances(stack, RAVI)
    again = " ".join(text(stack, gateway, "YES 250", sid()))
    assert "Send $250.00 to Green Valley Feed" in again, again
    assert balances(stack, RAVI) == before
    assert "NO" in again or "no" in again
    text(stack, gateway, "NO", sid())
    assert balances(stack, RAVI) == before


def test_only_the_very_next_message_can_confirm(stack, gateway) -> None:  # noqa: ANN001
    chat = verified_chat(gateway)
    chat.text("send 5 dollars to Tom from checking")
    before = balances(stack, MARGARET)
    assert "$" in chat.text("what is my balance")
    # The form comes back to the read-back: a new one, which a plain yes can answer.
    assert "Done" in chat.text("yes")
    assert balances(stack, MARGARET)["checking"] == before["checking"] - 500
