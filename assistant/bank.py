"""The bank's services as every process builds them: the ledger with the rules that make a
payment wait (a helper's co-sign; a scam's cooling-off) and what watches them (each scam
intervention recorded; a cooling-off released only after the customer was told). The gateway,
the action server and the worker all take the ledger from here, so no path moves money around a
rule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from assistant.settings import Settings, get_settings
from family.links.cosign import CosignRule
from fraud.cooling_off import NoticeGate
from fraud.scam_rule import ScamPolicy, ScamRule


def banking_service(
    sessions: sessionmaker | None = None, settings: Settings | None = None
) -> LedgerBankingService:
    """The ledger on ``sessions`` (default: the configured bank database), with every hold rule."""
    settings = settings or get_settings()
    scam = ScamRule(ScamPolicy.from_settings(settings))
    return LedgerBankingService(
        sessions or session_factory(settings.bank_database_url),
        hold_rules=(CosignRule(hours=settings.hold_cosign_hours), scam),
        observers=(scam,),
        release_gates=(NoticeGate(timedelta(minutes=settings.scam_notice_grace_minutes)),),
    )
