"""The worker as the bank runs it: its settings, its database and the jobs every sweep runs.

To add a job the sweep runs every minute, add one line to :func:`due_jobs`: a callable that
takes the moment and returns how many things it handled, deciding with conditional UPDATEs (two
workers may sweep at the same moment), e.g. ``HoldExpiry(sessions).expire_due``.
"""

from __future__ import annotations

from typing import Callable, List, Optional

from sqlalchemy.orm import sessionmaker

from assistant.bank import banking_service
from assistant.db import session_factory
from assistant.messaging.transport import OUTBOX_CALL_PATH
from assistant.settings import Settings, get_settings
from assistant.worker.app import DueJob, Worker
from family.links.service import FamilyLinks


def due_jobs(
    settings: Settings, sessions: sessionmaker, wake: Optional[Callable[[int], None]] = None
) -> List[DueJob]:
    """The jobs each sweep runs after handing due outbox messages to delivery (the sweep's own
    part, in :class:`Worker`), one line each."""
    banking = banking_service(sessions, settings)
    family = FamilyLinks(sessions, settings, wake=wake, banking=banking)
    return [
        banking.expire_due_holds,  # a co-sign nobody gave in time expires the payment
        family.expire_due_invitations,  # invitations past 72 hours, acceptances never confirmed
        family.announce_holds,  # each approver texted once about each payment waiting
        family.tell_hold_outcomes,  # a customer who prefers texts told how a hold ended
    ]


def outbox_call_url(settings: Settings) -> Callable[[int], str]:
    """Where Twilio fetches the TwiML of outbox call ``message_id`` (voice/voice_routes.py)."""
    base = settings.twilio_base_url + OUTBOX_CALL_PATH
    return lambda message_id: f"{base}/{message_id}"


def build_worker(
    settings: Optional[Settings] = None, sessions: Optional[sessionmaker] = None
) -> Worker:
    """The configured worker; the gateway builds one too, to call ``deliver_soon``."""
    settings = settings or get_settings()
    sessions = sessions or session_factory(settings.bank_database_url)

    # Texts a due job writes go out at once, not at the next sweep.
    def wake(message_id: int) -> None:
        worker.deliver_soon(message_id)

    worker = Worker(
        settings,
        sessions,
        due_jobs=due_jobs(settings, sessions, wake=wake),
        call_url=outbox_call_url(settings),
    )
    return worker
