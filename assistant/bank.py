"""The bank's services as every process builds them: the ledger with the rules that make a
payment wait (a helper's co-sign now; a scam's cooling-off later). The gateway, the action
server and the worker all take the ledger from here, so no path moves money around a rule."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

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
        hold_rules=(CosignRule(hours=settings.hold_cosign_hours),),
    )
