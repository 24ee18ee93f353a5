"""The family-helper journey through the running stack, as the issue checks it (issue 9).

Margaret invites her grandson Sam by text; the worker delivers his code through the loopback
Twilio; Sam accepts in the helper portal and sees nothing until Margaret says yes at a pause in
her next texts; then he sees exactly what she granted. A $300 payment by Margaret waits; Linda
approves it in the portal and the money moves once; a decline and a time-out each cancel one;
"remove my helper" cuts Sam off on his next page; "who looked at my account" names the views;
and no id typed into a portal address reaches another customer's data.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from assistant.bank import banking_service
from assistant.db import session_factory
from assistant.worker.wiring import build_worker
from tests.e2e.portal_client import Portal, texted, texted_code, words
from tests.e2e.test_helpers_e2e import MARGARET, PIN, margaret_id, sms
from tests.e2e.test_sms_e2e import fresh_sms_state

pytestmark = pytest.mark.e2e

SAM = "+15550100066"
LINDA = "+15550100003"
RAVI = "+15550100002"


def bank(stack):  # noqa: ANN001, ANN201
    return banking_service(session_factory(stack.settings.bank_database_url), stack.settings)


def checking(stack) -> tuple:  # noqa: ANN001
    account = bank(stack).get_account(margaret_id(stack), "checking")
    return account.balance.minor, account.held.minor


def pay_tom(stack, http: httpx.Client, dollars: int) -> str:  # noqa: ANN001
    """Margaret texts a payment to Tom and says yes to its read-back; the bank's answer."""
    read_back = sms(stack, http, f"send {dollars} to Tom from checking")
    assert f"${dollars}.00 to Tom" in read_back, read_back
    return sms(stack, http, "yes")


def waiting_hold(stack, dollars: int):  # noqa: ANN001, ANN201
    (hold,) = [
        h for h in bank(stack).list_holds(margaret_id(stack)) if h.amount.minor == dollars * 100
    ]
    return hold


def test_a_relative_invited_by_text_accepts_in_the_portal_and_helps_within_what_was_granted(
    stack,  # noqa: ANN001
    gateway: httpx.Client,
) -> None:
    customer = margaret_id(stack)
    fresh_sms_state(stack, MARGARET)
    # Margaret invites Sam by text: his balance and alerts only.
    assert "PIN" in sms(stack, gateway, "add my grandson as a helper")
    sms(stack, gateway, PIN)
    sms(stack, gateway, "Sam")
    sms(stack, gateway, "555 010 0066")
    sms(stack, gateway, "yes")
    sms(stack, gateway, "1 3")
    assert "Sam" in sms(stack, gateway, "yes")
    code, _ = texted_code(stack.settings, SAM)

    sam = Portal(stack.settings)
    linda = Portal(stack.settings)
    try:
        home = sam.sign_in(SAM, code)
        assert home.status_code == 200 and "/helper" in str(home.url)
        assert "Margaret Chen" in words(home.text)
        # Nothing is visible before Margaret says yes.
        assert sam.get(f"/helper/customers/{customer}/balance").status_code == 404

        # At a pause in her next texts Margaret is asked, and says yes.
        asked = sms(stack, gateway, "BAL")
        assert "Sam" in asked and "yes or no" in asked.lower(), asked
        assert "Sam" in sms(stack, gateway, "yes")

        # Sam sees exactly what was granted.
        balance = sam.get(f"/helper/customers/{customer}/balance")
        assert balance.status_code == 200 and "0017" in words(balance.text)
        assert "1100100017" not in balance.text
        assert sam.get(f"/helper/customers/{customer}/alerts").status_code == 200
        for page in ("payments", "approvals"):
            assert sam.get(f"/helper/customers/{customer}/{page}").status_code == 404

        # A $300 payment waits for Linda; she approves it in the portal: it moves once.
        before, _ = checking(stack)
        held = pay_tom(stack, gateway, 300)
        assert "Linda" in held and "sent" not in held.lower(), held
        assert checking(stack) == (before, 30000)
        hold = waiting_hold(stack, 300)
        # Linda is texted at once (not at the worker's next sweep), Sam (alerts only) without
        # the amount or the payee.
        assert "Tom" in texted(stack.settings, LINDA, "$300.00")
        assert "300" not in texted(stack.settings, SAM, "waiting for approval")
        linda.sign_in(LINDA)
        approvals = linda.get(f"/helper/customers/{customer}/approvals")
        assert "$300.00" in words(approvals.text) and "Tom" in words(approvals.text)
        page = f"/helper/customers/{customer}/approvals/{hold.id}"
        approved = linda.post(page, {"decision": "approve", "note": "fine, mum"})
        assert approved.status_code == 200 and "approved" in words(approved.text).lower()
        again = linda.post(page, {"decision": "approve"})
        assert again.status_code == 200
        assert checking(stack) == (before - 30000, 0)
        assert bank(stack).get_hold(hold.id).status == "released"

        # A decline cancels one, and so does nobody answering in time.
        pay_tom(stack, gateway, 250)
        declined = waiting_hold(stack, 250)
        linda.post(f"/helper/customers/{customer}/approvals/{declined.id}", {"decision": "decline"})
        pay_tom(stack, gateway, 210)
        late = waiting_hold(stack, 210)
        worker = build_worker(stack.settings, session_factory(stack.settings.bank_database_url))
        worker.sweep_now(late.deadline + timedelta(minutes=1))
        assert bank(stack).get_hold(declined.id).status == "declined"
        assert bank(stack).get_hold(late.id).status == "expired"
        assert checking(stack) == (before - 30000, 0)

        # "Who looked at my account" names the helpers' views.
        looked = sms(stack, gateway, "who looked at my account")
        assert "looked at your balance" in looked, looked

        # No id reaches another customer's data.
        ravi = bank(stack).find_customer_by_phone(RAVI).id
        for path in ("balance", "payments", "alerts", "approvals", f"approvals/{hold.id}"):
            assert linda.get(f"/helper/customers/{ravi}/{path}").status_code == 404

        # "Remove my helper": Sam's open page loses access on his next request.
        sms(stack, gateway, "remove Sam as my helper")
        removed = sms(stack, gateway, "yes")
        assert "Sam" in removed, removed
        assert sam.get(f"/helper/customers/{customer}/balance").status_code == 404
    finally:
        sam.close()
        linda.close()
