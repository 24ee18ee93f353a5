"""The worker: huey tasks that deliver the outbox and run the due jobs, and the consumer that runs
them in this process.

Several workers (and so several schedulers: each huey consumer schedules the periodic sweep) may
run at once, on one machine or many. Every job is therefore idempotent, and whether a message is
sent or something expires is decided by conditional UPDATEs in the database, never by "the
queue ran it once": a job that runs twice, or on two workers at once, acts once.

The outbox is delivered in batches (:class:`~assistant.messaging.outbox_delivery.OutboxDelivery`)
by the task ``deliver_due(medium)``: queued by every sweep that finds due messages, and by
:meth:`Worker.deliver_due_soon` (a broadcast that just queued thousands). One such task runs per
medium in a worker process at a time (a second one leaves the work to it); it sends for at most
``ASSISTANT_OUTBOX_TASK_SECONDS``, then queues itself again behind the other jobs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from huey import crontab
from huey.consumer import Consumer
from sqlalchemy.orm import sessionmaker

from assistant.db import utcnow
from assistant.messaging import outbox
from assistant.messaging.outbox_claims import DeliveryPolicy, due_counts
from assistant.messaging.outbox_delivery import MEDIA, OutboxDelivery
from assistant.messaging.rate_limits import build_rate_limiter
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

    - ``deliver(message_id)``: sends one outbox message if it is still this job's to send
      (:meth:`OutboxDelivery.deliver_one`); a failed try is scheduled again for its next
      attempt.
    - ``deliver_due(medium)``: sends the medium's due messages in batches (see the module).
    - ``sweep``, every minute (and when a consumer starts): queues ``deliver_due`` for each
      medium with messages due (or whose worker died), clears the scripts of old calls, then
      runs ``due_jobs``.
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
        self.policy = DeliveryPolicy.from_settings(settings)
        self.due_jobs: List[DueJob] = list(due_jobs)
        self.call_url = call_url
        self._transport_factory = transport_factory or (lambda: build_transport(settings, sessions))
        self._transport: Optional[OutboundTransport] = None
        self._delivery: Optional[OutboxDelivery] = None
        self._transport_lock = threading.Lock()
        self._running = {medium: threading.Lock() for medium in MEDIA}
        self._again = {medium: threading.Event() for medium in MEDIA}
        self._stopping = threading.Event()
        self.huey = make_huey(settings, queue_name)
        self._deliver = self.huey.task(name="deliver")(self._deliver_job)
        self._deliver_due = self.huey.task(name="deliver_due")(self._deliver_due_job)
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

    def deliver_due_soon(self, medium: Optional[str] = None) -> None:
        """Queue the delivery of every due message (of ``medium``, else texts and calls), e.g.
        after a broadcast queued its batch. Never raises: the next sweep does it otherwise."""
        for each in [medium] if medium else MEDIA:
            try:
                self._deliver_due(each)
            except Exception as error:  # noqa: BLE001 - the rows are safe; the sweep sends them
                logger.warning(
                    "outbox delivery of %s not queued (%s); the next sweep will do it",
                    each,
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
        """Queue ``deliver_due`` for each medium with messages due now (or whose claim
        lapsed); how many messages are due. Clears the scripts of calls placed long ago."""
        counts = due_counts(self.sessions, self.policy, now)
        for medium, count in counts.items():
            if count:
                self._deliver_due(medium)
        older = timedelta(hours=self.settings.outbox_call_script_hours)
        forgotten = outbox.forget_call_scripts(self.sessions, now, older)
        if forgotten:
            logger.info("outbox: cleared the scripts of %d call(s) placed long ago", forgotten)
        return sum(counts.values())

    @property
    def transport(self) -> OutboundTransport:
        with self._transport_lock:
            if self._transport is None:
                self._transport = self._transport_factory()
            return self._transport

    @property
    def delivery(self) -> OutboxDelivery:
        """The outbox delivery on this worker's transport, rate limits and sending threads."""
        transport = self.transport
        with self._transport_lock:
            if self._delivery is None:
                self._delivery = OutboxDelivery(
                    self.settings,
                    self.sessions,
                    transport,  # type: ignore[arg-type] - the transports are OutboxProviders
                    policy=self.policy,
                    limiter=build_rate_limiter(self.settings),
                    call_url=self.call_url,
                )
            return self._delivery

    # ---- the tasks ---------------------------------------------------------------------

    def _deliver_job(self, message_id: int, claimed_at: Optional[datetime] = None) -> None:
        """``claimed_at`` is ignored (tasks queued by an older worker carried it)."""
        result = self.delivery.deliver_one(message_id)
        if result.outcome == "retry" and result.retry_at is not None:
            self._deliver.schedule(args=(message_id,), eta=result.retry_at)

    def _deliver_due_job(self, medium: str) -> None:
        """Deliver ``medium``'s due messages; if this process already does, leave it to that
        run (which looks again before it ends)."""
        again, running = self._again[medium], self._running[medium]
        again.set()
        while again.is_set():
            if not running.acquire(blocking=False):
                return  # the run in progress sees ``again`` and goes on
            try:
                again.clear()
                report = self.delivery.run_due(
                    medium, budget=self.settings.outbox_task_seconds, stop=self._stopping
                )
            finally:
                running.release()
            if report.more:
                if not self._stopping.is_set():
                    self.deliver_due_soon(medium)  # behind the other jobs waiting
                return

    def _sweep_job(self) -> None:
        self.sweep_now()

    # ---- running -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Work in this process until ``stop`` is set: ``worker_threads`` threads run jobs, a
        scheduler thread queues the sweep every minute (once at start too) and the retries
        when due, and a heartbeat thread beats. On stop the heartbeat goes first, then jobs in
        progress get ``SHUTDOWN_SECONDS`` to finish."""
        self._stopping.clear()
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
            self._stopping.set()  # batch deliveries end after the batch in hand
            heartbeat.stop()
            consumer.stop(graceful=True)
            self.huey.notify_interrupted_tasks()
            logger.info("worker %s stopped", heartbeat.name)

    def close(self) -> None:
        """Stop the sending threads and close the queue's connection."""
        with self._transport_lock:
            delivery, self._delivery = self._delivery, None
        if delivery is not None:
            delivery.close()
        self.huey.storage.close()


def _named(job: DueJob) -> Tuple[str, DueJob]:
    """("HoldExpiry.expire_due", job) for a bound method; a plain function by its name."""
    name = getattr(job, "__qualname__", None) or type(job).__name__
    return name.rsplit("<locals>.", 1)[-1], job


def _threads_alive(consumer: Consumer) -> bool:
    threads = [consumer.scheduler] + [thread for _, thread in consumer.worker_threads]
    return all(consumer.environment.is_alive(thread) for thread in threads)
