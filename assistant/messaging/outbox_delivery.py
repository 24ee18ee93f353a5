"""Delivering the outbox: due messages claimed in batches, sent concurrently, finished in bulk.

:class:`OutboxDelivery` is what the worker runs (:meth:`~OutboxDelivery.run_due` for a medium's
due messages, :meth:`~OutboxDelivery.deliver_one` for one message a service just wrote):

1. Messages whose time zone is in its quiet hours now are deferred to the end of the window
   there, in bulk, before anything is claimed (:func:`~outbox_claims.defer_quiet`).
2. A batch is claimed in one UPDATE (:mod:`~assistant.messaging.outbox_claims`): first claims
   that lapsed (their worker was killed), then due messages, oldest first. A batch is at most
   ``ASSISTANT_OUTBOX_BATCH_SIZE`` messages, and no more than the rate limit sends in a few
   seconds, so cancelling a broadcast stops it within seconds.
3. A message taken back from a lapsed claim is first looked for at the provider (Messages or
   Calls listed for its number since the lapsed claim's day, created after that claim, the same
   body): found, it is marked sent with that sid; not found, it is sent (a new try), or given up
   if that claim was its last allowed try.
4. Texts to numbers that opted out are closed unsent (one query for the batch); the rest are
   sent on ``ASSISTANT_OUTBOX_SEND_THREADS`` threads sharing one transport (kept-alive
   connections), each send first taking a slot from the rate limiter of its medium.
5. Outcomes are written back in bulk, ``ASSISTANT_OUTBOX_COMMIT_ROWS`` a transaction
   (:mod:`~assistant.messaging.outbox_outcomes`).

What the provider answers decides the outcome: a message id is ``sent``; error 21610 (the
number texted STOP) is ``opted_out``, recorded as an opt-out, never retried; a permanent error
(invalid or unreachable number: :data:`PERMANENT_ERRORS`) is ``failed`` at once; 429, 5xx,
other refusals and network errors are tried again after the backoff, and ``failed`` after the
last allowed try. No answer at all (a read timeout) may mean the provider accepted it: the
message stays ``sending`` until its next try and is then looked for before it is sent again.

A worker killed mid-batch (kill -9) leaves its batch ``sending``. After the lease
(``ASSISTANT_OUTBOX_LEASE_SECONDS``) a worker takes the batch back: messages the provider had
accepted before the kill are found by its listing and marked sent, without a second send; the
rest are sent. A message goes twice only if the provider's listing misses a message it accepted
(a listing that lags the lease, two minutes by default).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Set

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only, utcnow
from assistant.messaging.models import SmsOptOut
from assistant.messaging.outbox_claims import (
    Claim,
    DeliveryPolicy,
    Held,
    claim_due,
    claim_lapsed,
    count_tries,
    defer_quiet,
    still_held,
)
from assistant.messaging.outbox_outcomes import Outcome, finish
from assistant.messaging.quiet_hours import QuietHours
from assistant.messaging.rate_limits import LocalRateLimiter, RateLimiter, rates_from
from assistant.messaging.transport import (
    OPTED_OUT_CODE,
    SMS_STATUS_PATH,
    VOICE_STATUS_PATH,
    OutboxProvider,
    TransportError,
    mask_phone,
)
from assistant.settings import Settings

logger = logging.getLogger(__name__)

MEDIA = ("sms", "call")
# Twilio errors no retry can mend: the number is invalid (21211, 21214, 21217, 21401), cannot
# get texts (21612 unreachable, 21614 not a mobile, 21408 region not enabled), or the message
# itself is refused (21602 no body, 21604 no To, 21617 too long).
PERMANENT_ERRORS = frozenset({21211, 21214, 21217, 21401, 21408, 21602, 21604, 21612, 21614, 21617})
BATCH_SECONDS = 5.0  # a batch holds what the rate limit sends in this long, at most


@dataclass(frozen=True)
class Delivery:
    """What one message's delivery did. ``outcome``: sent, opted_out, failed, retry (again at
    ``retry_at``), unsure (no answer; looked for before the next try), deferred (quiet hours,
    until ``retry_at``), or skipped (not this caller's to send: finished, not due, or held)."""

    message_id: int
    outcome: str
    retry_at: Optional[datetime] = None
    provider_sid: Optional[str] = None


@dataclass
class Report:
    """What a run did: outcomes by kind, batches claimed, and whether due messages remain
    (it stopped for its time budget or a stop request)."""

    outcomes: Dict[str, int] = field(default_factory=dict)
    batches: int = 0
    deferred_before_claim: int = 0
    more: bool = False

    def add(self, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            self.outcomes[outcome.kind] = self.outcomes.get(outcome.kind, 0) + 1

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values()) + self.deferred_before_claim


def status_callback(settings: Settings, medium: str, message_id: int) -> str:
    """The status callback URL of an outbox message: it names the message, so a callback that
    beats the worker writing the sid down still finds it."""
    path = VOICE_STATUS_PATH if medium == "call" else SMS_STATUS_PATH
    return f"{settings.twilio_base_url}{path}?outbox={message_id}"


class OutboxDelivery:
    """Sends due outbox messages in batches (see the module). Safe to use from several threads;
    :meth:`close` stops its sending threads."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker,
        provider: OutboxProvider,
        *,
        policy: Optional[DeliveryPolicy] = None,
        limiter: Optional[RateLimiter] = None,
        quiet: Optional[QuietHours] = None,
        call_url: Optional[Callable[[int], str]] = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.provider = provider
        self.policy = policy or DeliveryPolicy.from_settings(settings)
        self.limiter = limiter or LocalRateLimiter(rates_from(settings))
        self.quiet = quiet or QuietHours.from_settings(settings)
        self.call_url = call_url
        self.clock = clock
        self._threads = max(1, settings.outbox_send_threads)
        self._pool: Optional[ThreadPoolExecutor] = None
        self._pool_lock = threading.Lock()

    # ---- running -----------------------------------------------------------------------

    def batch_size(self, medium: str) -> int:
        """Messages claimed at once: the setting, or what the rate limit sends in a few
        seconds if that is fewer."""
        size = max(1, self.settings.outbox_batch_size)
        rate = self.limiter.per_second(medium)
        if rate > 0:
            size = min(size, max(1, int(rate * BATCH_SECONDS)))
        return size

    def run_due(
        self,
        medium: str,
        *,
        budget: Optional[float] = None,
        stop: Optional[threading.Event] = None,
        now: Optional[datetime] = None,
    ) -> Report:
        """Deliver ``medium``'s due messages batch after batch until none is due, ``budget``
        seconds are spent, or ``stop`` is set (then ``more`` says whether any may be left)."""
        report = Report()
        started = time.monotonic()
        with self._sqlite_kept_open():
            moment = now or self.clock()
            report.deferred_before_claim = defer_quiet(
                self.sessions, self.quiet, medium=medium, now=moment
            )
            limit = self.batch_size(medium)
            while True:
                moment = now or self.clock()
                claim = claim_lapsed(
                    self.sessions, self.policy, limit=limit, medium=medium, now=moment
                ) or claim_due(self.sessions, limit=limit, medium=medium, now=moment)
                if claim is None:
                    break
                report.batches += 1
                report.add(self.deliver_claim(claim, now=now))
                out_of_time = budget is not None and time.monotonic() - started >= budget
                if out_of_time or (stop is not None and stop.is_set()):
                    report.more = True
                    break
        if report.handled:
            logger.info(
                "outbox %s: %s in %d batch(es), %d deferred before claiming",
                medium,
                ", ".join(f"{kind} {n}" for kind, n in sorted(report.outcomes.items())) or "-",
                report.batches,
                report.deferred_before_claim,
            )
        return report

    @contextmanager
    def _sqlite_kept_open(self) -> Iterator[None]:
        """On SQLite, one idle connection (no transaction, no snapshot) held while delivering.
        Its sessions open and close a connection each; when the last one to a database closes,
        SQLite checkpoints and deletes the WAL, some milliseconds each time, hundreds of times
        in a fan-out."""
        engine = self.sessions.kw.get("bind")
        if engine is None or engine.dialect.name != "sqlite":
            yield
            return
        with engine.connect():
            yield

    def deliver_one(self, message_id: int, now: Optional[datetime] = None) -> Delivery:
        """Deliver message ``message_id`` if it is due (or its claim lapsed) and nobody else
        holds it."""
        moment = now or self.clock()
        claim = claim_lapsed(
            self.sessions, self.policy, limit=1, now=moment, ids=[message_id]
        ) or claim_due(self.sessions, limit=1, now=moment, ids=[message_id])
        if claim is None:
            return Delivery(message_id, "skipped")
        outcomes = self.deliver_claim(claim, now=now)
        if not outcomes:  # taken back by another worker before it was sent
            return Delivery(message_id, "skipped")
        outcome = outcomes[0]
        retry_at = outcome.when if outcome.kind in ("retry", "unsure", "deferred") else None
        return Delivery(message_id, outcome.kind, retry_at=retry_at, provider_sid=outcome.sid)

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    # ---- one batch ---------------------------------------------------------------------

    def deliver_claim(self, claim: Claim, now: Optional[datetime] = None) -> List[Outcome]:
        """Send what ``claim`` holds and write the outcomes back; the outcomes written."""
        clock: Callable[[], datetime] = (lambda: now) if now is not None else self.clock
        messages = list(claim.messages)
        outcomes: List[Outcome] = []
        lapsed = [m for m in messages if m.lapsed_since is not None]
        if lapsed:
            found = dict(zip([m.id for m in lapsed], self._map(self._look_for, lapsed)))
            again: List[Held] = []
            for message in lapsed:
                sid = found[message.id]
                if sid is not None:
                    outcomes.append(Outcome(message, "sent", sid=sid))
                elif message.attempts >= self.policy.max_attempts:
                    error = "gave up: its worker stopped during the last try"
                    outcomes.append(Outcome(message, "failed", error=error))
                else:
                    again.append(message)
            messages = [m for m in messages if m.lapsed_since is None] + again
        to_send: List[Held] = []
        moment = clock()
        for message in messages:
            until = self.quiet.ends_at(message.time_zone, moment)
            if until is not None:
                outcomes.append(Outcome(message, "deferred", when=until))
            else:
                to_send.append(message)
        retried = [m for m in to_send if m.lapsed_since is not None]
        count_tries(self.sessions, claim, [m.id for m in retried])
        to_send = [
            replace(m, attempts=m.attempts + 1) if m.lapsed_since is not None else m
            for m in to_send
        ]
        opted_out = self._opted_out(to_send)
        sending: List[Held] = []
        for message in to_send:
            if message.to_phone in opted_out and message.medium == "sms":
                outcomes.append(Outcome(message, "opted_out", error="opted out (STOP)"))
            else:
                sending.append(message)
        renewal = _Renewal(self.sessions, claim, self.policy.lease_seconds / 4, clock)
        outcomes.extend(
            o for o in self._map(lambda m: self._send(m, clock, renewal), sending) if o is not None
        )
        written = finish(
            self.sessions,
            claim,
            outcomes,
            now=clock(),
            commit_rows=self.settings.outbox_commit_rows,
        )
        if written.lost:
            logger.warning(
                "outbox: %d outcome(s) not written: their claim lapsed and was taken back "
                "during the send (they are looked for at the provider before any resend)",
                written.lost,
            )
        return outcomes

    def _map(self, work: Callable, items: Sequence) -> List:
        if len(items) <= 1 or self._threads == 1:
            return [work(item) for item in items]
        return list(self._executor().map(work, items))

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="outbox-send")
            return self._pool

    def _opted_out(self, messages: Sequence[Held]) -> Set[str]:
        phones = sorted(
            {m.to_phone for m in messages if m.medium == "sms" and not m.legally_required}
        )
        if not phones:
            return set()
        with read_only(self.sessions)() as session:
            return set(
                session.execute(
                    select(SmsOptOut.phone).where(
                        SmsOptOut.phone.in_(phones), SmsOptOut.opted_out.is_(True)
                    )
                ).scalars()
            )

    def _look_for(self, message: Held) -> Optional[str]:
        """The sid of the message (or call) the provider made for ``message`` under its lapsed
        claim, if any; None when not found or the provider could not say (then it is sent)."""
        assert message.lapsed_since is not None
        try:
            if message.medium == "call":
                return self.provider.find_call(message.to_phone, message.lapsed_since)
            return self.provider.find_message(message.to_phone, message.body, message.lapsed_since)
        except Exception as error:  # noqa: BLE001 - unknown: it is sent again
            logger.warning(
                "outbox %d: could not look for it at the provider (%s); sending it again",
                message.id,
                error if isinstance(error, TransportError) else type(error).__name__,
            )
            return None

    def _send(
        self, message: Held, clock: Callable[[], datetime], renewal: _Renewal
    ) -> Optional[Outcome]:
        if not renewal.holds(message.id):
            return None  # taken back by another worker while this batch waited
        masked = mask_phone(message.to_phone)
        try:
            if message.medium == "call":
                if self.call_url is None:
                    raise TransportError("no call URL is configured for outbox calls")
                self.limiter.wait("call")
                sid = self.provider.create_call(
                    message.to_phone,
                    self.call_url(message.id),
                    status_callback(self.settings, "call", message.id),
                )
            else:
                self.limiter.wait("sms")
                sid = self.provider.create_message(
                    message.to_phone,
                    message.body,
                    status_callback(self.settings, "sms", message.id),
                )
        except TransportError as error:
            outcome = self._refused(message, error, clock())
        except Exception as error:  # noqa: BLE001 - any failure is a try that did not send
            outcome = self._refused(message, TransportError(type(error).__name__), clock())
        else:
            logger.debug("outbox %d %s to %s: sent (%s)", message.id, message.medium, masked, sid)
            return Outcome(message, "sent", sid=sid)
        logger.log(
            logging.DEBUG if outcome.kind == "opted_out" else logging.INFO,
            "outbox %d %s to %s: %s (%s)",
            message.id,
            message.medium,
            masked,
            outcome.kind,
            outcome.error,
        )
        return outcome

    def _refused(self, message: Held, error: TransportError, now: datetime) -> Outcome:
        """The outcome of a send the provider refused (or that got no answer)."""
        reason = str(error)
        if error.code == OPTED_OUT_CODE and message.medium == "sms":
            return Outcome(
                message, "opted_out", error=reason, code=error.code, recorded_opt_out=True
            )
        if error.code in PERMANENT_ERRORS:
            return Outcome(message, "failed", error=reason, code=error.code)
        retry_at = now + self.policy.backoff(message.attempts)
        if error.unsure:
            reason = f"no answer ({reason}); looked for before the next try"
            return Outcome(message, "unsure", error=reason, when=retry_at)
        if message.attempts >= self.policy.max_attempts:
            return Outcome(message, "failed", error=reason, code=error.code)
        return Outcome(message, "retry", error=reason, code=error.code, when=retry_at)


class _Renewal:
    """Renews a claim while its batch is sent, every ``interval`` seconds (one thread at a
    time), and knows which of its messages it still holds."""

    def __init__(
        self,
        sessions: sessionmaker,
        claim: Claim,
        interval: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.claim = claim
        self.clock = clock
        self.interval = max(interval, 0.5)
        self.renewed = time.monotonic()
        self.held: Set[int] = {m.id for m in claim.messages}
        self._lock = threading.Lock()

    def holds(self, message_id: int) -> bool:
        if time.monotonic() - self.renewed >= self.interval:
            with self._lock:
                if time.monotonic() - self.renewed >= self.interval:
                    self.held = still_held(self.sessions, self.claim, self.clock())
                    self.renewed = time.monotonic()
        return message_id in self.held


def deliver(
    sessions: sessionmaker,
    provider: OutboxProvider,
    message_id: int,
    policy: DeliveryPolicy,
    *,
    settings: Optional[Settings] = None,
    call_url: Optional[Callable[[int], str]] = None,
    now: Optional[datetime] = None,
) -> Delivery:
    """Deliver one message once, if it is this caller's to send (tests and one-off use; the
    worker keeps one :class:`OutboxDelivery`). No rate limit unless ``settings`` has one."""
    settings = settings or getattr(provider, "settings", None) or Settings()
    delivery = OutboxDelivery(settings, sessions, provider, policy=policy, call_url=call_url)
    try:
        return delivery.deliver_one(message_id, now=now)
    finally:
        delivery.close()
