"""The bank's services as every process builds them: the ledger with the rules that make a
payment wait (a helper's co-sign now; a scam's cooling-off later). The gateway, the action
server and the worker all take the ledger from here, so no path moves money around a rule."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from assistant.banking.service import LedgerBankingService
from assistant.db import session_factory


def banking_service(sessions: sessionmaker | None = None) -> LedgerBankingService:
    """The ledger on ``sessions`` (default: the configured bank database), with every hold rule."""
    return LedgerBankingService(sessions or session_factory())
