"""The bank's services as every process builds them: the ledger with the rules that make a
payment wait (a helper's co-sign; a scam's cooling-off, which also pauses a first payment to a
new payee for a customer who asked for that) and what watches them (each scam intervention
recorded; a cooling-off released only after the customer was told), and the customer's safety
limits. The gateway, the action server and the worker all take the ledger from here, so no
path moves money around a rule."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from assistant.banking.safety import SafetyLimits
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
        hold_rules=(
            CosignRule(
                hours=settings.hold_cosign_hours,
                cooling_off_hours=settings.scam_cooling_off_hours,
            ),
            scam,
        ),
        observers=(scam,),
        release_gates=(NoticeGate(timedelta(minutes=settings.scam_notice_grace_minutes)),),
    )


def safety_limits(
    sessions: sessionmaker | None = None, settings: Settings | None = None
) -> SafetyLimits:
    """The customer's safety limits on ``sessions`` (default: the configured bank database)."""
    settings = settings or get_settings()
    return SafetyLimits(sessions or session_factory(settings.bank_database_url), settings)
