"""Inviting a relative, their accepting, and the invitations' expiry (issue 9 items 1 and 2).

An invitation is refused with a reason the channel can say (a bad or own number, a number
already linked or invited, a sixth helper); to a number that texted STOP it is recorded as
not_sent. Otherwise its code goes out by text through the outbox in the same transaction.
Accepting (in the portal, with the code) makes the link wait for the customer's yes: the
helper sees nothing before it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.errors import CustomerNotFound
from assistant.banking.phones import is_e164, normalize_phone
from assistant.messaging.opt_outs import OptOutStore
from assistant.messaging.transport import mask_phone
from assistant.models import Customer
from assistant.texts import text
from family.links import codes
from family.links.context import (
    Context,
    Writer,
    customer_language,
    lock_customer,
    tell_customer,
)
from family.links.models import Helper, HelperCode, HelperInvitation, HelperLink
from family.links.permissions import granted, normalise
from family.links.views import (
    ALREADY_INVITED,
    ALREADY_LINKED,
    BAD_NUMBER,
    NO_NAME,
    OPTED_OUT,
    OWN_NUMBER,
    TOO_MANY,
    Acceptance,
    InvitationResult,
    InvitationView,
)

log = logging.getLogger(__name__)

LINKED = ("active", "awaiting_customer")
# Used codes and dead ones are kept this long after they expire, then deleted.
CODE_KEEP = timedelta(days=1)


def _insert(session: Session):  # noqa: ANN202 - the dialect's insert construct
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def helper_for_phone(session: Session, phone: str, name: str, now: datetime) -> Helper:
    """The helper with this number, created (with ``name``) if new; safe when two transactions
    create the same one at once."""
    insert = _insert(session)
    session.execute(
        insert(Helper)
        .values(name=name[:200] or phone, phone=phone, created_at=now)
        .on_conflict_do_nothing(index_elements=["phone"])
    )
    return session.execute(select(Helper).where(Helper.phone == phone)).scalar_one()


def accept(writer: Writer, ctx: Context, invitation_id: int, now: datetime) -> Acceptance | None:
    """Accept an open invitation in ``writer``'s transaction (its code already used): the
    link waits for the customer, who is told by their preferred channel."""
    session = writer.session
    changed = session.execute(
        update(HelperInvitation)
        .where(
            HelperInvitation.id == invitation_id,
            HelperInvitation.status == "sent",
            HelperInvitation.expires_at > now,
        )
        .values(status="accepted", accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        return None
    invitation = session.get(HelperInvitation, invitation_id, populate_existing=True)
    helper = helper_for_phone(session, invitation.phone, invitation.helper_name, now)
    invitation.helper_id = helper.id
    link = session.execute(
        select(HelperLink)
        .where(HelperLink.customer_id == invitation.customer_id, HelperLink.helper_id == helper.id)
        .with_for_update()
    ).scalar_one_or_none()
    if link is None:
        link = HelperLink(customer_id=invitation.customer_id, helper_id=helper.id, created_at=now)
        session.add(link)
    if link.status is None or link.status not in LINKED:  # new, or once removed or left
        link.status = "awaiting_customer"
        link.permissions = normalise(invitation.permissions)
        link.invitation_id = invitation.id
        link.confirmed_at = link.ended_at = link.review_due_at = None
    session.flush()
    codes.spend_invitation_codes(session, invitation.id, now)
    add_audit(
        session,
        f"helper:{helper.id}",
        "helper_accepted",
        invitation.customer_id,
        {"invitation_id": invitation.id, "link_id": link.id},
    )
    customer = session.get(Customer, invitation.customer_id)
    tell_customer(
        writer,
        customer,
        ctx.settings,
        "family_accepted_sms",
        f"helper_accepted:{invitation.id}",
        helper=invitation.helper_name,
    )
    return Acceptance(invitation.id, link.id, customer.name)


def _refused(reason: str, phone: str = "") -> InvitationResult:
    return InvitationResult(status="refused", reason=reason, phone=phone)


class Invitations:
    """Inviting, cancelling and accepting; the expiry job."""

    _ctx: Context

    def invite(
        self,
        customer_id: int,
        name: str,
        phone: str,
        permissions: Mapping[str, object] | Iterable[str] | None = None,
        channel: str = "",
        now: datetime | None = None,
    ) -> InvitationResult:
        """Invite a relative as the customer's helper with ``permissions`` (default: only
        alerts). Refused with a reason, or not sent to a number that texted STOP."""
        ctx = self._ctx
        now = ctx.now(now)
        phone = normalize_phone(phone)
        name = " ".join((name or "").split())[:200]
        if not is_e164(phone):
            return _refused(BAD_NUMBER)
        if not name:
            return _refused(NO_NAME, phone)
        opted_out = OptOutStore(ctx.sessions).is_opted_out(phone)
        chosen = normalise(permissions)
        with ctx.write() as writer:
            session = writer.session
            customer = lock_customer(session, customer_id)
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            reason = self._refusal(session, customer, phone, now)
            if reason is not None:
                return _refused(reason, phone)
            invitation = HelperInvitation(
                customer_id=customer_id,
                helper_name=name,
                phone=phone,
                permissions=chosen,
                channel=channel[:16],
                status="not_sent" if opted_out else "sent",
                created_at=now,
                expires_at=now + timedelta(hours=ctx.settings.helper_invitation_hours),
            )
            session.add(invitation)
            session.flush()
            add_audit(
                session,
                f"customer:{customer_id}",
                "helper_invitation_not_sent" if opted_out else "helper_invited",
                customer_id,
                {
                    "invitation_id": invitation.id,
                    "permissions": granted(chosen),
                    "channel": channel,
                },
            )
            if not opted_out:
                self._send_invitation(writer, customer, invitation, now)
        log.info(
            "helper invitation %s for customer %s to %s: %s",
            invitation.id,
            customer_id,
            mask_phone(phone),
            invitation.status,
        )
        return InvitationResult(
            status=invitation.status,
            reason=OPTED_OUT if opted_out else None,
            invitation_id=invitation.id,
            phone=phone,
            expires_at=invitation.expires_at,
        )

    def _refusal(
        self, session: Session, customer: Customer, phone: str, now: datetime
    ) -> str | None:
        if phone == customer.phone:
            return OWN_NUMBER
        linked = session.execute(
            select(HelperLink.id)
            .join(Helper, Helper.id == HelperLink.helper_id)
            .where(
                HelperLink.customer_id == customer.id,
                HelperLink.status.in_(LINKED),
                Helper.phone == phone,
            )
        ).first()
        if linked is not None:
            return ALREADY_LINKED
        open_invitations = _open_invitations(customer.id, now)
        if session.execute(open_invitations.where(HelperInvitation.phone == phone)).first():
            return ALREADY_INVITED
        if _places_taken(session, customer.id, now) >= self._ctx.settings.helper_max_helpers:
            return TOO_MANY
        return None

    def has_room_for_helper(self, customer_id: int, now: datetime | None = None) -> bool:
        """Whether the customer may invite one more helper (helpers, those waiting for the
        customer's yes and open invitations count), so a channel can say so before asking
        for a name and a number."""
        now = self._ctx.now(now)
        with self._ctx.readers() as session:
            taken = _places_taken(session, customer_id, now)
        return taken < self._ctx.settings.helper_max_helpers

    def _send_invitation(
        self, writer: Writer, customer: Customer, invitation: HelperInvitation, now: datetime
    ) -> None:
        settings = self._ctx.settings
        _, code = codes.issue(
            writer.session,
            key=settings.helper_code_key(),
            phone=invitation.phone,
            purpose=codes.INVITATION,
            expires_at=invitation.expires_at,
            now=now,
            invitation_id=invitation.id,
        )
        body = text(
            "family_invitation_sms",
            "sms",
            customer_language(customer, settings),
            customer=customer.name,
            portal=settings.helper_portal_url,
            code=code,
            hours=str(settings.helper_invitation_hours),
        )
        writer.send(
            dedupe_key=f"helper_invitation:{invitation.id}",
            to_phone=invitation.phone,
            body=body,
            purpose="helper_invitation",
            customer_id=customer.id,
        )

    def list_invitations(
        self, customer_id: int, now: datetime | None = None
    ) -> list[InvitationView]:
        """The customer's invitations still open (sent, not accepted, not expired)."""
        now = self._ctx.now(now)
        with self._ctx.readers() as session:
            rows = session.execute(
                select(HelperInvitation, Customer.name)
                .join(Customer, Customer.id == HelperInvitation.customer_id)
                .where(HelperInvitation.id.in_(_open_invitations(customer_id, now)))
                .order_by(HelperInvitation.id)
            ).all()
            return [_invitation_view(row, name) for row, name in rows]

    def invitations_for(self, helper_id: int, now: datetime | None = None) -> list[InvitationView]:
        """Open invitations to a signed-in helper's number (the portal asks for their code)."""
        now = self._ctx.now(now)
        with self._ctx.readers() as session:
            helper = session.get(Helper, helper_id)
            if helper is None:
                return []
            rows = session.execute(
                select(HelperInvitation, Customer.name)
                .join(Customer, Customer.id == HelperInvitation.customer_id)
                .where(
                    HelperInvitation.phone == helper.phone,
                    HelperInvitation.status == "sent",
                    HelperInvitation.expires_at > now,
                )
                .order_by(HelperInvitation.id)
            ).all()
            return [_invitation_view(row, name) for row, name in rows]

    def cancel_invitation(
        self, customer_id: int, invitation_id: int, channel: str = "", now: datetime | None = None
    ) -> bool:
        """Withdraw an invitation not yet accepted; its code stops working at once."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            changed = writer.session.execute(
                update(HelperInvitation)
                .where(
                    HelperInvitation.id == invitation_id,
                    HelperInvitation.customer_id == customer_id,
                    HelperInvitation.status == "sent",
                )
                .values(status="cancelled", decided_at=now)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                return False
            codes.spend_invitation_codes(writer.session, invitation_id, now)
            add_audit(
                writer.session,
                f"customer:{customer_id}",
                "helper_invitation_cancelled",
                customer_id,
                {"invitation_id": invitation_id, "channel": channel},
            )
        return True

    def accept_invitation(
        self, helper_id: int, code: str, now: datetime | None = None
    ) -> Acceptance | None:
        """A signed-in helper accepts an invitation to their own number with its code; None
        for a wrong, used or expired code (a wrong one counts a try)."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            helper = writer.session.get(Helper, helper_id)
            if helper is None:
                return None
            used = codes.redeem(
                writer.session,
                key=ctx.settings.helper_code_key(),
                phone=helper.phone,
                code=code,
                now=now,
                max_tries=ctx.settings.helper_code_max_tries,
                purposes=(codes.INVITATION,),
            )
            if used is None or used.invitation_id is None:
                return None
            return accept(writer, ctx, used.invitation_id, now)

    def expire_due_invitations(self, now: datetime | None = None) -> int:
        """The worker's due job: invitations past their time expire, and links the customer
        did not confirm within ``helper_confirm_days`` end. How many changed; running it
        twice changes nothing more."""
        ctx = self._ctx
        now = ctx.now(now)
        changed = 0
        with ctx.write() as writer:
            session = writer.session
            due = session.execute(
                select(HelperInvitation.id, HelperInvitation.customer_id).where(
                    HelperInvitation.status == "sent", HelperInvitation.expires_at <= now
                )
            ).all()
            for invitation_id, customer_id in due:
                if _move(session, invitation_id, "sent", "expired", now):
                    changed += 1
                    codes.spend_invitation_codes(session, invitation_id, now)
                    add_audit(
                        session,
                        "system",
                        "helper_invitation_expired",
                        customer_id,
                        {"invitation_id": invitation_id},
                    )
            cutoff = now - timedelta(days=ctx.settings.helper_confirm_days)
            waiting = session.execute(
                select(HelperLink.id, HelperLink.customer_id, HelperLink.invitation_id)
                .join(HelperInvitation, HelperInvitation.id == HelperLink.invitation_id)
                .where(
                    HelperLink.status == "awaiting_customer",
                    HelperInvitation.accepted_at <= cutoff,
                )
            ).all()
            for link_id, customer_id, invitation_id in waiting:
                ended = session.execute(
                    update(HelperLink)
                    .where(HelperLink.id == link_id, HelperLink.status == "awaiting_customer")
                    .values(status="removed", ended_at=now)
                    .execution_options(synchronize_session=False)
                )
                if ended.rowcount == 1:
                    changed += 1
                    _move(session, invitation_id, "accepted", "expired", now)
                    add_audit(
                        session,
                        "system",
                        "helper_link_expired",
                        customer_id,
                        {"link_id": link_id, "invitation_id": invitation_id},
                    )
            session.execute(
                delete(HelperCode)
                .where(HelperCode.expires_at < now - CODE_KEEP)
                .execution_options(synchronize_session=False)
            )
        if changed:
            log.info("helper invitations and links expired: %s", changed)
        return changed


def _move(session: Session, invitation_id: int, old: str, new: str, now: datetime) -> bool:
    """Move an invitation from ``old`` to ``new`` status, if it still is ``old``."""
    result = session.execute(
        update(HelperInvitation)
        .where(HelperInvitation.id == invitation_id, HelperInvitation.status == old)
        .values(status=new, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _places_taken(session: Session, customer_id: int, now: datetime) -> int:
    """Helpers (active or waiting for the customer's yes) plus open invitations."""
    links = session.execute(
        select(func.count(HelperLink.id)).where(
            HelperLink.customer_id == customer_id, HelperLink.status.in_(LINKED)
        )
    ).scalar_one()
    invited = session.execute(
        select(func.count()).select_from(_open_invitations(customer_id, now).subquery())
    ).scalar_one()
    return links + invited


def _open_invitations(customer_id: int, now: datetime):  # noqa: ANN202 - a select
    return select(HelperInvitation.id).where(
        HelperInvitation.customer_id == customer_id,
        HelperInvitation.status == "sent",
        HelperInvitation.expires_at > now,
    )


def _invitation_view(row: HelperInvitation, customer_name: str) -> InvitationView:
    return InvitationView(
        id=row.id,
        customer_id=row.customer_id,
        customer_name=customer_name,
        helper_name=row.helper_name,
        phone=row.phone,
        permissions=tuple(granted(row.permissions)),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )
