"""The bank's services as every process builds them: the ledger with the rules that make a
payment wait (a helper's co-sign, the customer's own pause on new payees; a scam's cooling-off
later) and the customer's safety limits. The gateway, the action server and the worker all take
the ledger from here, so no path moves money around a rule."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from assistant.banking.safety import NewPayeeCoolingOff, SafetyLimits
from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory
from assistant.settings import Settings, get_settings
from family.links.cosign import CosignRule


def banking_service(
    sessions: sessionmaker | None = None, settings: Settings | None = None
) -> LedgerBankingService:
    """The ledger on ``sessions`` (default: the configured bank database), with every hold rule."""
    settings = settings or get_settings()
    return LedgerBankingService(
        sessions or session_factory(settings.bank_database_url),
        hold_rules=(
            CosignRule(
                hours=settings.hold_cosign_hours,
                cooling_off_hours=settings.safety_cooling_off_hours,
            ),
            NewPayeeCoolingOff(hours=settings.safety_cooling_off_hours),
        ),
    )


def safety_limits(
    sessions: sessionmaker | None = None, settings: Settings | None = None
) -> SafetyLimits:
    """The customer's safety limits on ``sessions`` (default: the configured bank database)."""
    settings = settings or get_settings()
    return SafetyLimits(sessions or session_factory(settings.bank_database_url), settings)
