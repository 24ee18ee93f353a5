"""Helpers for the admin console's tests: a browser signed in as a member of staff, staff users
of each role, scam interventions recorded as the scam checks record them, and readers for the
audit and the ledger."""

from __future__ import annotations

from typing import Any, List, Optional

from sqlalchemy import func, select

from assistant.admin.pages import COOKIE_NAME, HOME
from assistant.db import utcnow
from assistant.models import AuditEvent, LedgerTransaction
from fraud.models import ScamIntervention
from tests.web_support import Browser, WebApp

FRAUDOPS = ("fraudops", "fraudops-demo")  # the demo's fraud-operations user
AGENT = ("agent1", "agent1-demo")  # the demo's call-centre agent


class StaffBrowser(Browser):
    """A browser on the admin console."""

    def sign_in(self, username: str = FRAUDOPS[0], password: str = FRAUDOPS[1]) -> Any:  # type: ignore[override]
        return self.post("/admin/sign-in", {"username": username, "password": password})

    def signed_in(self, username: str = FRAUDOPS[0], password: str = FRAUDOPS[1]) -> StaffBrowser:
        reply = self.sign_in(username, password)
        assert reply.status_code == 303 and reply.headers["location"] == "/admin", reply.text
        return self

    def form(self, path: str, data: dict, page: str = HOME) -> Any:
        """POST a console form with the session's CSRF token (read from ``page``)."""
        return self.post(path, data, token_from=page)

    @property
    def cookie(self) -> Optional[str]:
        return self.client.cookies.get(COOKIE_NAME)


def staff_browser(web: WebApp) -> StaffBrowser:
    return StaffBrowser(web.app)


STAFF_PASSWORD = "a-long-password"  # noqa: S105 - the tests' own staff users


def add_staff(web: WebApp, username: str, role: str) -> Any:
    """A staff user with the password ``STAFF_PASSWORD``."""
    return web.identity.add_staff(username, STAFF_PASSWORD, role)


def audits(web: WebApp, action: Optional[str] = None) -> List[AuditEvent]:
    with web.sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(session.execute(query).scalars())


def ledger_rows(web: WebApp, key: Optional[str] = None) -> int:
    with web.sessions() as session:
        query = select(func.count(LedgerTransaction.id))
        if key is not None:
            query = query.where(LedgerTransaction.idempotency_key == key)
        return int(session.execute(query).scalar_one())


def record_intervention(web: WebApp, customer_id: int, **fields: Any) -> int:
    """A scam intervention as the scam checks record it; its id."""
    row = ScamIntervention(
        customer_id=customer_id,
        at=fields.pop("at", utcnow()),
        channel=fields.pop("channel", "voice"),
        signals=fields.pop("signals", ["safe_account", "told_by_caller", "new_payee"]),
        scam=fields.pop("scam", "safe_account"),
        action=fields.pop("action", "held"),
        **fields,
    )
    with web.sessions() as session, session.begin():
        session.add(row)
        session.flush()
        return row.id
