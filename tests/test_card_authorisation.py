"""The card authorisation service a card network (or the demo injector) calls."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from assistant.banking.card_auth import CardAuthoriser
from assistant.banking.ledger_service import LedgerBankingService
from assistant.demo import MARGARET_PHONE, RAVI_PHONE
from assistant.models import AuditEvent, CardAuthorisation
from assistant.money import Money


def attempt(sessions: sessionmaker, key: str, minor: int, phone: str = RAVI_PHONE, last4="8765"):
    return CardAuthoriser(sessions).authorise(
        request_key=key, phone=phone, last4=last4, merchant="Farm Supply Store", amount=Money(minor)
    )


def count(sessions: sessionmaker, model) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_active_card_with_money_is_approved_and_the_purchase_posted_once(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, ravi_id: int, ledger_invariants
) -> None:
    first = attempt(demo_sessions, "net-1", 2500)
    again = attempt(demo_sessions, "net-1", 2500)  # the network retried
    assert first.approved and first.reference and again == first
    assert demo_bank.list_accounts(ravi_id)[0].balance == Money(31000 - 2500)
    assert demo_bank.recent_transactions(ravi_id, limit=1)[0].counterparty == "Farm Supply Store"
    assert count(demo_sessions, CardAuthorisation) == 1
    ledger_invariants(demo_sessions)


def test_a_purchase_beyond_the_money_available_is_declined_and_moves_nothing(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, ravi_id: int
) -> None:
    answer = attempt(demo_sessions, "net-2", 31001)
    assert (answer.decision, answer.reason) == ("declined", "insufficient_funds")
    assert demo_bank.list_accounts(ravi_id)[0].balance == Money(31000)


def test_a_frozen_or_lost_card_is_declined_and_each_attempt_audited(
    demo_bank: LedgerBankingService, demo_sessions: sessionmaker, margaret_id: int
) -> None:
    demo_bank.freeze_card(margaret_id)
    frozen = attempt(demo_sessions, "net-3", 100, MARGARET_PHONE, "4321")
    demo_bank.report_lost_card(margaret_id, "4321")
    lost = attempt(demo_sessions, "net-4", 100, MARGARET_PHONE, "4321")
    assert (frozen.reason, lost.reason) == ("card_frozen", "card_lost")
    with demo_sessions() as session:
        declined = session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "card_declined")
        ).scalars()
        assert [d["reason"] for d in declined] == ["card_frozen", "card_lost"]


def test_an_unknown_card_is_declined_and_nothing_is_kept(demo_sessions: sessionmaker) -> None:
    answer = attempt(demo_sessions, "net-5", 100, last4="0000")
    assert (answer.decision, answer.reason) == ("declined", "unknown_card")
    assert count(demo_sessions, CardAuthorisation) == 0
