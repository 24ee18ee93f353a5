"""The customer's preferences (text size, contrast, read aloud, channel, pace), a core service.

Every channel and portal reads them as a :class:`Preferences` view and changes them through
:meth:`PreferenceService.save`, which audits the change in the same transaction; no channel
writes the customer row itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import sessionmaker

from assistant.banking.audit import add_audit
from assistant.banking.errors import CustomerNotFound
from assistant.db import read_only
from assistant.models import Customer

TEXT_SIZES = ("large", "larger", "largest")
CHANNELS = ("voice", "sms", "web")


@dataclass(frozen=True)
class Preferences:
    text_size: str = "large"  # large | larger | largest (anything else reads as large)
    high_contrast: bool = False
    read_aloud: bool = False
    preferred_channel: str = "web"
    speech_rate: str = "normal"


DEFAULT = Preferences()


class PreferenceService:
    """Reads and saves the choices kept on the customer row, auditing every change."""

    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory
        self._readers = read_only(session_factory)

    def get(self, customer_id: int) -> Preferences:
        """The customer's choices (an old text size like "normal" reads as large)."""
        with self._readers() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            return Preferences(
                text_size=customer.text_size if customer.text_size in TEXT_SIZES else "large",
                high_contrast=bool(customer.high_contrast),
                read_aloud=bool(customer.read_aloud),
                preferred_channel=customer.preferred_channel,
                speech_rate=customer.speech_rate,
            )

    def save(
        self,
        customer_id: int,
        text_size: str,
        high_contrast: bool,
        read_aloud: bool,
        preferred_channel: str,
    ) -> Preferences:
        """Save the choices (unknown values raise ValueError) and audit the change.

        The audit event is ``web_settings_changed`` (the web pages' settings form is where the
        customer makes these choices today).
        """
        if text_size not in TEXT_SIZES:
            raise ValueError(f"text_size must be one of {TEXT_SIZES}")
        if preferred_channel not in CHANNELS:
            raise ValueError(f"preferred_channel must be one of {CHANNELS}")
        with self._sessions() as session, session.begin():
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise CustomerNotFound(f"customer {customer_id}")
            customer.text_size = text_size
            customer.high_contrast = high_contrast
            customer.read_aloud = read_aloud
            customer.preferred_channel = preferred_channel
            add_audit(
                session,
                f"customer:{customer_id}",
                "web_settings_changed",
                customer_id,
                {
                    "text_size": text_size,
                    "high_contrast": high_contrast,
                    "read_aloud": read_aloud,
                    "preferred_channel": preferred_channel,
                },
            )
        return self.get(customer_id)
