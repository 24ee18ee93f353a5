"""The account watch: every payment and security change is told to the customer once, on their
own channel; unusual activity is also alerted to the helpers who receive alerts, once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.banking.card_auth import CardAuthoriser
from assistant.banking.ledger_service import LedgerBankingService
from assistant.db import utcnow
from assistant.demo import LINDA_PHONE, MARGARET_PHONE, RAVI_PHONE
from assistant.identity import IdentityService
from assistant.messaging.models import OutboxMessage
from assistant.money import Money
from assistant.settings import Settings
from fraud.account_watch import AccountWatch
from fraud.models import FraudAlert


@pytest.fixture
def watch(demo_sessions: sessionmaker, tmp_path: Path) -> AccountWatch:
    return AccountWatch(demo_sessions, Settings(home=tmp_path))


def settled_scan(watch: AccountWatch) -> int:
    """A sweep a few minutes from now, when every event so far has settled."""
    return watch.scan(utcnow() + timedelta(minutes=5))


def outbox(sessions: sessionmaker, to: str) -> List[OutboxMessage]:
    with sessions() as session:
        return list(
            session.execute(
                select(OutboxMessage).where(OutboxMessage.to_phone == to).order_by(OutboxMessage.id)
            ).scalars()
        )


def payee_id(bank: LedgerBankingService, customer_id: int, name: str) -> int:
    return next(p.id for p in bank.list_payees(customer_id) if p.name == name)


def pay(bank: LedgerBankingService, customer_id: int, payee: str, dollars: int, key: str) -> None:
    bank.pay_payee(
        customer_id, "checking", payee_id(bank, customer_id, payee), Money(dollars * 100), key
    )


def test_a_payment_is_texted_to_a_customer_who_prefers_texts_once(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, watch: AccountWatch, ravi_id: int
) -> None:
    pay(demo_bank, ravi_id, "Green Valley Feed", 40, "feed-1")
    assert settled_scan(watch) == 1
    assert settled_scan(watch) == 0  # a second sweep tells nothing again
    [notice] = outbox(demo_sessions, RAVI_PHONE)
    assert notice.medium == "sms" and notice.purpose == "security"
    assert "$40.00 was paid to Green Valley Feed" in notice.body
    assert "If this was not you" in notice.body


def test_a_customer_who_prefers_the_phone_gets_a_call_kept_out_of_their_night(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    pay(demo_bank, margaret_id, "Tom", 20, "tom-1")
    settled_scan(watch)
    [notice] = outbox(demo_sessions, MARGARET_PHONE)
    assert notice.medium == "call"
    assert notice.time_zone == "America/New_York"  # the outbox defers it past quiet hours
    assert "twenty dollars was paid to Tom" in notice.body  # said in words
    assert outbox(demo_sessions, LINDA_PHONE) == []  # an ordinary payment: no alert to Linda


def test_a_large_payment_is_alerted_to_the_customer_and_to_a_helper_who_receives_alerts(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    pay(demo_bank, margaret_id, "Tom", 1000, "tom-big")
    settled_scan(watch)
    settled_scan(watch)
    [to_margaret] = outbox(demo_sessions, MARGARET_PHONE)
    [to_linda] = outbox(demo_sessions, LINDA_PHONE)
    assert "large payment of one thousand dollars" in to_margaret.body
    assert "from Margaret's account to Tom" in to_linda.body
    assert to_linda.medium == "sms" and to_linda.purpose == "helper_alert"
    with demo_sessions() as session:
        assert [a.rule for a in session.execute(select(FraudAlert)).scalars()] == ["large_payment"]


def test_a_helper_without_the_alert_permission_is_not_told(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    from family.links.models import HelperLink

    with demo_sessions() as session, session.begin():
        link = session.execute(select(HelperLink)).scalar_one()
        link.permissions = {**link.permissions, "receive_alerts": False}
    pay(demo_bank, margaret_id, "Tom", 1000, "tom-big")
    settled_scan(watch)
    assert len(outbox(demo_sessions, MARGARET_PHONE)) == 1
    assert outbox(demo_sessions, LINDA_PHONE) == []


def test_several_payments_in_a_short_time_raise_one_alert(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, watch: AccountWatch, ravi_id: int
) -> None:
    for n in range(4):
        pay(demo_bank, ravi_id, "Green Valley Feed", 10 + n, f"feed-{n}")
    settled_scan(watch)
    bodies = [m.body for m in outbox(demo_sessions, RAVI_PHONE)]
    assert sum("was paid to" in body for body in bodies) == 4
    alerts = [body for body in bodies if "payments left your account" in body]
    # Raised by the third payment; the fourth, in the same hour, raises no second alert.
    assert alerts == [bodies[3]]
    assert "3 payments left your account in the last 60 minutes" in alerts[0]


def test_a_new_payee_is_told_to_the_customer_and_alerted_to_the_helper(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    demo_bank.add_payee(margaret_id, "Safe Account Ltd", "99887766")
    settled_scan(watch)
    [notice] = outbox(demo_sessions, MARGARET_PHONE)
    [alert] = outbox(demo_sessions, LINDA_PHONE)
    assert "Safe Account Ltd was added" in notice.body
    assert "Safe Account Ltd was added to the people Margaret can pay" in alert.body


def test_a_burst_of_wrong_pins_is_alerted_once(
    demo_sessions: sessionmaker, watch: AccountWatch, ravi_id: int
) -> None:
    identity = IdentityService(demo_sessions, settings=Settings(home=watch.settings.home))
    identity.verify_pin(ravi_id, "0000", "sms", "conv-1")
    identity.verify_pin(ravi_id, "0001", "sms", "conv-1")
    settled_scan(watch)
    assert outbox(demo_sessions, RAVI_PHONE) == []  # two slips are not a burst
    identity.verify_pin(ravi_id, "0002", "sms", "conv-1")
    identity.verify_pin(ravi_id, "0003", "sms", "conv-1")
    settled_scan(watch)
    [alert] = outbox(demo_sessions, RAVI_PHONE)
    assert "wrong PIN for your account 3 times in the last 10 minutes" in alert.body


def test_a_frozen_card_tried_is_declined_recorded_and_alerted_once_an_hour(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    demo_bank.freeze_card(margaret_id)
    before = demo_bank.list_accounts(margaret_id)[0].balance
    cards = CardAuthoriser(demo_sessions)
    for n in range(3):
        answer = cards.authorise(
            request_key=f"net-{n}",
            phone=MARGARET_PHONE,
            last4="4321",
            merchant="Gift Card Store",
            amount=Money(25000),
        )
        assert (answer.decision, answer.reason) == ("declined", "card_frozen")
    assert demo_bank.list_accounts(margaret_id)[0].balance == before
    settled_scan(watch)
    [to_margaret] = outbox(demo_sessions, MARGARET_PHONE)
    [to_linda] = outbox(demo_sessions, LINDA_PHONE)
    assert "Gift Card Store two hundred fifty dollars with your card ending four three two one" in (
        to_margaret.body
    )
    assert "which is frozen" in to_margaret.body
    assert "frozen card ending 4321 at Gift Card Store" in to_linda.body


def test_the_demo_card_network_command_declines_a_frozen_card(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, margaret_id: int, monkeypatch
) -> None:
    from click.testing import CliRunner

    from assistant import cli

    monkeypatch.setattr(cli, "get_settings", lambda: _settings_for(demo_sessions))
    demo_bank.freeze_card(margaret_id)
    args = ["card-attempt", "--phone", MARGARET_PHONE, "--last4", "4321", "--amount", "49.99"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "declined (card_frozen)"
    bad = CliRunner().invoke(cli.main, [*args[:-1], "lots"])
    assert bad.exit_code != 0 and "not an amount" in bad.output


def _settings_for(sessions: sessionmaker) -> Settings:
    return Settings(database_url=str(sessions.kw["bind"].url.render_as_string(False)))


def test_an_upgraded_bank_is_not_told_about_its_past(tmp_path: Path) -> None:
    """Migration 0010 starts the watch at the audit log's end."""
    from alembic import command

    from assistant.db import alembic_config, session_factory
    from assistant.models import AuditEvent, JobCursor

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0009")
    sessions = session_factory(url)
    with sessions() as session, session.begin():
        session.add_all(AuditEvent(actor="x", action="payment", detail={}) for _ in range(3))
    command.upgrade(config, "head")
    with sessions() as session:
        assert session.get(JobCursor, "account_watch").position == 3


def test_losing_the_last_approver_is_told_as_such_not_as_a_request(
    demo_bank: LedgerBankingService,
    demo_sessions: sessionmaker,
    watch: AccountWatch,
    margaret_id: int,
) -> None:
    from family.links.service import FamilyLinks

    links = FamilyLinks(demo_sessions, watch.settings, banking=demo_bank)
    linda = links.list_helpers(margaret_id)[0]
    assert links.remove_helper(margaret_id, linda.link_id, "voice")
    settled_scan(watch)
    bodies = [m.body for m in outbox(demo_sessions, MARGARET_PHONE)]
    assert any("no longer have a helper who can approve" in body for body in bodies), bodies
    assert not any("Someone asked to loosen" in body for body in bodies), bodies
