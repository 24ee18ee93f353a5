"""The worker as the bank runs it: its settings, its database and the jobs every sweep runs.

To add a job the sweep runs every minute, add one line to :func:`due_jobs`: a callable that
takes the moment and returns how many things it handled, deciding with conditional UPDATEs (two
workers may sweep at the same moment), e.g. ``HoldExpiry(sessions).expire_due``.
"""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy.orm import sessionmaker

from assistant.db import session_factory
from assistant.settings import Settings, get_settings
from assistant.worker.app import DueJob, Worker


def due_jobs(settings: Settings, sessions: sessionmaker) -> List[DueJob]:
    """The jobs each sweep runs after handing due outbox messages to delivery (the sweep's own
    part, in :class:`Worker`), one line each."""
    return []


def build_worker(
    settings: Optional[Settings] = None, sessions: Optional[sessionmaker] = None
) -> Worker:
    """The configured worker; the gateway builds one too, to call ``deliver_soon``."""
    settings = settings or get_settings()
    sessions = sessions or session_factory(settings.bank_database_url)
    return Worker(settings, sessions, due_jobs=due_jobs(settings, sessions))
