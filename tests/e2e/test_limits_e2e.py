"""Safety limits through the running stack (issue 10 item 5): set by the JSON API and by SMS
only after the PIN, read back and done on a plain yes; a loosening told when it starts and not
counting before; a payment by text refused in words when the customer chose none by text.

The stack is shared by every e2e test: each test here puts the customers' limits back as the
demo bank has them when it ends (in the store itself: the service would make a loosening wait).
"""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from sqlalchemy import update

from assistant.bank import safety_limits
from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from assistant.models import Customer, SafetyLimitChange
from tests.e2e.chat import Chat
from tests.e2e.test_sms_e2e import fresh_sms_state, text

pytestmark = pytest.mark.e2e

MARGARET, MARGARET_PIN = "+15550100001", "2468"
RAVI, RAVI_PIN = "+15550100002", "1357"


def sid() -> str:
    return "SM" + uuid.uuid4().hex


def limits_of(stack, phone: str):  # noqa: ANN001, ANN201
    sessions = session_factory(stack.settings.bank_database_url)
    customer = LedgerBankingService(sessions).find_customer_by_phone(phone)
    return safety_limits(sessions, stack.settings).limits(customer.id)


def balance(stack, phone: str) -> int:  # noqa: ANN001
    bank = LedgerBankingService(session_factory(stack.settings.bank_database_url))
    return bank.get_account(bank.find_customer_by_phone(phone).id, "checking").balance.minor


@pytest.fixture(autouse=True)
def _demo_limits_afterwards(stack) -> Iterator[None]:  # noqa: ANN001
    yield
    sessions = session_factory(stack.settings.bank_database_url)
    with sessions.begin() as session:
        session.execute(
            update(SafetyLimitChange)
            .where(SafetyLimitChange.state == "pending")
            .values(state="cancelled")
        )
        session.execute(
            update(Customer).values(
                daily_limit_sms_minor=None,
                daily_limit_voice_minor=None,
                daily_limit_web_minor=None,
                new_payee_cooling_off=False,
            )
        )
        session.execute(
            update(Customer).where(Customer.phone == MARGARET).values(cosign_above_minor=20000)
        )


def test_by_the_json_api_a_limit_needs_the_pin_a_read_back_and_a_plain_yes(
    stack,  # noqa: ANN001
    gateway,  # noqa: ANN001
) -> None:
    chat = Chat(gateway, MARGARET)
    asked = chat.text("please set a limit of 500 a day by phone")
    assert "PIN" in asked and "$500" not in asked, asked
    read_back = chat.text(MARGARET_PIN)
    assert "At most $500.00 a day for payments by phone, starting now." in read_back, read_back
    assert limits_of(stack, MARGARET).limits.daily_limit_voice is None

    # An answer that changes the amount is read back again; nothing changes meanwhile.
    again = chat.text("no, make it 400")
    assert "At most $400.00 a day for payments by phone, starting now." in again, again
    assert limits_of(stack, MARGARET).limits.daily_limit_voice is None

    done = chat.text("yes")
    assert "Done. At most $400.00 a day for payments by phone, from now on." in done, done
    assert limits_of(stack, MARGARET).limits.daily_limit_voice == 40000

    listed = chat.text("what are my limits")
    assert "At most $400.00 a day for payments by phone" in listed, listed
    assert "Your helper is asked first before any payment above $200.00" in listed, listed


def test_by_sms_no_payments_by_text_stops_a_payment_and_a_loosening_waits_a_day(
    stack,  # noqa: ANN001
    gateway,  # noqa: ANN001
) -> None:
    fresh_sms_state(stack, RAVI)
    asked = " ".join(text(stack, gateway, "no payments by text", sid()))
    assert "PIN" in asked, asked
    read_back = " ".join(text(stack, gateway, RAVI_PIN, sid()))
    assert "No payments by text, from now. Reply YES or NO." in read_back, read_back
    done = " ".join(text(stack, gateway, "YES", sid()))
    assert "Done. No payments by text, from now on." in done, done
    assert limits_of(stack, RAVI).limits.daily_limit_sms == 0

    before = balance(stack, RAVI)
    asked = " ".join(text(stack, gateway, "send 5 to Green Valley Feed", sid()))
    assert "Send $5.00 to Green Valley Feed" in asked, asked
    refused = " ".join(text(stack, gateway, "YES", sid()))
    assert "You chose no payments by text. Nothing was sent." in refused, refused
    assert balance(stack, RAVI) == before

    asked = " ".join(text(stack, gateway, "remove my text limit", sid()))
    assert "No limit by text, starting 24h after you say yes." in asked, asked
    done = " ".join(text(stack, gateway, "YES", sid()))
    assert "Done. No limit by text from tomorrow at " in done, done
    assert "If someone asked you to do this, call" in done, done
    view = limits_of(stack, RAVI)
    assert view.limits.daily_limit_sms == 0  # not yet
    assert [(p.name, p.value) for p in view.pending] == [("daily_limit_sms", None)]


def test_a_no_to_the_read_back_changes_nothing(stack, gateway) -> None:  # noqa: ANN001
    chat = Chat(gateway, MARGARET)
    chat.text("what is my balance")
    chat.text(MARGARET_PIN)
    read_back = chat.text("stop asking my helper")
    assert "Your helper is not asked first before payments." in read_back, read_back
    assert "starts 24 hours after you say yes" in read_back, read_back
    assert "OK. I have not changed your limits." in chat.text("no")
    view = limits_of(stack, MARGARET)
    assert (view.limits.cosign_above, view.pending) == (20000, ())
