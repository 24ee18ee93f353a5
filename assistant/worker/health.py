"""Is a worker running? Read from the heartbeats, for ``/readyz`` and ``assistant up``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from assistant.db import read_only, utcnow
from assistant.settings import Settings
from assistant.worker.heartbeat import worker_name
from assistant.worker.models import WorkerHeartbeat


def worker_alive(
    sessions: sessionmaker,
    settings: Settings,
    now: Optional[datetime] = None,
    pid: Optional[int] = None,
) -> bool:
    """Some worker (the one with process id ``pid`` on this host, if given) beat within
    ``settings.worker_stale_seconds``; False too when the database cannot say."""
    since = (now or utcnow()) - timedelta(seconds=settings.worker_stale_seconds)
    query = select(WorkerHeartbeat.name).where(WorkerHeartbeat.beat_at >= since)
    if pid is not None:
        query = query.where(WorkerHeartbeat.name == worker_name(pid))
    try:
        with read_only(sessions)() as session:
            return session.execute(query.limit(1)).first() is not None
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
