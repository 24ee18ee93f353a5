"""A warning fanned out to 100,000 customers through the loopback Twilio: how long queueing takes,
how many texts a second one worker sends with the rate limit off, and the worker's memory.

In a private home on SQLite: 100,000 customers who prefer texts are added, and fraud-operations
staff publish a warning to everyone (``fraud.broadcasts``); its fan-out queues one text per
customer (``Broadcasts.fan_out_due``, ``broadcast_batch_size`` customers a transaction, timed to
the last customer), then one worker process (``python -m
assistant.worker``, the default 2 job threads and 8 sending threads) delivers them to a loopback
Twilio running as its own process (``python -m assistant.messaging.loopback --no-status``),
through the real Twilio client. Timed: from the first text sent to the last, read from the
outbox table every half second; the worker's peak resident memory is its VmHWM. Meanwhile a
small write transaction every 50 ms (as a payment would take SQLite's write lock) measures how
long the fan-out makes a customer's write wait.

Target: at least 1,000 texts a second on a 2-core machine, so that only the provider's rate
limit slows a real fan-out.
Run: .venv/bin/python bench/warning_fanout.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import migrate, session_factory, utcnow  # noqa: E402
from assistant.identity import StaffView  # noqa: E402
from assistant.messaging.fake_twilio import HEALTH_PATH  # noqa: E402
from assistant.messaging.models import OutboxMessage  # noqa: E402
from assistant.messaging.opt_outs import OptOutStore  # noqa: E402
from assistant.models import Customer  # noqa: E402
from assistant.processes import free_port, isolated_environment  # noqa: E402
from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402
from fraud.broadcasts.audience import Audience  # noqa: E402
from fraud.broadcasts.service import Broadcasts  # noqa: E402
from fraud.broadcasts.views import Draft  # noqa: E402

TARGET_PER_SECOND = 1000.0
CUSTOMER_ROWS = 5000  # customers added a transaction
WARNING = (
    "Kindly Bank: the bank and the police will never ask you to move money. Call 1-800-555-0199."
)
STAFF = StaffView(id=1, username="bench", role="fraud")


def add_customers(settings: Settings, count: int) -> None:
    """``count`` customers who prefer texts (no PIN: they only receive the warning)."""
    sessions = session_factory(settings.bank_database_url)
    for start in range(0, count, CUSTOMER_ROWS):
        rows = [
            {
                "name": f"Customer {n}",
                "phone": f"+1555{n:07d}",
                "preferred_channel": "sms",
                "region": ("Riverside", "Hill Valley")[n % 2],
                "time_zone": "UTC",
            }
            for n in range(start, min(start + CUSTOMER_ROWS, count))
        ]
        with sessions() as session, session.begin():
            session.execute(Customer.__table__.insert(), rows)


def queue_warning(settings: Settings, count: int) -> float:
    """Publish a warning to everyone and fan it out to ``count`` texts; the seconds from the
    publish to the last text queued."""
    sessions = session_factory(settings.bank_database_url)
    broadcasts = Broadcasts(sessions, settings)
    made = broadcasts.create(
        STAFF,
        Draft(
            title="Safe account calls",
            voice_text=WARNING,
            sms_text=WARNING,
            banner_text=WARNING,
            opener_text=WARNING,
            audience=Audience.of(everyone=True),
        ),
    )
    started = time.perf_counter()
    broadcasts.publish(STAFF, made.id)
    while broadcasts.get(made.id).fanned_out_at is None:
        broadcasts.fan_out_due(utcnow())
    return time.perf_counter() - started


def sent_so_far(settings: Settings) -> int:
    with session_factory(settings.bank_database_url)() as session:
        return session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(("sent", "failed", "opted_out")))
        ).scalar_one()


class LockProbe(threading.Thread):
    """A small write transaction every 50 ms, timed from BEGIN IMMEDIATE to its commit."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.opt_outs = OptOutStore(session_factory(settings.bank_database_url))
        self.waits_ms: List[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            started = time.perf_counter()
            self.opt_outs.opt_in("+15559999999")
            self.waits_ms.append((time.perf_counter() - started) * 1000)

    def summary(self) -> str:
        waits = sorted(self.waits_ms)
        if not waits:
            return "no writes measured"
        p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))]
        return (
            f"p50 {statistics.median(waits):.1f} ms, p99 {p99:.1f} ms, max {waits[-1]:.1f} ms "
            f"({len(waits)} writes)"
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start(args: list, env: Dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, *args], env=env, cwd=PROJECT_ROOT, stdout=out, stderr=out
        )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000, help="customers (one text each)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kb-fanout-bench-") as directory:
        home = Path(directory)
        port = free_port()
        env = {
            **os.environ,
            **isolated_environment(home),
            "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
            "TWILIO_AUTH_TOKEN": secrets.token_urlsafe(24),
            "ASSISTANT_TWILIO_TRANSPORT": "loopback",
            "ASSISTANT_TWILIO_API_BASE": f"http://127.0.0.1:{port}",
            "ASSISTANT_SMS_PER_SECOND": "0",
            "ASSISTANT_QUIET_HOURS": "",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        os.environ.update(env)
        settings = Settings()
        migrate(settings.bank_database_url)
        add_customers(settings, args.messages)
        enqueue_s = queue_warning(settings, args.messages)

        fake = start(
            ["-m", "assistant.messaging.loopback", "--port", str(port), "--no-status"],
            env,
            home / "loopback.log",
        )
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}{HEALTH_PATH}").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            worker = start(["-m", "assistant.worker"], env, home / "worker.log")
            probe = LockProbe(settings)
            probe.start()
            try:
                launched = time.perf_counter()
                first: Optional[float] = None
                done = 0
                peak: Optional[float] = None
                while done < args.messages:
                    time.sleep(0.5)
                    if worker.poll() is not None:
                        raise SystemExit(f"the worker stopped: see {home / 'worker.log'}")
                    done = sent_so_far(settings)
                    peak = peak_rss_mb(worker.pid) or peak
                    if first is None and done:
                        first = time.perf_counter() - 0.25  # within the last half second
                finished = time.perf_counter()
                peak = peak_rss_mb(worker.pid) or peak
                worker_cpu, fake_cpu = cpu_seconds(worker.pid), cpu_seconds(fake.pid)
            finally:
                probe.done.set()
                stop(worker)
        finally:
            stop(fake)

    assert first is not None
    rate = args.messages / (finished - first)
    print(
        f"Warning fan-out to {args.messages:,} customers through the loopback Twilio "
        f"(SQLite, rate limit off, {os.cpu_count()} CPUs)"
    )
    print(
        f"enqueue (publish to the last text queued, {settings.broadcast_batch_size} customers a "
        f"transaction): {enqueue_s:.1f} s ({args.messages / enqueue_s:,.0f} customers/s)"
    )
    print(
        f"delivery: {finished - first:.1f} s from the first text to the last: {rate:,.0f} texts/s"
        f" ({finished - launched:.1f} s with the worker's start)"
    )
    print(f"worker peak RSS: {peak:.0f} MB" if peak else "worker peak RSS: unknown")
    print(f"a customer's write transaction meanwhile: {probe.summary()}")
    per = 1000 / args.messages
    print(
        f"CPU per text: worker {worker_cpu * per:.2f} ms (its start included), "
        f"loopback Twilio {fake_cpu * per:.2f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    verdict = "met" if rate >= TARGET_PER_SECOND else "NOT met"
    print(f"target >= {TARGET_PER_SECOND:,.0f} texts/s: {verdict}")


if __name__ == "__main__":
    main()
