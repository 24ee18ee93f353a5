"""``FamilyLinks``: the family-helper services in one object, as the gateway, the worker and
the channels use them (DESIGN.md section 9).

Channels call it and never the tables. Every text it writes goes into the outbox in the same
transaction as the change it tells of; after the commit, ``wake(outbox_id)`` hands each one to
the worker at once (the worker's sweep would find it anyway).
"""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from assistant.banking.service import BankingService, LedgerBankingService
from assistant.settings import Settings, get_settings
from family.links.access import HelperAccess
from family.links.activity import Activity
from family.links.approvals import Approvals
from family.links.consent import Consent
from family.links.context import Context, Wake
from family.links.invitations import Invitations
from family.links.signin import SignIn


class FamilyLinks(Invitations, SignIn, Consent, HelperAccess, Activity, Approvals):
    """Invitations and their codes, the portal's sign-in, the customer's consent and
    permissions, what helpers may see, their approvals of held payments, and the audit of it.

    ``banking`` reads balances and payments for helpers (default: the ledger on ``sessions``).
    """

    def __init__(
        self,
        sessions: sessionmaker,
        settings: Settings | None = None,
        wake: Wake | None = None,
        banking: BankingService | None = None,
    ) -> None:
        self._ctx = Context(
            sessions=sessions,
            settings=settings or get_settings(),
            banking=banking or LedgerBankingService(sessions),
            wake=wake,
        )
