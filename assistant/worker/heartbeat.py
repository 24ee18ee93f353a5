"""A running worker's heartbeat: its row in ``worker_heartbeats``, renewed by a thread."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.orm import sessionmaker

from assistant.db import utcnow
from assistant.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)  # rows of workers that died without a goodbye


def worker_name(pid: Optional[int] = None) -> str:
    """A worker's name: this host and the process id (``host:pid``)."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"[-100:]


class Heartbeat:
    """Upserts this process's heartbeat every ``interval`` seconds while ``alive()`` says the
    worker works; :meth:`stop` ends the thread and deletes the row (a clean shutdown)."""

    def __init__(
        self,
        sessions: sessionmaker,
        interval: float,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self.sessions = sessions
        self.interval = interval
        self.alive = alive
        self.pid = os.getpid()
        self.name = worker_name(self.pid)
        self.started_at = utcnow()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def beat(self, now: Optional[datetime] = None) -> None:
        """Write the heartbeat now."""
        now = now or utcnow()
        with self.sessions() as session, session.begin():
            row = session.get(WorkerHeartbeat, self.name)
            if row is None:
                session.add(
                    WorkerHeartbeat(
                        name=self.name, pid=self.pid, started_at=self.started_at, beat_at=now
                    )
                )
            else:
                row.beat_at = now

    def start(self) -> Heartbeat:
        """Beat once now (forgetting long-dead workers), then every ``interval`` seconds."""
        with self.sessions() as session, session.begin():
            session.execute(
                delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < utcnow() - FORGET_AFTER)
            )
        self.beat()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.alive():
                logger.warning("heartbeat withheld: the worker's threads are not all running")
                continue
            try:
                self.beat()
            except Exception as error:  # noqa: BLE001 - the next beat tries again
                logger.warning("heartbeat not written: %s", type(error).__name__)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        try:
            with self.sessions() as session, session.begin():
                session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == self.name))
        except Exception as error:  # noqa: BLE001 - it goes stale by itself
            logger.warning("heartbeat not removed: %s", type(error).__name__)
