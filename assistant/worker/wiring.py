"""The worker as the bank runs it: its settings, its database and the jobs every sweep runs.

To add a job the sweep runs every minute, add one line to :func:`due_jobs`: a callable that
takes the moment and returns how many things it handled, deciding with conditional UPDATEs (two
workers may sweep at the same moment), e.g. ``HoldExpiry(sessions).expire_due``.
"""

from __future__ import annotations

from typing import Callable, List, Optional

from sqlalchemy.orm import sessionmaker

from assistant.bank import banking_service, safety_limits
from assistant.db import session_factory
from assistant.messaging.transport import OUTBOX_CALL_PATH
from assistant.settings import Settings, get_settings
from assistant.worker.app import DueJob, Worker
from family.links.service import FamilyLinks
from fraud.account_watch import AccountWatch
from fraud.broadcasts.service import Broadcasts
from fraud.cooling_off import CoolingOff


def due_jobs(
    settings: Settings,
    sessions: sessionmaker,
    wake: Optional[Callable[[int], None]] = None,
    wake_all: Optional[Callable[[], None]] = None,
) -> List[DueJob]:
    """The jobs each sweep runs after handing due outbox messages to delivery (the sweep's own
    part, in :class:`Worker`), one line each. ``wake(message_id)`` sends one message at once;
    ``wake_all()`` everything due (after a warning's batch)."""
    banking = banking_service(sessions, settings)
    family = FamilyLinks(sessions, settings, wake=wake, banking=banking)
    broadcasts = Broadcasts(sessions, settings, wake=wake_all)
    cooling = CoolingOff(sessions, settings, banking, wake=wake)
    return [
        cooling.send_notices,  # a scam's cooling-off ending soon: the customer texted first
        cooling.alert_helpers,  # each helper who receives alerts texted once per paused payment
        # A co-sign nobody gave in time expires the payment; a cooling-off whose notice went
        # out releases it.
        banking.expire_due_holds,
        safety_limits(sessions, settings).apply_due,  # loosened limits whose delay is over
        family.expire_due_invitations,  # invitations past 72 hours, acceptances never confirmed
        family.announce_holds,  # each approver texted once about each payment waiting
        family.tell_hold_outcomes,  # a customer who prefers texts told how a hold ended
        AccountWatch(sessions, settings, wake).scan,  # notices and unusual-activity alerts
        broadcasts.fan_out_due,  # published scam warnings: each customer's text or call queued
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

    def wake_all() -> None:
        worker.deliver_due_soon()

    worker = Worker(
        settings,
        sessions,
        due_jobs=due_jobs(settings, sessions, wake=wake, wake_all=wake_all),
        call_url=outbox_call_url(settings),
    )
    return worker
