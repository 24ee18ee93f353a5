"""Warning broadcasts (DESIGN.md section 8, issue 10 item 2): fraud-operations staff write a scam
warning, publish it to an audience, and the bank tells each customer once.

API: ``Broadcasts(sessions, settings, wake=None)`` (``wake()``: deliver what is due now).
``staff`` is an :class:`assistant.identity.StaffView` (from ``IdentityService.verify_staff``);
only roles fraud and admin may write or send (else :class:`NotAllowed`). ``now`` is optional
everywhere (tests pin it). Views are frozen dataclasses (:mod:`fraud.broadcasts.views`);
refusals are :class:`~fraud.broadcasts.errors.BroadcastError` with ``code`` and ``message``
(catalogued): ``NotAllowed``, ``NotFound``, ``WrongState``, ``Invalid`` (``.problems``, each
naming its field).

Staff (each audited with actor "staff:<username>"):
- ``create(staff, draft) -> BroadcastView``: a draft (``Draft``: title, voice_text, sms_text,
  banner_text, opener_text, audience, urgency, starts_at, expires_at).
- ``update(staff, id, draft) -> BroadcastView``: drafts only.
- ``publish(staff, id) -> BroadcastStatus``: the fan-out starts at once (first batch now, the
  worker does the rest); a second publish is ``WrongState`` and changes nothing.
- ``cancel(staff, id) -> BroadcastStatus``: stops every text and call not sent yet.
Reading (the admin console checks its own session first):
- ``get(id) -> BroadcastView``, ``list(state=None, limit=100) -> [BroadcastView]`` newest first.
- ``check(draft) -> (Problem, ...)``: what saving would refuse, without saving.
- ``preview(id) -> Preview``: each medium's text as it goes out, with its SMS segments and
  encoding (GSM-7 or UCS-2), how many customers match now, and what would stop a publish.
- ``status(id) -> BroadcastStatus``: queued, deferred, sent, delivered, failed, opted_out,
  cancelled, web, heard; ``.done`` when nothing more will happen.
- ``audience_choices() -> AudienceChoices``: bands, channels, and the regions and languages
  customers have.
The worker: ``fan_out_due(now) -> int`` (a due job; resumable after a kill).
Customers (the conversation opener, the web banner, "any scam warnings?"):
- ``current(customer_id | None) -> [WarningView]``: published, started, not expired, newest
  first; None (before the PIN, or signed out) gives the warnings for everyone only.
- ``newest_unheard(customer_id | None, everyone_only=False) -> WarningView | None``: the one
  to open a conversation with (not heard in a conversation, not had as a text or call).
- ``mark_heard(broadcast_id, customer_id, how) -> bool``: how is opener, skipped or asked; the
  customer's text or call of it not sent yet is cancelled.
- ``banner(customer_id | None) -> WarningView | None``: the newest current warning.
- ``call_script(dedupe_key) -> str | None``: what an automated call of a push says.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.banking.audit import add_audit
from assistant.clock import local_date
from assistant.db import read_only, utcnow
from assistant.identity import StaffView
from assistant.messaging.sms_text import segment_info
from assistant.models import Customer
from assistant.settings import Settings
from assistant.texts import language_of, text
from fraud.broadcasts import pushes
from fraud.broadcasts.audience import AGE_BANDS, CHANNELS, Audience, language_of_locale, profile_of
from fraud.broadcasts.errors import Invalid, NotAllowed, NotFound, WrongState
from fraud.broadcasts.validation import draft_problems, nobody_problem, opener_sms, sms_body
from fraud.broadcasts.views import (
    AudienceChoices,
    BroadcastStatus,
    BroadcastView,
    Draft,
    MediumPreview,
    Preview,
    Problem,
    WarningView,
)
from fraud.models import Broadcast, BroadcastHeard

log = logging.getLogger(__name__)

Wake = Callable[[], None]
#: Staff roles that may write and send warnings.
ROLES = ("fraud", "admin")
HOW = ("opener", "skipped", "asked", "pushed")
#: How long after its expiry a warning's unsent texts are still looked for, to cancel them.
EXPIRED_SWEEP = timedelta(days=7)


class Broadcasts:
    """Scam warnings: written and sent by staff, met by customers (see the module doc)."""

    def __init__(
        self, sessions: sessionmaker, settings: Settings, wake: Optional[Wake] = None
    ) -> None:
        """``wake()`` asks the worker to deliver what is due, after a batch of texts and calls
        is committed (without it, the worker's sweep sends them within a minute)."""
        self.sessions = sessions
        self.readers = read_only(sessions)
        self.settings = settings
        self.wake = wake
        self.language = language_of(settings.locale, settings.locale)

    # ---- staff: writing ------------------------------------------------------------------

    def check(self, draft: Draft, now: Optional[datetime] = None) -> Tuple[Problem, ...]:
        """What saving ``draft`` now would refuse (empty: nothing)."""
        now = now or utcnow()
        starts, expires = self._window(draft, now)
        return draft_problems(draft, starts, expires, now, self.language)

    def create(
        self, staff: StaffView, draft: Draft, now: Optional[datetime] = None
    ) -> BroadcastView:
        """Save ``draft`` as a new draft warning (``Invalid`` with its problems if it has any)."""
        self._allowed(staff)
        now = now or utcnow()
        starts, expires = self._window(draft, now)
        self._valid(draft_problems(draft, starts, expires, now, self.language))
        with self.sessions() as session, session.begin():
            row = Broadcast(
                created_by=staff.username,
                created_at=now,
                updated_at=now,
                state="draft",
                fanout_cursor=0,
            )
            _fill(row, draft, starts, expires)
            session.add(row)
            session.flush()
            add_audit(session, _actor(staff), "broadcast_created", None, _detail(row))
            view = _view(row)
        log.info("broadcast %d created by staff %s", view.id, staff.id)
        return view

    def update(
        self, staff: StaffView, broadcast_id: int, draft: Draft, now: Optional[datetime] = None
    ) -> BroadcastView:
        """Change a draft (``WrongState`` once it is published or cancelled)."""
        self._allowed(staff)
        now = now or utcnow()
        starts, expires = self._window(draft, now)
        self._valid(draft_problems(draft, starts, expires, now, self.language))
        with self.sessions() as session, session.begin():
            row = self._locked(session, broadcast_id)
            if row.state != "draft":
                raise self._wrong("broadcast_not_a_draft", id=row.id, state=row.state)
            _fill(row, draft, starts, expires)
            row.updated_at = now
            add_audit(session, _actor(staff), "broadcast_updated", None, _detail(row))
            return _view(row)

    # ---- staff: sending --------------------------------------------------------------------

    def publish(
        self, staff: StaffView, broadcast_id: int, now: Optional[datetime] = None
    ) -> BroadcastStatus:
        """Publish a draft: from its start it opens conversations and shows on the web pages,
        and the worker texts or calls each customer in its audience who prefers that. A second
        publish, or a cancelled warning, is ``WrongState``; nothing changes."""
        self._allowed(staff)
        now = now or utcnow()
        with self.sessions() as session, session.begin():
            row = self._locked(session, broadcast_id)
            if row.state == "published":
                raise self._wrong(
                    "broadcast_already_published",
                    id=row.id,
                    by=row.published_by or "",
                    at=_stamp(row.published_at),
                )
            if row.state == "cancelled":
                raise self._wrong("broadcast_cancelled_not_published", id=row.id)
            draft = _draft(row)
            problems = list(
                draft_problems(draft, row.starts_at, row.expires_at, now, self.language)
            )
            audience = Audience.from_json(row.audience)
            reached = 0 if audience.empty else audience.count(session, self._today(now))
            if not audience.empty and reached == 0:
                problems.append(nobody_problem(self.language))
            self._valid(tuple(problems))
            row.state = "published"
            row.published_by = staff.username
            row.published_at = now
            row.updated_at = now
            detail = {**_detail(row), "customers": reached}
            add_audit(session, _actor(staff), "broadcast_published", None, detail)
        log.info("broadcast %d published by staff %s to %d customers", row.id, staff.id, reached)
        if row.starts_at <= now:
            self._fan_out_batch(broadcast_id, now)  # the worker's due job does the rest
        return self.status(broadcast_id)

    def cancel(
        self, staff: StaffView, broadcast_id: int, now: Optional[datetime] = None
    ) -> BroadcastStatus:
        """Cancel a warning: it opens no more conversations, leaves the web pages, and every
        text or call not sent yet is cancelled (one in the middle of its send finishes). A
        second cancel is ``WrongState``."""
        self._allowed(staff)
        now = now or utcnow()
        with self.sessions() as session, session.begin():
            row = self._locked(session, broadcast_id)
            if row.state == "cancelled":
                raise self._wrong("broadcast_already_cancelled", id=row.id)
            was = row.state
            row.state = "cancelled"
            row.cancelled_by = staff.username
            row.cancelled_at = now
            row.updated_at = now
            stopped = pushes.cancel_unsent(session, row.id, now)
            detail = {**_detail(row), "was": was, "unsent_cancelled": stopped}
            add_audit(session, _actor(staff), "broadcast_cancelled", None, detail)
        log.info("broadcast %d cancelled by staff %s (%d unsent)", broadcast_id, staff.id, stopped)
        return self.status(broadcast_id)

    # ---- staff: reading --------------------------------------------------------------------

    def get(self, broadcast_id: int) -> BroadcastView:
        with self.readers() as session:
            return _view(self._row(session, broadcast_id))

    def list(self, state: Optional[str] = None, limit: int = 100) -> List[BroadcastView]:
        """Warnings newest first (only those in ``state``, if given)."""
        query = select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
        if state is not None:
            query = query.where(Broadcast.state == state)
        with self.readers() as session:
            return [_view(row) for row in session.execute(query).scalars()]

    def preview(self, broadcast_id: int, now: Optional[datetime] = None) -> Preview:
        """Each medium's text as it goes out, with its SMS segments and encoding; the customers
        it would reach now; and (for a draft) what would stop a publish now."""
        now = now or utcnow()
        with self.readers() as session:
            row = self._row(session, broadcast_id)
            view = _view(row)
            audience = view.audience
            by_channel: Dict[str, int] = {}
            if not audience.empty:
                by_channel = {
                    channel: int(number)
                    for channel, number in session.execute(
                        select(Customer.preferred_channel, func.count())
                        .where(audience.clause(self._today(now)))
                        .group_by(Customer.preferred_channel)
                    ).all()
                }
        count = sum(by_channel.values())
        problems: Tuple[Problem, ...] = ()
        if view.state == "draft":
            found = list(
                draft_problems(_draft(row), view.starts_at, view.expires_at, now, self.language)
            )
            if not audience.empty and count == 0:
                found.append(nobody_problem(self.language))
            problems = tuple(found)
        media = tuple(
            _medium(medium, words)
            for medium, words in (
                ("voice_text", view.voice_text.strip()),
                ("sms_text", sms_body(view.sms_text)),
                ("banner_text", view.banner_text.strip()),
                ("opener_text", view.opener_text.strip()),
                ("opener_sms", opener_sms(view.opener_text, self.language)),
            )
        )
        return Preview(view, media, count, by_channel, problems)

    def status(self, broadcast_id: int) -> BroadcastStatus:
        """How far the warning got (each customer reached in exactly one count)."""
        with self.readers() as session:
            row = self._row(session, broadcast_id)
            counts = pushes.push_counts(session, row.id)
            audience = Audience.from_json(row.audience)
            web = 0
            if row.fanout_cursor and not audience.empty:
                today = self._today(row.published_at or utcnow())
                web = int(
                    session.execute(
                        select(func.count())
                        .select_from(Customer)
                        .where(
                            audience.clause(today),
                            Customer.preferred_channel == "web",
                            Customer.id <= row.fanout_cursor,
                        )
                    ).scalar_one()
                )
            heard = int(
                session.execute(
                    select(func.count())
                    .select_from(BroadcastHeard)
                    .where(BroadcastHeard.broadcast_id == row.id, BroadcastHeard.how != "pushed")
                ).scalar_one()
            )
            return BroadcastStatus(
                id=row.id,
                state=row.state,
                fanned_out=row.fanned_out_at is not None,
                reached=sum(counts.values()) + web,
                web=web,
                heard=heard,
                **counts,
            )

    def audience_choices(self) -> AudienceChoices:
        """What an audience is chosen from: the regions and languages customers have now."""
        with self.readers() as session:
            regions = session.execute(
                select(func.trim(Customer.region))
                .where(func.trim(Customer.region) != "")
                .distinct()
                .order_by(func.trim(Customer.region))
            ).scalars()
            locales = session.execute(select(Customer.locale).distinct()).scalars()
            languages = sorted({language_of_locale(locale) for locale in locales if locale})
            return AudienceChoices(AGE_BANDS, CHANNELS, tuple(regions), tuple(languages))

    # ---- the worker ------------------------------------------------------------------------

    def fan_out_due(self, now: Optional[datetime] = None) -> int:
        """Queue the texts and calls of every published warning that has started, in batches
        of ``broadcast_batch_size`` customers (each its own short transaction) for at most
        ``broadcast_fanout_seconds``; then cancel what is still unsent of warnings that
        expired. How many messages were queued or cancelled. Resumes where the last run
        stopped (the warning's cursor), and queues each customer once (the dedupe key)."""
        now = now or utcnow()
        deadline = time.monotonic() + self.settings.broadcast_fanout_seconds
        handled = 0
        with self.readers() as session:
            due = list(
                session.execute(
                    select(Broadcast.id)
                    .where(
                        Broadcast.state == "published",
                        Broadcast.fanned_out_at.is_(None),
                        Broadcast.starts_at <= now,
                    )
                    .order_by(Broadcast.id)
                ).scalars()
            )
            expired = list(
                session.execute(
                    select(Broadcast.id).where(
                        Broadcast.state == "published",
                        Broadcast.expires_at <= now,
                        Broadcast.expires_at > now - EXPIRED_SWEEP,
                    )
                ).scalars()
            )
        for broadcast_id in due:
            finished = False
            while not finished and time.monotonic() < deadline:
                queued, finished = self._fan_out_batch(broadcast_id, now)
                handled += queued
        for broadcast_id in expired:
            with self.sessions() as session, session.begin():
                handled += pushes.cancel_unsent(session, broadcast_id, now)
        return handled

    def _fan_out_batch(self, broadcast_id: int, now: datetime) -> Tuple[int, bool]:
        """Queue the next batch of the warning's customers after its cursor, in one
        transaction that holds the warning's row (a cancel waits for it, then cancels what it
        queued); then ``wake`` the worker. (How many queued, whether the fan-out is over.)"""
        size = max(1, self.settings.broadcast_batch_size)
        with self.sessions() as session, session.begin():
            row = session.execute(
                select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
            ).scalar_one_or_none()
            if row is None or row.state != "published" or row.fanned_out_at is not None:
                return 0, True
            if row.starts_at > now:
                return 0, True
            if row.expires_at <= now:
                row.fanned_out_at = now
                return 0, True
            audience = Audience.from_json(row.audience)
            heard = exists().where(
                BroadcastHeard.broadcast_id == row.id, BroadcastHeard.customer_id == Customer.id
            )
            customers = session.execute(
                select(Customer.id, Customer.phone, Customer.preferred_channel, Customer.time_zone)
                .where(audience.clause(self._today(now)), Customer.id > row.fanout_cursor, ~heard)
                .order_by(Customer.id)
                .limit(size)
            ).all()
            batch = [
                pushes.Push(
                    customer_id=c.id,
                    phone=c.phone,
                    medium="sms" if c.preferred_channel == "sms" else "call",
                    body=sms_body(row.sms_text)
                    if c.preferred_channel == "sms"
                    else row.voice_text.strip(),
                    time_zone=c.time_zone or self.settings.timezone,
                )
                for c in customers
                if c.preferred_channel in ("sms", "voice")
            ]
            queued = pushes.queue_pushes(session, row.id, batch)
            if customers:
                row.fanout_cursor = customers[-1].id
            finished = len(customers) < size
            if finished:
                row.fanned_out_at = now
        if queued:
            self._wake()
        if finished:
            log.info("broadcast %d fanned out (last customer %d)", broadcast_id, row.fanout_cursor)
        return queued, finished

    # ---- customers -------------------------------------------------------------------------

    def current(
        self, customer_id: Optional[int], now: Optional[datetime] = None
    ) -> List[WarningView]:
        """The warnings in force now for this customer, newest first; for None (nobody
        verified), the warnings for everyone only."""
        now = now or utcnow()
        with self.readers() as session:
            return self._current(session, customer_id, now)

    def newest_unheard(
        self,
        customer_id: Optional[int],
        now: Optional[datetime] = None,
        *,
        everyone_only: bool = False,
    ) -> Optional[WarningView]:
        """The newest warning in force that the customer has not met: not heard (or skipped)
        in a conversation, not had as a text or call (``everyone_only``: of the warnings for
        everyone). For None: the newest for everyone (the conversation remembers that it said
        it)."""
        now = now or utcnow()
        with self.readers() as session:
            found = self._current(session, customer_id, now)
            if everyone_only:
                found = [warning for warning in found if warning.everyone]
            if customer_id is None or not found:
                return found[0] if found else None
            ids = [warning.id for warning in found]
            heard = set(
                session.execute(
                    select(BroadcastHeard.broadcast_id).where(
                        BroadcastHeard.customer_id == customer_id,
                        BroadcastHeard.broadcast_id.in_(ids),
                    )
                ).scalars()
            )
            heard |= pushes.pushed(session, ids, customer_id)
        return next((warning for warning in found if warning.id not in heard), None)

    def banner(
        self, customer_id: Optional[int], now: Optional[datetime] = None
    ) -> Optional[WarningView]:
        """The warning the web pages show: the newest in force (for everyone only, before
        sign-in)."""
        found = self.current(customer_id, now)
        return found[0] if found else None

    def mark_heard(
        self, broadcast_id: int, customer_id: int, how: str, now: Optional[datetime] = None
    ) -> bool:
        """The customer met the warning (``how``: opener, skipped, asked): no conversation
        opens with it again, and their text or call of it not sent yet is cancelled. True
        when this is the first time it is recorded (a skip after the opener is recorded as
        skipped)."""
        if how not in HOW:
            raise ValueError(f"how must be one of {HOW}")
        now = now or utcnow()
        try:
            with self.sessions() as session, session.begin():
                # Waits for a fan-out batch holding the warning, so its text is seen here.
                session.execute(
                    select(Broadcast.id)
                    .where(Broadcast.id == broadcast_id)
                    .with_for_update(read=True)
                )
                row = session.get(BroadcastHeard, (broadcast_id, customer_id))
                first = row is None
                if row is None:
                    session.add(
                        BroadcastHeard(
                            broadcast_id=broadcast_id, customer_id=customer_id, how=how, at=now
                        )
                    )
                elif how == "skipped" and row.how == "opener":
                    row.how = how
                pushes.cancel_push(session, broadcast_id, customer_id, now)
        except IntegrityError:
            return False  # recorded at the same moment by another conversation
        return first

    def call_script(self, dedupe_key: str) -> Optional[str]:
        """The script an automated call of a warning says (None when the key is no warning's
        push, or the warning was cancelled)."""
        parsed = pushes.parse_push_key(dedupe_key)
        if parsed is None:
            return None
        with self.readers() as session:
            row = session.get(Broadcast, parsed[0])
            if row is None or row.state != "published":
                return None
            return row.voice_text.strip()

    # ---- helpers ---------------------------------------------------------------------------

    def _current(
        self, session: Session, customer_id: Optional[int], now: datetime
    ) -> List[WarningView]:
        rows = session.execute(
            select(Broadcast).where(
                Broadcast.state == "published",
                Broadcast.starts_at <= now,
                Broadcast.expires_at > now,
            )
        ).scalars()
        found = [row for row in rows]
        if customer_id is None:
            chosen = [row for row in found if Audience.from_json(row.audience).everyone]
        else:
            profile = profile_of(session, customer_id) if found else None
            today = self._today(now)
            chosen = [
                row
                for row in found
                if profile is not None and Audience.from_json(row.audience).matches(profile, today)
            ]
        chosen.sort(key=_newest, reverse=True)
        return [_warning(row) for row in chosen]

    def _today(self, now: datetime):  # noqa: ANN202 - a date
        return local_date(now, self.settings.timezone)

    def _window(self, draft: Draft, now: datetime) -> Tuple[datetime, datetime]:
        starts = draft.starts_at or now
        expires = draft.expires_at or starts + timedelta(days=self.settings.broadcast_default_days)
        return starts, expires

    def _allowed(self, staff: StaffView) -> None:
        if staff is None or staff.role not in ROLES:
            code = "broadcast_not_allowed"
            raise NotAllowed(code, text(code, language=self.language))

    def _valid(self, problems: Tuple[Problem, ...]) -> None:
        if problems:
            code = "broadcast_invalid"
            raise Invalid(code, text(code, language=self.language), problems)

    def _wrong(self, code: str, **values: object) -> WrongState:
        return WrongState(code, text(code, language=self.language, **values))

    def _row(self, session: Session, broadcast_id: int) -> Broadcast:
        row = session.get(Broadcast, broadcast_id)
        if row is None:
            code = "broadcast_not_found"
            raise NotFound(code, text(code, language=self.language, id=broadcast_id))
        return row

    def _locked(self, session: Session, broadcast_id: int) -> Broadcast:
        row = session.execute(
            select(Broadcast).where(Broadcast.id == broadcast_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            code = "broadcast_not_found"
            raise NotFound(code, text(code, language=self.language, id=broadcast_id))
        return row

    def _wake(self) -> None:
        if self.wake is None:
            return
        try:
            self.wake()
        except Exception as error:  # noqa: BLE001 - the worker's sweep sends them anyway
            log.warning("warning texts not handed over: %s", type(error).__name__)


# ---- rows and views --------------------------------------------------------------------------


def _actor(staff: StaffView) -> str:
    return f"staff:{staff.username}"


def _stamp(moment: Optional[datetime]) -> str:
    return moment.isoformat(timespec="minutes") if moment is not None else ""


def _fill(row: Broadcast, draft: Draft, starts: datetime, expires: datetime) -> None:
    row.title = draft.title.strip()
    row.voice_text = draft.voice_text.strip()
    row.sms_text = draft.sms_text.strip()
    row.banner_text = draft.banner_text.strip()
    row.opener_text = draft.opener_text.strip()
    row.audience = draft.audience.as_json()
    row.urgency = draft.urgency
    row.starts_at = starts
    row.expires_at = expires


def _draft(row: Broadcast) -> Draft:
    return Draft(
        title=row.title,
        voice_text=row.voice_text,
        sms_text=row.sms_text,
        banner_text=row.banner_text,
        opener_text=row.opener_text,
        audience=Audience.from_json(row.audience),
        urgency=row.urgency,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
    )


def _detail(row: Broadcast) -> dict:
    """What the audit keeps of a warning: which one, its title and audience, never texts."""
    return {"broadcast_id": row.id, "title": row.title, "audience": dict(row.audience or {})}


def _view(row: Broadcast) -> BroadcastView:
    return BroadcastView(
        id=row.id,
        title=row.title,
        voice_text=row.voice_text,
        sms_text=row.sms_text,
        banner_text=row.banner_text,
        opener_text=row.opener_text,
        audience=Audience.from_json(row.audience),
        urgency=row.urgency,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
        state=row.state,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_by=row.published_by,
        published_at=row.published_at,
        cancelled_by=row.cancelled_by,
        cancelled_at=row.cancelled_at,
        fanout_cursor=row.fanout_cursor or 0,
        fanned_out_at=row.fanned_out_at,
    )


def _warning(row: Broadcast) -> WarningView:
    return WarningView(
        id=row.id,
        title=row.title,
        voice_text=row.voice_text,
        sms_text=row.sms_text,
        banner_text=row.banner_text,
        opener_text=row.opener_text,
        urgency=row.urgency,
        everyone=Audience.from_json(row.audience).everyone,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
    )


def _newest(row: Broadcast) -> Tuple[datetime, int]:
    """Which warning is newest: the later of its start and its publishing, then the id."""
    started = max(row.starts_at, row.published_at or row.starts_at)
    return started, row.id


def _medium(medium: str, words: str) -> MediumPreview:
    info = segment_info(words)
    return MediumPreview(medium, words, info.segments, info.encoding, len(words))
