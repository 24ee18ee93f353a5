"""The customer's say over their helpers (issue 9 items 2 and 3): confirming one who accepted,
granting and withdrawing each permission, removing a helper, a helper leaving, and the kind
six-monthly question whether each helper keeps their access. Every change takes effect at
once (the portal checks the link on every request) and is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from assistant.banking.audit import add_audit
from assistant.banking.payees import AMBIGUITY_MARGIN, MATCH_THRESHOLD, words
from assistant.models import Customer, HeldPayment
from family.links import permissions as perms
from family.links.context import Context, helper_name, tell_customer, tell_helper
from family.links.cosign import (
    is_approver,
    keep_cosign_for_delay,
    keep_cosign_for_new_approver,
)
from family.links.invitations import LINKED
from family.links.models import Helper, HelperInvitation, HelperLink
from family.links.views import HelperInfo, PendingHelper


def _info(session: Session, link: HelperLink) -> HelperInfo:
    return HelperInfo(
        link_id=link.id,
        helper_id=link.helper_id,
        name=helper_name(session, link),
        status=link.status,
        permissions=tuple(perms.granted(link.permissions)),
        confirmed_at=link.confirmed_at,
        review_due_at=link.review_due_at,
    )


def _name_score(query: list[str], name: str) -> float:
    candidates = words(name)
    if not candidates:
        return 0.0
    whole = fuzz.ratio(" ".join(query), " ".join(candidates))
    best = [max(fuzz.ratio(q, c) for c in candidates) for q in query]
    return max(whole, sum(best) / len(best), max(best))


def _locked_link(session: Session, customer_id: int, link_id: int) -> HelperLink | None:
    return session.execute(
        select(HelperLink)
        .where(HelperLink.id == link_id, HelperLink.customer_id == customer_id)
        .with_for_update()
    ).scalar_one_or_none()


class Consent:
    _ctx: Context

    # ---- what the customer has ---------------------------------------------------------

    def list_helpers(self, customer_id: int) -> list[HelperInfo]:
        """The customer's helpers: active ones and those waiting for their yes."""
        with self._ctx.readers() as session:
            links = session.execute(
                select(HelperLink)
                .where(HelperLink.customer_id == customer_id, HelperLink.status.in_(LINKED))
                .order_by(HelperLink.id)
            ).scalars()
            return [_info(session, link) for link in links]

    def find_helpers(self, customer_id: int, text: str) -> list[HelperInfo]:
        """The customer's helpers ``text`` names ("Linda", "lynda", "my Linda"), by the name
        they were invited by or the one on file: [] when none, [one] when sure, several (best
        first) when it could be either."""
        query = words(text)
        if not query:
            return []
        with self._ctx.readers() as session:
            rows = session.execute(
                select(HelperLink, Helper.name)
                .join(Helper, Helper.id == HelperLink.helper_id)
                .where(HelperLink.customer_id == customer_id, HelperLink.status.in_(LINKED))
                .order_by(HelperLink.id)
            ).all()
            infos = [(_info(session, link), on_file) for link, on_file in rows]
        scored = sorted(
            (
                (max(_name_score(query, info.name), _name_score(query, on_file)), info)
                for info, on_file in infos
            ),
            key=lambda pair: -pair[0],
        )
        scored = [(score, info) for score, info in scored if score >= MATCH_THRESHOLD]
        if not scored:
            return []
        top = scored[0][0]
        floor = 100.0 if top >= 100.0 else top - AMBIGUITY_MARGIN
        return [info for score, info in scored if score >= floor]

    def has_news(self, customer_id: int, now: datetime | None = None) -> bool:
        """Whether the customer has anything to hear at a pause: a held payment's ending not
        told yet, a relative who accepted, or a helper's review due. One query: the
        conversation asks it every turn, and nearly always the answer is no."""
        now = self._ctx.now(now)
        untold = exists().where(
            HeldPayment.customer_id == customer_id,
            HeldPayment.status != "held",
            HeldPayment.outcome_told.is_(False),
        )
        waiting = exists().where(
            HelperLink.customer_id == customer_id,
            or_(
                HelperLink.status == "awaiting_customer",
                and_(HelperLink.status == "active", HelperLink.review_due_at <= now),
            ),
        )
        with self._ctx.readers() as session:
            return bool(session.execute(select(or_(untold, waiting))).scalar())

    def pending_confirmations(self, customer_id: int) -> list[PendingHelper]:
        """Relatives who accepted and wait for the customer's yes or no (asked after the PIN
        at the next contact, never inside a read-back)."""
        with self._ctx.readers() as session:
            rows = session.execute(
                select(HelperLink, HelperInvitation.accepted_at)
                .outerjoin(HelperInvitation, HelperInvitation.id == HelperLink.invitation_id)
                .where(
                    HelperLink.customer_id == customer_id,
                    HelperLink.status == "awaiting_customer",
                )
                .order_by(HelperLink.id)
            ).all()
            return [
                PendingHelper(
                    link_id=link.id,
                    helper_id=link.helper_id,
                    name=helper_name(session, link),
                    permissions=tuple(perms.granted(link.permissions)),
                    accepted_at=accepted_at,
                )
                for link, accepted_at in rows
            ]

    def due_reviews(self, customer_id: int, now: datetime | None = None) -> list[HelperInfo]:
        """Active helpers whose six-monthly review is due: "Shall Linda keep her access?"."""
        now = self._ctx.now(now)
        with self._ctx.readers() as session:
            links = session.execute(
                select(HelperLink)
                .where(
                    HelperLink.customer_id == customer_id,
                    HelperLink.status == "active",
                    HelperLink.review_due_at <= now,
                )
                .order_by(HelperLink.review_due_at, HelperLink.id)
            ).scalars()
            return [_info(session, link) for link in links]

    # ---- the customer's changes --------------------------------------------------------

    def confirm_helper(
        self,
        customer_id: int,
        link_id: int,
        yes: bool,
        channel: str = "",
        now: datetime | None = None,
    ) -> bool:
        """The customer's answer about a helper who accepted: yes makes the link active (the
        helper is told by text, the first review due in ``helper_review_days``), no removes
        it and declines the invitation. False when there was nothing waiting."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            session = writer.session
            link = _locked_link(session, customer_id, link_id)
            if link is None or link.status != "awaiting_customer":
                return False
            invitation = (
                session.get(HelperInvitation, link.invitation_id) if link.invitation_id else None
            )
            if yes:
                link.status = "active"
                link.confirmed_at = now
                link.review_due_at = now + timedelta(days=ctx.settings.helper_review_days)
            else:
                link.status = "removed"
                link.ended_at = now
            if invitation is not None:
                invitation.status = "confirmed" if yes else "declined"
                invitation.decided_at = now
            add_audit(
                session,
                f"customer:{customer_id}",
                "helper_confirmed" if yes else "helper_declined",
                customer_id,
                {"link_id": link.id, "helper_id": link.helper_id, "channel": channel},
            )
            if yes and is_approver(link):
                keep_cosign_for_new_approver(session, customer_id, now)
            if yes:
                tell_helper(
                    writer,
                    session.get(Helper, link.helper_id),
                    session.get(Customer, customer_id),
                    ctx.settings,
                    "family_confirmed_sms",
                    f"helper_confirmed:{link.id}:{link.invitation_id or 0}",
                )
        return True

    def set_permission(
        self,
        customer_id: int,
        link_id: int,
        permission: str,
        granted: bool,
        channel: str = "",
    ) -> bool:
        """Grant or withdraw one permission, at once ("stop Linda seeing my balance"). False
        when the helper is not (or no longer) linked. An unknown name is a ValueError."""
        if permission not in perms.PERMISSIONS:
            raise ValueError(f"unknown helper permission {permission!r}")
        ctx = self._ctx
        with ctx.write() as writer:
            session = writer.session
            link = _locked_link(session, customer_id, link_id)
            if link is None or link.status not in LINKED:
                return False
            was_approver = is_approver(link)
            link.permissions = {**dict(link.permissions or {}), permission: bool(granted)}
            add_audit(
                session,
                f"customer:{customer_id}",
                "helper_permission_changed",
                customer_id,
                {
                    "link_id": link.id,
                    "helper_id": link.helper_id,
                    "permission": permission,
                    "granted": bool(granted),
                    "channel": channel,
                },
            )
            if was_approver and not is_approver(link):
                self._keep_cosign(session, customer_id, channel)
            elif is_approver(link) and not was_approver and link.status == "active":
                keep_cosign_for_new_approver(session, customer_id, self._ctx.now(None))
        return True

    def _keep_cosign(
        self, session: Session, customer_id: int, channel: str, now: datetime | None = None
    ) -> None:
        """An approver went: the co-sign amount stays for the loosening delay when nobody is
        left who may approve (``family.links.cosign``)."""
        keep_cosign_for_delay(
            session,
            customer_id,
            channel,
            self._ctx.now(now),
            self._ctx.settings.safety_loosen_hours,
        )

    def remove_helper(
        self, customer_id: int, link_id: int, channel: str = "", now: datetime | None = None
    ) -> bool:
        """End a helper's access at once; a confirmed helper is told by text. False when they
        were not linked."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            session = writer.session
            link = _locked_link(session, customer_id, link_id)
            if link is None or link.status not in LINKED:
                return False
            was_active = link.status == "active"
            was_approver = is_approver(link)
            link.status = "removed"
            link.ended_at = now
            if not was_active and link.invitation_id is not None:
                invitation = session.get(HelperInvitation, link.invitation_id)
                if invitation.status == "accepted":
                    invitation.status, invitation.decided_at = "declined", now
            add_audit(
                session,
                f"customer:{customer_id}",
                "helper_removed",
                customer_id,
                {"link_id": link.id, "helper_id": link.helper_id, "channel": channel},
            )
            if was_active:
                tell_helper(
                    writer,
                    session.get(Helper, link.helper_id),
                    session.get(Customer, customer_id),
                    ctx.settings,
                    "family_removed_sms",
                    f"helper_removed:{link.id}:{link.invitation_id or 0}",
                )
            if was_approver:
                self._keep_cosign(session, customer_id, channel, now)
        return True

    def keep_helper(
        self, customer_id: int, link_id: int, channel: str = "", now: datetime | None = None
    ) -> bool:
        """The customer wants this helper to keep their access: next review in
        ``helper_review_days``."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            changed = writer.session.execute(
                update(HelperLink)
                .where(
                    HelperLink.id == link_id,
                    HelperLink.customer_id == customer_id,
                    HelperLink.status == "active",
                )
                .values(review_due_at=now + timedelta(days=ctx.settings.helper_review_days))
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                return False
            add_audit(
                writer.session,
                f"customer:{customer_id}",
                "helper_kept",
                customer_id,
                {"link_id": link_id, "channel": channel},
            )
        return True

    # ---- the helper's own change -------------------------------------------------------

    def leave(
        self,
        helper_id: int,
        customer_id: int,
        channel: str = "portal",
        now: datetime | None = None,
    ) -> bool:
        """The helper ends their own link to the customer, at once; the customer is told by
        text when they prefer texts or the web. False when there was no link."""
        ctx = self._ctx
        now = ctx.now(now)
        with ctx.write() as writer:
            session = writer.session
            link = session.execute(
                select(HelperLink)
                .where(HelperLink.helper_id == helper_id, HelperLink.customer_id == customer_id)
                .with_for_update()
            ).scalar_one_or_none()
            if link is None or link.status not in LINKED:
                return False
            was_approver = is_approver(link)
            link.status = "left"
            link.ended_at = now
            add_audit(
                session,
                f"helper:{helper_id}",
                "helper_left",
                customer_id,
                {"link_id": link.id, "channel": channel},
            )
            tell_customer(
                writer,
                session.get(Customer, customer_id),
                ctx.settings,
                "family_left_sms",
                f"helper_left:{link.id}:{link.invitation_id or 0}",
                helper=helper_name(session, link),
            )
            if was_approver:
                self._keep_cosign(session, customer_id, channel, now)
        return True
