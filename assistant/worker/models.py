"""The worker's own table: a heartbeat per running worker process, which ``/readyz`` reads."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String

from assistant.db import Base, UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    """One running worker (``name`` = host:pid): when it started and when it last beat."""

    __tablename__ = "worker_heartbeats"

    name = Column(String(100), primary_key=True)
    pid = Column(Integer, nullable=False)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    beat_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
