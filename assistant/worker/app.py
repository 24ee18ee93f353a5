"""The worker: huey tasks that deliver the outbox and run the due jobs, and the consumer that runs
them in this process.

Several workers (and so several schedulers: each huey consumer schedules the periodic sweep) may
run at once, on one machine or many. Every job is therefore idempotent, and whether a message is
sent or something expires is decided by conditional UPDATEs in the database, never by "the
queue ran it once": a job that runs twice, or on two workers at once, acts once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from huey import crontab
from huey.consumer import Consumer
from sqlalchemy.orm import sessionmaker

from assistant.db import utcnow
from assistant.messaging import outbox
from assistant.messaging.transport import OutboundTransport, build_transport
from assistant.settings import Settings
from assistant.worker.heartbeat import Heartbeat
from assistant.worker.queue import QUEUE_NAME, make_huey

logger = logging.getLogger(__name__)

# A job the sweep runs every minute: given the moment, it acts on whatever is due then (with
# conditional UPDATEs, so two sweeps at once act once) and says how many things it handled.
DueJob = Callable[[datetime], int]

SHUTDOWN_SECONDS = 10.0  # jobs in progress get this long to finish on a clean stop
HEALTH_CHECK_SECONDS = 10.0  # how often dead consumer threads are replaced


class _Consumer(Consumer):
    """huey's consumer without its signal handlers: the process that runs the worker owns its
    signals (``assistant worker`` turns SIGINT and SIGTERM into the stop event), and a worker
    may run in a thread, where signal handlers cannot be set."""

    def _set_signal_handlers(self) -> None:
        """Leave the process's signal handlers alone."""


class Worker:
    """Background jobs on one queue (:func:`make_huey`), its tasks registered on its own huey
    instance, so each Worker carries its settings (tests build several).

    - ``deliver(message_id, claimed_at=None)``: sends one outbox message if it is still this
      job's to send (:func:`assistant.messaging.outbox.deliver`); a failed try is scheduled
      again for its next attempt.
    - ``sweep``, every minute (and when a consumer starts): claims the outbox messages that are
      due (or whose worker died) and hands each claim to ``deliver``, then runs ``due_jobs``.
    """

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker,
        *,
        transport_factory: Optional[Callable[[], OutboundTransport]] = None,
        due_jobs: Iterable[DueJob] = (),
        call_url: Optional[Callable[[int], str]] = None,
        queue_name: str = QUEUE_NAME,
    ) -> None:
        """``transport_factory`` builds the outbound transport on first use (default: the
        configured one); ``call_url(message_id)`` is the TwiML URL of an outbox call."""
        self.settings = settings
        self.sessions = sessions
        self.policy = outbox.DeliveryPolicy.from_settings(settings)
        self.due_jobs: List[DueJob] = list(due_jobs)
        self.call_url = call_url
        self._transport_factory = transport_factory or (lambda: build_transport(settings, sessions))
        self._transport: Optional[OutboundTransport] = None
        self._transport_lock = threading.Lock()
        self.huey = make_huey(settings, queue_name)
        self._deliver = self.huey.task(name="deliver")(self._deliver_job)
        self._sweep = self.huey.periodic_task(crontab(), name="sweep")(self._sweep_job)

    # ---- what the rest of the bank calls -----------------------------------------------

    def deliver_soon(self, message_id: int) -> None:
        """Queue the delivery of an outbox message, after the transaction that added it
        committed. Never raises: if the queue cannot be reached, the next sweep (within a
        minute of the queue being back) delivers it all the same."""
        try:
            self._deliver(message_id)
        except Exception as error:  # noqa: BLE001 - the outbox row is safe; the sweep sends it
            logger.warning(
                "outbox %d not queued (%s); the next sweep will send it",
                message_id,
                type(error).__name__,
            )

    def sweep_now(self, now: Optional[datetime] = None) -> Dict[str, int]:
        """One sweep at ``now``: hand every due outbox message to delivery, then run each due
        job; how many each handled ({"outbox": 2, ...}). A failing job stops none of the rest
        (and is missing from the answer)."""
        now = now or utcnow()
        handled: Dict[str, int] = {}
        for name, job in [("outbox", self._hand_over_due), *map(_named, self.due_jobs)]:
            try:
                handled[name] = int(job(now))
            except Exception as error:  # noqa: BLE001 - the other jobs still run
                logger.error("due job %s failed: %s", name, type(error).__name__)
        if any(handled.values()):
            logger.info("sweep: %s", ", ".join(f"{k} {v}" for k, v in handled.items()))
        return handled

    def _hand_over_due(self, now: datetime) -> int:
        """Claim the due outbox messages and queue each claim's delivery."""
        claims = outbox.claim_due(self.sessions, self.policy, now)
        for held in claims:
            self._deliver(held.message_id, held.claimed_at)
        return len(claims)

    @property
    def transport(self) -> OutboundTransport:
        with self._transport_lock:
            if self._transport is None:
                self._transport = self._transport_factory()
            return self._transport

    # ---- the tasks ---------------------------------------------------------------------

    def _deliver_job(self, message_id: int, claimed_at: Optional[datetime] = None) -> None:
        result = outbox.deliver(
            self.sessions,
            self.transport,
            message_id,
            self.policy,
            claimed_at=claimed_at,
            call_url=self.call_url,
        )
        if result.outcome == "retry" and result.retry_at is not None:
            self._deliver.schedule(args=(message_id,), eta=result.retry_at)

    def _sweep_job(self) -> None:
        self.sweep_now()

    # ---- running -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Work in this process until ``stop`` is set: ``worker_threads`` threads run jobs, a
        scheduler thread queues the sweep every minute (once at start too) and the retries
        when due, and a heartbeat thread beats. On stop the heartbeat goes first, then jobs in
        progress get ``SHUTDOWN_SECONDS`` to finish."""
        consumer = _Consumer(
            self.huey,
            workers=max(1, self.settings.worker_threads),
            worker_type="thread",
            periodic=True,
            initial_delay=0.1,
            max_delay=1.0,  # an idle SQLite queue is looked at every second
            scheduler_interval=1,
            check_worker_health=True,
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
        heartbeat = Heartbeat(
            self.sessions,
            self.settings.worker_heartbeat_seconds,
            alive=lambda: _threads_alive(consumer),
        )
        consumer.start()
        try:
            heartbeat.start()
            logger.info(
                "worker %s running (%d threads)", heartbeat.name, len(consumer.worker_threads)
            )
            checked = time.monotonic()
            while not stop.wait(0.2):
                if time.monotonic() - checked >= HEALTH_CHECK_SECONDS:
                    consumer.check_worker_health()
                    checked = time.monotonic()
        finally:
            heartbeat.stop()
            consumer.stop(graceful=True)
            self.huey.notify_interrupted_tasks()
            logger.info("worker %s stopped", heartbeat.name)

    def close(self) -> None:
        """Close the queue's connection."""
        self.huey.storage.close()


def _named(job: DueJob) -> Tuple[str, DueJob]:
    """("HoldExpiry.expire_due", job) for a bound method; a plain function by its name."""
    name = getattr(job, "__qualname__", None) or type(job).__name__
    return name.rsplit("<locals>.", 1)[-1], job


def _threads_alive(consumer: Consumer) -> bool:
    threads = [consumer.scheduler] + [thread for _, thread in consumer.worker_threads]
    return all(consumer.environment.is_alive(thread) for thread in threads)
