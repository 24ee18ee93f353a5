"""Plain, immutable results of the family-helper services. No ORM object ever leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Why an invitation was refused (``InvitationResult.reason``), or not sent.
BAD_NUMBER = "bad_number"  # not a mobile number in international form
NO_NAME = "no_name"
OWN_NUMBER = "own_number"  # the customer's own number
ALREADY_LINKED = "already_linked"  # already their helper, or waiting for their confirmation
ALREADY_INVITED = "already_invited"  # an invitation to that number is still open
TOO_MANY = "too_many"  # the customer has (or has invited) the most helpers allowed
OPTED_OUT = "opted_out"  # the number texted STOP: recorded, not sent (START opts back in)


@dataclass(frozen=True)
class InvitationResult:
    """What became of an invitation: ``status`` "sent" (queued with its code), "not_sent"
    (recorded, but the number texted STOP; ``reason`` OPTED_OUT) or "refused" (nothing
    recorded; ``reason`` says why)."""

    status: str
    reason: str | None = None
    invitation_id: int | None = None
    phone: str = ""
    expires_at: datetime | None = None

    @property
    def sent(self) -> bool:
        return self.status == "sent"


@dataclass(frozen=True)
class InvitationView:
    """An invitation still open (sent, not yet accepted)."""

    id: int
    customer_id: int
    customer_name: str
    helper_name: str
    phone: str
    permissions: tuple[str, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Acceptance:
    """A helper accepted an invitation; the customer is asked to confirm."""

    invitation_id: int
    link_id: int
    customer_name: str


@dataclass(frozen=True)
class HelperSession:
    """Who signed in to the helper portal; ``accepted`` when an invitation code signed them
    in (and so accepted that invitation)."""

    helper_id: int
    name: str
    accepted: Acceptance | None = None


@dataclass(frozen=True)
class HelperInfo:
    """One of a customer's helpers. ``name`` as the customer called them in the invitation.
    ``status``: active, or awaiting_customer (accepted, waiting for the customer)."""

    link_id: int
    helper_id: int
    name: str
    status: str
    permissions: tuple[str, ...]
    confirmed_at: datetime | None
    review_due_at: datetime | None


@dataclass(frozen=True)
class PendingHelper:
    """A relative who accepted and waits for the customer's yes or no."""

    link_id: int
    helper_id: int
    name: str
    permissions: tuple[str, ...]
    accepted_at: datetime | None


@dataclass(frozen=True)
class LinkedCustomer:
    """A customer who confirmed this helper, and what they allowed."""

    link_id: int
    customer_id: int
    name: str
    permissions: tuple[str, ...]

    def allows(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class HelperAlert:
    """Something a helper with "receive alerts" learns: what happened and when, never the
    amount or the payee. ``kind``: payment_waiting, payment_released, payment_declined,
    payment_expired, payment_cancelled."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class ActivityEntry:
    """One thing a helper saw or did: ``what`` balance, payments, alerts, denied, accepted,
    left, signed_in...; ``channel`` where (portal, sms, voice)."""

    at: datetime
    what: str
    channel: str
    helper_id: int
    helper_name: str
    customer_id: int | None
    customer_name: str
