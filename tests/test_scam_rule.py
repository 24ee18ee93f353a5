"""The scam rule in the payment service (fraud.scam_rule) and the cooling-off's end
(fraud.cooling_off): which payments pause, what is recorded, and how a pause ends.

Ravi pays Green Valley Feed about $300 every month (his largest payment in 90 days: $312.75);
Margaret pays Tom and her bills, has Linda as a helper who receives alerts and approves
payments above $200.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from assistant.bank import banking_service
from assistant.banking import LedgerBankingService
from assistant.banking.holds import COOLING_OFF, COSIGN
from assistant.db import utcnow
from assistant.messaging.models import OutboxMessage
from assistant.models import Customer, Payee
from assistant.money import Money
from assistant.settings import get_settings
from family.links.models import Helper
from family.links.service import FamilyLinks
from fraud.cooling_off import CoolingOff, notice_key
from fraud.interventions import Interventions
from fraud.models import ScamIntervention
from fraud.scam_rule import ScamPolicy, ScamRule

HOUR = timedelta(hours=1)
FEED = "Green Valley Feed"


@pytest.fixture
def bank(demo_sessions: sessionmaker) -> LedgerBankingService:
    """The ledger as every process builds it: co-sign and scam rules, the notice gate."""
    return banking_service(demo_sessions)


@pytest.fixture
def cooling(demo_sessions: sessionmaker, bank: LedgerBankingService) -> CoolingOff:
    return CoolingOff(demo_sessions, get_settings(), bank)


def payee_id(bank: LedgerBankingService, customer_id: int, name: str) -> int:
    return next(p.id for p in bank.list_payees(customer_id) if p.name == name)


def interventions(sessions: sessionmaker) -> list[ScamIntervention]:
    with sessions() as session:
        return list(
            session.execute(select(ScamIntervention).order_by(ScamIntervention.id)).scalars()
        )


def pay(bank, customer_id, name, dollars, key, **asked):  # noqa: ANN001, ANN201
    return bank.pay_payee(
        customer_id,
        "checking",
        payee_id(bank, customer_id, name),
        Money(dollars * 100),
        key,
        **asked,
    )


def new_payee(bank: LedgerBankingService, customer_id: int, name: str = "Jim Stranger") -> str:
    bank.add_payee(customer_id, name, "99887766")
    return name


# ---- what pauses -------------------------------------------------------------------------


def test_a_normal_payment_to_a_long_standing_payee_is_not_held(bank, demo_sessions, ravi_id):
    receipt = pay(bank, ravi_id, FEED, 290, "feed-290", channel="sms")
    assert receipt.held is False
    assert interventions(demo_sessions) == []


def test_a_scam_signal_in_the_words_pauses_a_payment_and_names_the_scam(
    bank, demo_sessions, ravi_id
):
    before = utcnow()
    receipt = pay(
        bank,
        ravi_id,
        FEED,
        100,
        "feed-safe",
        channel="sms",
        signals=["told_by_caller", "safe_account"],
    )
    assert receipt.held is True and receipt.hold_conditions == (COOLING_OFF,)
    assert before + 24 * HOUR <= receipt.hold_deadline <= utcnow() + 24 * HOUR
    (record,) = interventions(demo_sessions)
    assert record.action == "held" and record.outcome == "pending"
    assert record.scam == "safe_account"  # the more telling of the two
    assert record.signals == ["told_by_caller", "safe_account"]
    assert record.channel == "sms" and record.amount_minor == 10000
    assert Interventions(demo_sessions).for_hold(ravi_id, receipt.reference).scam == "safe_account"


def test_words_with_a_signal_under_the_floor_only_warn(bank, demo_sessions, ravi_id):
    receipt = pay(bank, ravi_id, FEED, 20, "feed-20", channel="voice", signals=["gift_cards"])
    assert receipt.held is False
    (record,) = interventions(demo_sessions)
    assert (record.action, record.scam, record.held_payment_id) == ("warned", "gift_cards", None)


def test_unknown_signal_names_from_a_channel_are_ignored(bank, demo_sessions, ravi_id):
    assert pay(bank, ravi_id, FEED, 100, "feed-odd", signals=["<script>"]).held is False
    assert interventions(demo_sessions) == []


def test_a_first_payment_to_a_new_payee_over_200_cools_off(bank, demo_sessions, ravi_id):
    name = new_payee(bank, ravi_id)
    receipt = pay(bank, ravi_id, name, 250, "jim-250", channel="web")
    assert receipt.held is True and receipt.hold_conditions == (COOLING_OFF,)
    (record,) = interventions(demo_sessions)
    assert record.signals == ["new_payee", "recent_payee"]
    assert (record.action, record.scam) == ("held", "unusual_payment")


def test_a_small_first_payment_to_a_payee_added_today_warns(bank, demo_sessions, ravi_id):
    name = new_payee(bank, ravi_id)
    assert pay(bank, ravi_id, name, 150, "jim-150").held is False
    (record,) = interventions(demo_sessions)
    assert record.action == "warned" and "recent_payee" in record.signals


def test_a_small_first_payment_to_a_payee_added_long_ago_is_ordinary(bank, demo_sessions, ravi_id):
    name = new_payee(bank, ravi_id)
    with demo_sessions() as session, session.begin():
        session.execute(
            update(Payee).where(Payee.name == name).values(created_at=utcnow() - 30 * 24 * HOUR)
        )
    assert pay(bank, ravi_id, name, 150, "jim-old").held is False
    assert interventions(demo_sessions) == []


def test_an_unusual_amount_warns_and_holds_when_the_bank_says_so(bank, demo_sessions, margaret_id):
    # Margaret's largest payment in 90 days is a $91.15 bill; no co-sign for this test.
    with demo_sessions() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == margaret_id).values(cosign_above_minor=None)
        )
    assert pay(bank, margaret_id, "Tom", 280, "tom-280").held is False  # over 3 x $91.15
    (record,) = interventions(demo_sessions)
    assert record.action == "warned" and record.signals == ["unusual_amount"]
    strict = ScamRule(ScamPolicy(hold_unusual_amount=True))
    stricter = LedgerBankingService(demo_sessions, hold_rules=(strict,), observers=(strict,))
    assert pay(stricter, margaret_id, "Tom", 900, "tom-900").held is True  # over 3 x $280


def test_several_payments_in_a_short_time_pause_the_third(bank, demo_sessions, ravi_id):
    assert pay(bank, ravi_id, FEED, 30, "r1").held is False
    assert pay(bank, ravi_id, FEED, 30, "r2").held is False
    third = pay(bank, ravi_id, FEED, 30, "r3")
    assert third.held is True
    (record,) = interventions(demo_sessions)
    assert record.signals == ["rapid_payments"] and record.action == "held"


def test_small_payments_in_a_short_time_are_not_paused(bank, demo_sessions, ravi_id):
    """Below the floor ($25) quick payments move; the account watch alerts on the burst."""
    for n in range(4):
        assert pay(bank, ravi_id, FEED, 5, f"small-{n}").held is False
    assert interventions(demo_sessions) == []


def test_a_customer_who_asked_for_it_has_every_new_payee_cool_off(bank, demo_sessions, ravi_id):
    with demo_sessions() as session, session.begin():
        session.execute(
            update(Customer).where(Customer.id == ravi_id).values(new_payee_cooling_off=True)
        )
    name = new_payee(bank, ravi_id)
    assert pay(bank, ravi_id, name, 5, "jim-5").held is True
    assert pay(bank, ravi_id, FEED, 5, "feed-5").held is False  # not a new payee
    (record,) = interventions(demo_sessions)
    assert record.scam == "new_payee_pause" and "customer_choice" in record.signals


def test_moving_money_between_own_accounts_never_pauses(bank, demo_sessions, margaret_id):
    receipt = bank.transfer_between_accounts(
        margaret_id, "savings", "checking", Money(90000), "own", signals=["safe_account"]
    )
    assert receipt.held is False
    assert interventions(demo_sessions) == []


def test_a_retry_is_the_same_payment_whatever_signals_it_carries(bank, demo_sessions, ravi_id):
    first = pay(bank, ravi_id, FEED, 100, "same", signals=["crypto"])
    again = pay(bank, ravi_id, FEED, 100, "same")
    assert first.held and again.held and again.reference == first.reference
    assert len(interventions(demo_sessions)) == 1


# ---- how a pause ends ----------------------------------------------------------------------


def _held(bank, ravi_id) -> tuple[int, datetime]:  # noqa: ANN001
    receipt = pay(bank, ravi_id, FEED, 100, "paused", signals=["urgency"])
    hold = bank.list_holds(ravi_id)[0]
    assert hold.reference == receipt.reference
    return hold.id, hold.deadline


def _mark_sent(sessions: sessionmaker, hold_id: int, at: datetime) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == notice_key(hold_id))
            .values(status="sent", finished_at=at)
        )


def test_the_customer_is_told_before_the_end_and_only_then_is_it_released(
    bank, cooling, demo_sessions, ravi_id
):
    hold_id, deadline = _held(bank, ravi_id)
    assert cooling.send_notices(deadline - 2 * HOUR) == 0  # not yet: an hour before
    # The deadline passes with no notice sent (the worker was down): it keeps waiting.
    assert bank.expire_due_holds(deadline + HOUR) == 0
    assert bank.get_hold(hold_id).status == "held"
    assert cooling.send_notices(deadline - 30 * timedelta(minutes=1)) == 1
    assert cooling.send_notices(deadline) == 0  # once
    with demo_sessions() as session:
        notice = session.execute(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == notice_key(hold_id))
        ).scalar_one()
    assert notice.to_phone == "+15550100002" and notice.purpose == "cooling_off_notice"
    assert "$100.00 to Green Valley Feed" in notice.body and "reply CANCEL" in notice.body
    _mark_sent(demo_sessions, hold_id, deadline - 30 * timedelta(minutes=1))
    assert bank.expire_due_holds(deadline - timedelta(minutes=1)) == 0  # not over yet
    assert bank.expire_due_holds(deadline) == 1
    hold = bank.get_hold(hold_id)
    assert hold.status == "released" and hold.transaction_reference == hold.reference
    (record,) = interventions(demo_sessions)
    assert record.outcome == "released" and record.outcome_at == deadline


def test_a_late_notice_still_leaves_time_to_cancel(bank, cooling, demo_sessions, ravi_id):
    hold_id, deadline = _held(bank, ravi_id)
    cooling.send_notices(deadline + HOUR)
    _mark_sent(demo_sessions, hold_id, deadline + HOUR)
    assert bank.expire_due_holds(deadline + HOUR + timedelta(minutes=5)) == 0
    assert bank.expire_due_holds(deadline + HOUR + timedelta(minutes=10)) == 1


def test_cancel_by_text_stops_it_and_the_record_follows(bank, cooling, demo_sessions, ravi_id):
    hold_id, _ = _held(bank, ravi_id)
    assert cooling.has_cancellable("+15550100002") is True
    (cancelled,) = cooling.cancel_by_text("+15550100002")
    assert cancelled.id == hold_id and cancelled.status == "cancelled"
    assert cooling.has_cancellable("+15550100002") is False
    assert cooling.cancel_by_text("+15550100002") == []
    assert cooling.cancel_by_text("+15559999999") == []  # a number that banks nowhere here
    (record,) = interventions(demo_sessions)
    assert record.outcome == "cancelled"


def test_a_helper_who_receives_alerts_is_texted_once_without_amount_or_payee(
    bank, cooling, demo_sessions, margaret_id
):
    receipt = pay(bank, margaret_id, "Tom", 60, "tom-60", signals=["relative_in_trouble"])
    assert receipt.held and receipt.hold_conditions == (COOLING_OFF,)
    assert cooling.alert_helpers(customer_id=margaret_id) == 1
    assert cooling.alert_helpers() == 0
    with demo_sessions() as session:
        (text,) = session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == "scam_alert")
        ).scalars()
        linda = session.execute(select(Helper)).scalar_one()
    assert text.to_phone == linda.phone
    assert "Margaret Chen" in text.body and "relative in trouble" in text.body
    assert "$60" not in text.body and "Tom" not in text.body


def test_a_helpers_approval_releases_a_paused_payment(bank, demo_sessions, margaret_id):
    # A first payment to Linda over $200: her co-sign and a cooling-off; her yes ends both.
    receipt = pay(bank, margaret_id, "Linda", 300, "linda-300")
    assert set(receipt.hold_conditions) == {COSIGN, COOLING_OFF}
    family = FamilyLinks(demo_sessions, get_settings(), banking=bank)
    with demo_sessions() as session:
        helper_id = session.execute(select(Helper.id)).scalar_one()
    (item,) = family.pending_approvals(helper_id)
    answer = family.answer_approval(helper_id, item.hold_id, approve=True)
    assert answer.outcome.result == "released"
    (record,) = interventions(demo_sessions)
    assert record.outcome == "released"


def test_a_paused_payment_alone_waits_for_an_approver_too(bank, demo_sessions, margaret_id):
    receipt = pay(bank, margaret_id, "Tom", 60, "tom-crypto", signals=["crypto"])
    family = FamilyLinks(demo_sessions, get_settings(), banking=bank)
    with demo_sessions() as session:
        helper_id = session.execute(select(Helper.id)).scalar_one()
    (item,) = family.pending_approvals(helper_id)
    assert item.hold.reference == receipt.reference and item.waiting
    assert family.answer_approval(helper_id, item.hold_id, approve=False).outcome.result == (
        "declined"
    )
    (record,) = interventions(demo_sessions)
    assert record.outcome == "declined"
