"""The helper portal's passwordless sign-in (issue 9 item 2): a phone number, then a one-time
code by text.

Every number gets the same outward answer. A code goes only to a number with an open
invitation or a link (active or waiting for the customer), and requests are capped per
number and per client address each hour, counting requests for unknown numbers too, so the
portal can be used neither to find out who is a helper nor to pump texts. An invitation's code
also signs its relative in, and accepts the invitation in the same step.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.phones import is_e164, normalize_phone
from assistant.messaging.transport import mask_phone
from assistant.pin_throttle import Limit, count_event, events_in_window
from assistant.texts import default_language, text
from family.links import codes
from family.links.context import Context
from family.links.invitations import LINKED, accept, helper_for_phone
from family.links.models import Helper, HelperInvitation, HelperLink
from family.links.views import HelperSession

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# Counter kinds in the shared throttle table (assistant.pin_throttle).
REQUESTS = "helper_codes"
FAILURES = "helper_failures"


def _number_key(phone: str) -> str:
    return f"helper_number:{phone}"


def _address_key(address: str) -> str:
    return f"helper_address:{address or 'unknown'}"


def _over(session: Session, key: str, limit: Limit, now: datetime) -> bool:
    """Count one request on ``key``: whether it is past the limit."""
    return count_event(session, key, limit, now) > limit.most


def _may_sign_in(session: Session, phone: str, now: datetime) -> bool:
    """Whether ``phone`` has an open invitation or a link (active or awaiting)."""
    invited = session.execute(
        select(HelperInvitation.id).where(
            HelperInvitation.phone == phone,
            HelperInvitation.status == "sent",
            HelperInvitation.expires_at > now,
        )
    ).first()
    if invited is not None:
        return True
    linked = session.execute(
        select(HelperLink.id)
        .join(Helper, Helper.id == HelperLink.helper_id)
        .where(Helper.phone == phone, HelperLink.status.in_(LINKED))
    ).first()
    return linked is not None


class SignIn:
    _ctx: Context

    def request_sign_in_code(
        self, phone: str, client_address: str, now: datetime | None = None
    ) -> None:
        """Text a sign-in code to ``phone`` if it may sign in and is under its caps. Returns
        nothing, whatever the number: the portal always says the same."""
        ctx = self._ctx
        settings = ctx.settings
        now = ctx.now(now)
        phone = normalize_phone(phone)[:20]
        with ctx.write() as writer:
            session = writer.session
            per_number = Limit(REQUESTS, HOUR, settings.helper_codes_per_number_per_hour)
            per_address = Limit(REQUESTS, HOUR, settings.helper_codes_per_address_per_hour)
            over = [  # both counted, always
                _over(session, _number_key(phone), per_number, now),
                _over(session, _address_key(client_address), per_address, now),
            ]
            if any(over):
                log.info("helper sign-in code not sent: too many requests")
                return
            if not is_e164(phone) or not _may_sign_in(session, phone, now):
                return
            code_id, code = codes.issue(
                session,
                key=settings.helper_code_key(),
                phone=phone,
                purpose=codes.SIGN_IN,
                expires_at=now + timedelta(minutes=settings.helper_sign_in_code_minutes),
                now=now,
            )
            body = text(
                "family_sign_in_code_sms",
                "sms",
                default_language(),
                code=code,
                minutes=str(settings.helper_sign_in_code_minutes),
            )
            writer.send(
                dedupe_key=f"helper_sign_in:{code_id}",
                to_phone=phone,
                body=body,
                purpose="helper_sign_in",
                customer_id=None,
            )
        log.info("helper sign-in code sent to %s", mask_phone(phone))

    def sign_in(
        self, phone: str, code: str, client_address: str, now: datetime | None = None
    ) -> HelperSession | None:
        """The helper, when ``code`` is a live sign-in code of ``phone`` or an open invitation's
        code (which accepts that invitation too); None otherwise, the same for every number.
        A wrong code counts a try on every live code of the number and a failure on the
        client address."""
        ctx = self._ctx
        settings = ctx.settings
        now = ctx.now(now)
        phone = normalize_phone(phone)[:20]
        failures = Limit(FAILURES, HOUR, settings.helper_code_failures_per_address_per_hour)
        address = _address_key(client_address)
        with ctx.write() as writer:
            session = writer.session
            if events_in_window(session, address, failures, now) >= failures.most:
                log.info("helper sign-in refused: too many wrong codes from one address")
                return None
            used = None
            if is_e164(phone):
                used = codes.redeem(
                    session,
                    key=settings.helper_code_key(),
                    phone=phone,
                    code=code,
                    now=now,
                    max_tries=settings.helper_code_max_tries,
                )
            if used is None:
                count_event(session, address, failures, now)
                log.info("helper sign-in failed for %s", mask_phone(phone))
                return None
            accepted = None
            if used.purpose == codes.INVITATION and used.invitation_id is not None:
                accepted = accept(writer, ctx, used.invitation_id, now)
                if accepted is None:
                    return None
            helper = self._helper_signing_in(session, phone, now)
            if helper is None:
                return None
            add_audit(
                session,
                f"helper:{helper.id}",
                "helper_signed_in",
                None,
                {"channel": "portal", "signed_in_with": used.purpose},
            )
            session_view = HelperSession(helper.id, helper.name, accepted)
        log.info("helper %s signed in", session_view.helper_id)
        return session_view

    @staticmethod
    def _helper_signing_in(session: Session, phone: str, now: datetime) -> Helper | None:
        """The helper with this number; new (named as invited) when they only have an open
        invitation so far."""
        helper = session.execute(select(Helper).where(Helper.phone == phone)).scalar_one_or_none()
        if helper is not None:
            return helper
        invitation = (
            session.execute(
                select(HelperInvitation)
                .where(
                    HelperInvitation.phone == phone,
                    HelperInvitation.status == "sent",
                    HelperInvitation.expires_at > now,
                )
                .order_by(HelperInvitation.id.desc())
            )
            .scalars()
            .first()
        )
        if invitation is None:
            return None
        return helper_for_phone(session, phone, invitation.helper_name, now)
