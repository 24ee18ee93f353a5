"""Days are the bank's calendar days (ASSISTANT_TIMEZONE), never UTC's, around midnight too.

A payment at 03:30 UTC on 5 November 2026 was made at 22:30 on Wednesday 4 November in New York
(EST since 1 November): the customer sees, reads and hears November 4. "Yesterday" said just
after midnight in New York is the New York day before, and a range of days the customer names is
that many New York days, converted to UTC bounds for the ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import sessionmaker

import actions.context as context
import assistant.clock as clock
from actions.account_info import ActionRecentTransactions
from actions.formatting import date_values
from assistant.banking import LedgerBankingService
from assistant.banking.ledger import INCOMING_FUNDS, PAYMENTS_CLEARING, internal_account, post
from assistant.clock import bank_today, day_start, local_date, utc_range
from assistant.conversations import ConversationStore
from assistant.db import dispose, session_factory
from assistant.demo import RAVI_PHONE
from assistant.models import Account, Customer
from assistant.money import Money
from assistant.settings import get_settings
from nlu.dates import find_date_range
from nlu.entities import extract_entities
from tests.fakes import copy_of_bank
from tests.web_support import RAVI_PIN, make_web_app, visible_text

ROOT = Path(__file__).resolve().parent.parent
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# 03:30 UTC on Thursday 5 November 2026 is 22:30 on Wednesday 4 November in New York.
LATE_ON_NOV_4 = datetime(2026, 11, 5, 3, 30, tzinfo=UTC)


def ny(*parts: int) -> datetime:
    """A New York wall-clock time, as aware UTC."""
    return datetime(*parts, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture
def bank_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``bank_zone("Asia/Tokyo")`` sets ASSISTANT_TIMEZONE; New York unless a test says."""

    def use(name: str) -> None:
        monkeypatch.setenv("ASSISTANT_TIMEZONE", name)
        get_settings.cache_clear()

    use("America/New_York")
    yield use
    get_settings.cache_clear()


# ---- the clock --------------------------------------------------------------------------


def test_a_moment_after_midnight_utc_is_still_the_evening_before_in_new_york(bank_zone) -> None:
    assert local_date(LATE_ON_NOV_4) == date(2026, 11, 4)
    assert local_date(LATE_ON_NOV_4.replace(tzinfo=None)) == date(2026, 11, 4)  # naive is UTC
    assert local_date(LATE_ON_NOV_4, "Asia/Tokyo") == date(2026, 11, 5)
    assert local_date(date(2026, 11, 5)) == date(2026, 11, 5)  # a day stays that day


def test_the_banks_today_follows_its_time_zone_not_utc(bank_zone) -> None:
    assert bank_today(ny(2026, 11, 4, 23, 30)) == date(2026, 11, 4)
    assert bank_today(ny(2026, 11, 5, 0, 30)) == date(2026, 11, 5)
    bank_zone("Asia/Tokyo")
    assert bank_today(datetime(2026, 11, 4, 15, 30, tzinfo=UTC)) == date(2026, 11, 5)


def test_a_bank_day_starts_at_local_midnight_on_both_sides_of_a_dst_change(bank_zone) -> None:
    assert day_start(date(2026, 10, 31)) == datetime(2026, 10, 31, 4, 0, tzinfo=UTC)  # EDT
    assert day_start(date(2026, 11, 2)) == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # EST
    # 1 November 2026 has 25 hours in New York
    start, end = utc_range(date(2026, 11, 1), date(2026, 11, 1))
    assert (start, end) == (
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
    )
    assert utc_range(None, None) == (None, None)


# ---- what the customer says --------------------------------------------------------------


def _said(text: str, now: datetime) -> Optional[Dict[str, str]]:
    match = find_date_range(text, now=now)
    return match.value() if match else None


def test_yesterday_just_after_midnight_in_new_york_is_the_new_york_day_before(bank_zone) -> None:
    assert _said("what did I spend yesterday", ny(2026, 11, 5, 0, 30)) == {
        "start": "2026-11-04",
        "end": "2026-11-04",
    }


def test_yesterday_late_in_the_evening_is_not_read_from_utcs_date(bank_zone) -> None:
    # 23:30 in New York on 4 November is already 04:30 on 5 November in UTC
    assert _said("yesterday", ny(2026, 11, 4, 23, 30)) == {
        "start": "2026-11-03",
        "end": "2026-11-03",
    }
    assert _said("today", ny(2026, 11, 4, 23, 30)) == {"start": "2026-11-04", "end": "2026-11-04"}


def test_yesterday_east_of_utc_is_the_local_day_before(bank_zone) -> None:
    bank_zone("Asia/Tokyo")
    # 00:30 on 5 November in Tokyo is still 4 November in UTC
    assert _said("yesterday", datetime(2026, 11, 4, 15, 30, tzinfo=UTC)) == {
        "start": "2026-11-04",
        "end": "2026-11-04",
    }


def test_last_week_late_on_sunday_night_is_the_week_before_this_one(bank_zone) -> None:
    sunday_night = ny(2026, 11, 8, 23, 30)  # Monday 04:30 in UTC
    assert _said("last week", sunday_night) == {"start": "2026-10-26", "end": "2026-11-01"}
    assert _said("this week", sunday_night) == {"start": "2026-11-02", "end": "2026-11-08"}
    monday_morning = ny(2026, 11, 9, 0, 30)
    assert _said("last week", monday_morning) == {"start": "2026-11-02", "end": "2026-11-08"}
    assert _said("this week", monday_morning) == {"start": "2026-11-09", "end": "2026-11-09"}


def test_this_month_and_named_months_late_on_the_last_evening_of_october(bank_zone) -> None:
    halloween_night = ny(2026, 10, 31, 23, 30)  # already 1 November in UTC
    assert _said("this month", halloween_night) == {"start": "2026-10-01", "end": "2026-10-31"}
    assert _said("last month", halloween_night) == {"start": "2026-09-01", "end": "2026-09-30"}
    assert _said("in October", halloween_night) == {"start": "2026-10-01", "end": "2026-10-31"}
    # November has not begun in New York, so "in November" is last year's
    assert _said("in November", halloween_night) == {"start": "2025-11-01", "end": "2025-11-30"}


def test_without_a_today_the_nlu_reads_the_banks_clock(
    bank_zone, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "system_clock", lambda: ny(2026, 11, 4, 23, 30))
    match = find_date_range("yesterday")
    assert match is not None and match.value() == {"start": "2026-11-03", "end": "2026-11-03"}


def test_the_extracted_date_range_entity_uses_the_banks_today(bank_zone) -> None:
    found = extract_entities("what did i pay tom yesterday", now=ny(2026, 11, 4, 23, 30))
    ranges = [e["value"] for e in found if e["entity"] == "date_range"]
    assert ranges == [{"start": "2026-11-03", "end": "2026-11-03"}]


# ---- the ledger's day boundaries -----------------------------------------------------------


def _customer_with_payments(
    sessions: sessionmaker, phone: str, payments: Dict[str, datetime]
) -> int:
    """A customer whose checking account has one $12.34 card purchase per ``payments`` entry
    (counterparty -> moment), after a deposit long before."""
    with sessions() as session, session.begin():
        customer = Customer(name="Dana Test", phone=phone, preferred_channel="sms", locale="en_US")
        session.add(customer)
        session.flush()
        account = Account(
            customer_id=customer.id,
            kind="checking",
            name="Checking",
            number=f"4000{phone[-6:]}",
            currency="USD",
            balance_minor=0,
            overdraft_limit_minor=0,
        )
        session.add(account)
        session.flush()
        incoming = internal_account(session, INCOMING_FUNDS, "USD")
        clearing = internal_account(session, PAYMENTS_CLEARING, "USD")
        post(
            session,
            legs=[(incoming, -Money(100000)), (account, Money(100000))],
            kind="deposit",
            counterparty="Kindly Bank",
            customer_id=customer.id,
            created_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        )
        for counterparty, moment in payments.items():
            post(
                session,
                legs=[(account, -Money(1234)), (clearing, Money(1234))],
                kind="card_purchase",
                counterparty=counterparty,
                customer_id=customer.id,
                created_at=moment,
            )
        return customer.id


@pytest.fixture
def empty_bank(any_bank_url: str) -> sessionmaker:
    return session_factory(any_bank_url)


def _counterparties(bank: LedgerBankingService, customer_id: int, first: date, last: date):
    found = bank.recent_transactions(customer_id, since=first, until=last, limit=50)
    return sorted(t.counterparty for t in found)


def test_a_date_range_includes_23_30_new_york_time_on_its_last_day_not_00_30_after(
    bank_zone, empty_bank: sessionmaker
) -> None:
    customer_id = _customer_with_payments(
        empty_bank,
        "+15550107001",
        {
            "late before": ny(2026, 11, 1, 23, 30),  # 04:30 UTC on 2 November
            "just in at the start": ny(2026, 11, 2, 0, 30),
            "late on the last day": ny(2026, 11, 4, 23, 30),  # 04:30 UTC on 5 November
            "just after": ny(2026, 11, 5, 0, 30),
        },
    )
    bank = LedgerBankingService(empty_bank)
    assert _counterparties(bank, customer_id, date(2026, 11, 2), date(2026, 11, 4)) == [
        "just in at the start",
        "late on the last day",
    ]


def test_a_date_range_across_the_end_of_daylight_saving_keeps_whole_local_days(
    bank_zone, empty_bank: sessionmaker
) -> None:
    customer_id = _customer_with_payments(
        empty_bank,
        "+15550107002",
        {
            "friday night": ny(2026, 10, 30, 23, 45),  # EDT: 03:45 UTC on 31 October
            "saturday first thing": ny(2026, 10, 31, 0, 15),
            "sunday night": ny(2026, 11, 1, 23, 30),  # EST: 04:30 UTC on 2 November
            "monday first thing": ny(2026, 11, 2, 0, 30),
        },
    )
    bank = LedgerBankingService(empty_bank)
    assert _counterparties(bank, customer_id, date(2026, 10, 31), date(2026, 11, 1)) == [
        "saturday first thing",
        "sunday night",
    ]
    since = bank.recent_transactions(customer_id, since=date(2026, 11, 2), limit=50)
    assert [t.counterparty for t in since] == ["monday first thing"]
    until = bank.recent_transactions(customer_id, until=date(2026, 10, 30), limit=50)
    assert [t.counterparty for t in until] == ["friday night", "Kindly Bank"]


def test_the_ledger_reads_days_in_the_zone_it_is_given(empty_bank: sessionmaker) -> None:
    customer_id = _customer_with_payments(
        empty_bank,
        "+15550107003",
        {"tokyo breakfast": datetime(2026, 11, 4, 15, 30, tzinfo=UTC)},  # 00:30 on 5 Nov
    )
    tokyo = LedgerBankingService(empty_bank, zone="Asia/Tokyo")
    assert _counterparties(tokyo, customer_id, date(2026, 11, 5), date(2026, 11, 5)) == [
        "tokyo breakfast"
    ]
    assert _counterparties(tokyo, customer_id, date(2026, 11, 4), date(2026, 11, 4)) == []


def test_a_transactions_date_is_the_banks_calendar_day(bank_zone, empty_bank: sessionmaker) -> None:
    customer_id = _customer_with_payments(empty_bank, "+15550107004", {"shop": LATE_ON_NOV_4})
    (item,) = LedgerBankingService(empty_bank).recent_transactions(customer_id, limit=1)
    assert item.created_at == LATE_ON_NOV_4
    assert item.date == date(2026, 11, 4)


# ---- what the customer reads and hears (chat, SMS, voice) ------------------------------------


def test_date_values_read_a_late_evening_payment_as_wednesday_november_4(bank_zone) -> None:
    assert date_values(LATE_ON_NOV_4) == {
        "date": "Nov 4",
        "short_date": "11/4",
        "date_words": "Wednesday, November 4",
    }
    assert date_values(LATE_ON_NOV_4, TOKYO)["date_words"] == "Thursday, November 5"
    assert date_values(date(2026, 11, 5))["date_words"] == "Thursday, November 5"


@pytest.fixture
def action_bank(
    bank_zone, demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sessionmaker]:
    """A copy of the demo bank, wired in as the actions' configured bank (New York time)."""
    url = copy_of_bank(demo_template, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    context.banking.cache_clear()
    context.conversations.cache_clear()
    yield session_factory(url)
    context.banking.cache_clear()
    context.conversations.cache_clear()
    dispose(url)


def _tracker(sender_id: str, channel: str, period: Optional[Dict[str, str]]) -> Tracker:
    entities = [{"entity": "date_range", "value": period}] if period else []
    parse = {"intent": {"name": "recent_transactions", "confidence": 0.9}, "entities": entities}
    user = {"event": "user", "text": "payments", "parse_data": parse, "input_channel": channel}
    slots = {name: None for name in DOMAIN["slots"]}
    return Tracker(
        sender_id,
        slots,
        parse,
        [{"event": "action", "name": "action_listen"}, user],
        False,
        None,
        {},
        "action_listen",
    )


def _said_on(channel: str, message: Dict[str, Any]) -> str:
    """The response's wording for ``channel`` (as Rasa picks it), filled in with its values."""
    variations = DOMAIN["responses"][message["response"]]
    chosen = next(
        (v for v in variations if v.get("channel") == channel),
        next(v for v in variations if "channel" not in v),
    )
    values = {k: v for k, v in message.items() if k not in ("response", "text", "template")}
    return chosen["text"].format(**values)


def _recent(sessions: sessionmaker, phone: str, channel: str, period=None, clock=None) -> List[str]:
    conversations = ConversationStore(sessions)
    started = conversations.start(channel, phone)
    conversations.mark_verified(started.id, started.customer_id, minutes=30)
    action = ActionRecentTransactions(clock=clock) if clock else ActionRecentTransactions()
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, _tracker(started.id, channel, period), DOMAIN))
    return [_said_on(channel, m) for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("channel", "line"),
    [
        ("chat", "Nov 4: Card purchase, -$12.34"),
        ("sms", "11/4 Corner Shop -$12.34"),
        ("voice", "On Wednesday, November 4, Card purchase, minus twelve dollars and thirty-four"),
    ],
)
def test_a_payment_at_03_30_utc_on_november_5_is_read_as_wednesday_november_4(
    action_bank: sessionmaker, channel: str, line: str
) -> None:
    _customer_with_payments(action_bank, "+15550107005", {"Corner Shop": LATE_ON_NOV_4})
    said = _recent(action_bank, "+15550107005", channel)
    assert len(said) == 3 and said[1].startswith(line), said  # introduction, payment, deposit


def test_asking_for_november_4_finds_the_payment_made_late_that_evening(
    action_bank: sessionmaker,
) -> None:
    _customer_with_payments(
        action_bank,
        "+15550107006",
        {"Corner Shop": LATE_ON_NOV_4, "Night Bus": ny(2026, 11, 5, 0, 30)},
    )
    said = _recent(
        action_bank, "+15550107006", "voice", {"start": "2026-11-04", "end": "2026-11-04"}
    )
    assert len(said) == 2, said  # the introduction and one line
    assert said[1].startswith("On Wednesday, November 4, Card purchase")


def test_a_range_ending_today_in_new_york_is_since_even_when_utc_is_tomorrow(
    action_bank: sessionmaker,
) -> None:
    _customer_with_payments(action_bank, "+15550107007", {"Corner Shop": LATE_ON_NOV_4})
    week = {"start": "2026-11-02", "end": "2026-11-04"}
    late_on_the_4th = lambda: ny(2026, 11, 4, 23, 45)  # noqa: E731
    after_midnight = lambda: ny(2026, 11, 5, 0, 15)  # noqa: E731
    evening = _recent(action_bank, "+15550107007", "chat", week, clock=late_on_the_4th)
    next_day = _recent(action_bank, "+15550107007", "chat", week, clock=after_midnight)
    assert "since Nov 2" in evening[0] and "between" not in evening[0], evening
    assert "between Nov 2 and Nov 4" in next_day[0], next_day


# ---- what the customer sees on the web ---------------------------------------------------------


def _web_payments(
    demo_template: Path, tmp_path: Path, moment: datetime, **settings: Any
) -> List[str]:
    """Ravi's /payments page with one more payment at ``moment``: the texts of its rows."""
    app = make_web_app(demo_template, tmp_path, **settings)
    try:
        ravi = app.customer_id(RAVI_PHONE)
        with app.sessions() as session, session.begin():
            account = session.query(Account).filter_by(customer_id=ravi).one()
            clearing = internal_account(session, PAYMENTS_CLEARING, "USD")
            post(
                session,
                legs=[(account, -Money(1234)), (clearing, Money(1234))],
                kind="card_purchase",
                counterparty="Corner Shop",
                customer_id=ravi,
                created_at=moment,
            )
        browser = app.browser()
        assert browser.sign_in(RAVI_PHONE, RAVI_PIN).status_code == 303
        html = browser.get("/payments").text
        rows = html.split('<li class="payment">')[1:]
        return [visible_text(row) for row in rows]
    finally:
        app.close()


def test_the_payments_page_shows_a_late_evening_payment_on_the_new_york_day(
    bank_zone, demo_template: Path, tmp_path: Path
) -> None:
    rows = _web_payments(demo_template, tmp_path, LATE_ON_NOV_4, timezone="America/New_York")
    (row,) = [r for r in rows if "Corner Shop" in r]
    assert row.startswith("November 4, 2026 "), row


def test_the_payments_page_uses_the_banks_configured_time_zone(
    bank_zone, demo_template: Path, tmp_path: Path
) -> None:
    rows = _web_payments(
        demo_template, tmp_path, datetime(2026, 11, 4, 15, 30, tzinfo=UTC), timezone="Asia/Tokyo"
    )
    (row,) = [r for r in rows if "Corner Shop" in r]
    assert row.startswith("November 5, 2026 "), row


def test_no_date_the_customer_sees_is_a_day_ahead_of_the_bank(bank_zone) -> None:
    """Every moment in the evening after 19:00/20:00 New York time (UTC tomorrow) is today."""
    start = ny(2026, 11, 4, 19, 0)
    for minutes in range(0, 5 * 60, 15):
        moment = start + timedelta(minutes=minutes)
        assert date_values(moment)["short_date"] == "11/4", moment
