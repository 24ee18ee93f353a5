"""Helpers for the helper portal's tests: a browser that signs in with the code the bank texted
(read from the outbox, as the relative would read their phone), held payments to answer, and
readers for the audit and the ledger."""

from __future__ import annotations

import re
from typing import Any, List, Optional

from sqlalchemy import func, select

from assistant.bank import banking_service
from assistant.demo import LINDA_PHONE
from assistant.messaging.models import OutboxMessage
from assistant.models import AuditEvent, LedgerTransaction
from assistant.money import Money
from family.links.permissions import normalise
from family.portal.pages import COOKIE_NAME
from tests.web_support import Browser, WebApp

SON = "+15550100077"  # a relative who is not a helper yet
NIECE = "+15550100078"
STRANGER = "+15550100999"  # nobody: no invitation, no link
_CODE = re.compile(r"\b(\d{6})\b")

__all__ = ["LINDA_PHONE", "NIECE", "SON", "STRANGER"]


def texts_to(web: WebApp, phone: str) -> List[OutboxMessage]:
    with web.sessions() as session:
        return list(
            session.execute(
                select(OutboxMessage)
                .where(OutboxMessage.to_phone == phone)
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def last_code(web: WebApp, phone: str) -> str:
    """The code in the latest text to ``phone``."""
    (code,) = _CODE.findall(texts_to(web, phone)[-1].body)
    return code


def audits(web: WebApp, action: Optional[str] = None) -> List[AuditEvent]:
    with web.sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(session.execute(query).scalars())


def payments_with_key(web: WebApp, customer_id: int) -> int:
    """How many money movements the customer made with an idempotency key."""
    with web.sessions() as session:
        return int(
            session.execute(
                select(func.count(LedgerTransaction.id)).where(
                    LedgerTransaction.customer_id == customer_id,
                    LedgerTransaction.idempotency_key.is_not(None),
                )
            ).scalar_one()
        )


class HelperBrowser(Browser):
    """A browser on the helper portal."""

    def ask_code(self, phone: str) -> Any:
        return self.post("/helper/sign-in", {"phone": phone})

    def enter_code(self, code: str) -> Any:
        return self.post("/helper/sign-in/code", {"code": code})

    def sign_in(self, web: WebApp, phone: str = LINDA_PHONE) -> Any:  # type: ignore[override]
        """Ask for a code, read it from the text, enter it: the answer to the code."""
        assert self.ask_code(phone).headers["location"] == "/helper/sign-in/code"
        reply = self.enter_code(last_code(web, phone))
        assert reply.status_code == 303 and reply.headers["location"] == "/helper", reply.text
        return reply

    @property
    def cookie(self) -> Optional[str]:
        return self.client.cookies.get(COOKIE_NAME)


def helper_browser(web: WebApp) -> HelperBrowser:
    return HelperBrowser(web.app)


def family(web: WebApp) -> Any:
    """The app's family-helper services (``app.state.family``)."""
    return web.app.state.family


def invite(web: WebApp, customer_id: int, name: str, phone: str, granted: Any = None) -> str:
    """Invite ``phone`` for the customer; the code it was texted."""
    permissions = normalise(granted) if granted is not None else None
    result = family(web).invite(customer_id, name, phone, permissions, channel="sms")
    assert result.sent, result
    return last_code(web, phone)


def confirmed_helper(
    web: WebApp, customer_id: int, name: str, phone: str, granted: Any = None
) -> HelperBrowser:
    """A relative invited, signed in with the invitation's code and confirmed by the
    customer: their browser, signed in."""
    code = invite(web, customer_id, name, phone, granted)
    browser = helper_browser(web)
    assert browser.ask_code(phone).status_code == 303
    assert browser.enter_code(code).status_code == 303
    (pending,) = [p for p in family(web).pending_confirmations(customer_id) if p.name == name]
    assert family(web).confirm_helper(customer_id, pending.link_id, True, "sms")
    assert browser.get("/helper").status_code == 200  # the notice of the acceptance, seen
    return browser


def hold(web: WebApp, customer_id: int, payee: str = "Tom", dollars: int = 300, key: str = "k1"):
    """A payment above the co-sign amount: it waits as a held payment (its view)."""
    bank = banking_service(web.sessions, web.settings)
    (found,) = bank.resolve_payee(customer_id, payee)
    receipt = bank.pay_payee(customer_id, "checking", found.id, Money(dollars * 100, "USD"), key)
    assert receipt.held
    (held,) = [h for h in bank.list_holds(customer_id) if h.reference == receipt.reference]
    return held
