"""What a helper may see, checked on every request (issue 9 items 3 and 7).

Only an active link counts, so a removed helper's open page loses access on its next request.
Each data access checks the permission and writes an audit row every time: a view
("helper_viewed_balance", ...) or, for a helper without the permission or asking for a
customer who is not theirs, "helper_denied" and nothing else (the portal answers 404).
Never, whatever is granted: a full account number, a PIN, moving money, changing details.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from assistant.banking.audit import add_audit
from assistant.banking.views import AccountView, TransactionView
from assistant.models import Customer, HeldPayment
from family.links import permissions as perms
from family.links.context import Context, active_link
from family.links.models import HelperLink
from family.links.views import HelperAlert, LinkedCustomer

log = logging.getLogger(__name__)

# What each view is called in the audit ("helper_viewed_<what>") and who_looked.
BALANCE = "balance"
PAYMENTS = "payments"
ALERTS = "alerts"
VIEWED = {what: f"helper_viewed_{what}" for what in (BALANCE, PAYMENTS, ALERTS)}
DENIED = "helper_denied"

_ALERT_KINDS = {
    "held": "payment_waiting",
    "released": "payment_released",
    "declined": "payment_declined",
    "expired": "payment_expired",
    "cancelled": "payment_cancelled",
}


def _linked(link: HelperLink, name: str) -> LinkedCustomer:
    return LinkedCustomer(
        link_id=link.id,
        customer_id=link.customer_id,
        name=name,
        permissions=tuple(perms.granted(link.permissions)),
    )


class HelperAccess:
    _ctx: Context

    def customers_of(self, helper_id: int) -> list[LinkedCustomer]:
        """The customers who confirmed this helper, each with what they allowed."""
        with self._ctx.readers() as session:
            rows = session.execute(
                select(HelperLink, Customer.name)
                .join(Customer, Customer.id == HelperLink.customer_id)
                .where(HelperLink.helper_id == helper_id, HelperLink.status == "active")
                .order_by(Customer.name, HelperLink.id)
            ).all()
            return [_linked(link, name) for link, name in rows]

    def link_for(self, helper_id: int, customer_id: int) -> LinkedCustomer | None:
        """The helper's active link to this customer, None otherwise (check it on every
        request)."""
        with self._ctx.readers() as session:
            found = active_link(session, helper_id, customer_id)
            return _linked(*found) if found is not None else None

    def check_link(
        self,
        helper_id: int,
        customer_id: int,
        permission: str | None = None,
        what: str = "customer",
        channel: str = "portal",
    ) -> LinkedCustomer | None:
        """The helper's active link to this customer, when it grants ``permission`` (if one is
        named); None otherwise, audited as "helper_denied" (asking for ``what``). For the pages
        that show no account data themselves (what a customer allowed, leaving, the answer to
        an approval), checked on every request."""
        with self._ctx.write() as writer:
            session = writer.session
            found = active_link(session, helper_id, customer_id, permission)
            if found is not None:
                return _linked(*found)
            known = session.get(Customer, customer_id) is not None
            add_audit(
                session,
                f"helper:{helper_id}",
                DENIED,
                customer_id if known else None,
                {
                    "helper_id": helper_id,
                    "what": what,
                    "channel": channel,
                    "asked_customer_id": customer_id,
                },
            )
        log.warning("helper %s denied %s of customer %s", helper_id, what, customer_id)
        return None

    def customers_awaiting(self, helper_id: int) -> list[str]:
        """The names of the customers whose confirmation this helper still waits for (the
        helper accepted; nothing of theirs is visible yet)."""
        with self._ctx.readers() as session:
            return list(
                session.execute(
                    select(Customer.name)
                    .join(HelperLink, HelperLink.customer_id == Customer.id)
                    .where(
                        HelperLink.helper_id == helper_id,
                        HelperLink.status == "awaiting_customer",
                    )
                    .order_by(Customer.name)
                ).scalars()
            )

    def _allowed(
        self, helper_id: int, customer_id: int, permission: str, what: str, channel: str
    ) -> bool:
        """Whether the helper may see ``what`` of this customer now; audited either way."""
        with self._ctx.write() as writer:
            session = writer.session
            allowed = active_link(session, helper_id, customer_id, permission) is not None
            known = allowed or session.get(Customer, customer_id) is not None
            add_audit(
                session,
                f"helper:{helper_id}",
                VIEWED[what] if allowed else DENIED,
                customer_id if known else None,
                {
                    "helper_id": helper_id,
                    "what": what,
                    "channel": channel,
                    **({} if allowed else {"asked_customer_id": customer_id}),
                },
            )
        if not allowed:
            log.warning("helper %s denied %s of customer %s", helper_id, what, customer_id)
        return allowed

    def helper_view_balance(
        self, helper_id: int, customer_id: int, channel: str = "portal"
    ) -> list[AccountView] | None:
        """The customer's accounts (last four digits only) for a helper allowed to view the
        balance; None otherwise."""
        if not self._allowed(helper_id, customer_id, perms.VIEW_BALANCE, BALANCE, channel):
            return None
        return self._ctx.banking.list_accounts(customer_id)

    def helper_view_payments(
        self, helper_id: int, customer_id: int, channel: str = "portal", limit: int = 10
    ) -> list[TransactionView] | None:
        """The customer's recent payments for a helper allowed to view them; None otherwise."""
        if not self._allowed(helper_id, customer_id, perms.VIEW_PAYMENTS, PAYMENTS, channel):
            return None
        return self._ctx.banking.recent_transactions(customer_id, limit=limit)

    def helper_alerts(
        self, helper_id: int, customer_id: int, channel: str = "portal", limit: int = 20
    ) -> list[HelperAlert] | None:
        """What happened that a helper with "receive alerts" learns (a payment waiting,
        released, declined...): the kind and when, never the amount or the payee; None
        without the permission."""
        if not self._allowed(helper_id, customer_id, perms.RECEIVE_ALERTS, ALERTS, channel):
            return None
        with self._ctx.readers() as session:
            rows = session.execute(
                select(HeldPayment.status, HeldPayment.created_at, HeldPayment.decided_at)
                .where(HeldPayment.customer_id == customer_id)
                .order_by(HeldPayment.id.desc())
                .limit(limit)
            ).all()
        return [
            HelperAlert(kind=_ALERT_KINDS[status], at=decided_at or created_at)
            for status, created_at, decided_at in rows
            if status in _ALERT_KINDS
        ]
