"""The family-helper tables: helpers, their links to customers, invitations and one-time codes."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)

from assistant.db import Base, UTCDateTime, utcnow


class Helper(Base):
    """A trusted person (e.g. a relative) who may help one or more customers."""

    __tablename__ = "helpers"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=False, unique=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class HelperLink(Base):
    """Customer <-> helper, with the permissions the customer granted.

    ``status``: awaiting_customer (the helper accepted; nothing is visible to them until the
    customer confirms), active, removed (by the customer), left (by the helper). ``permissions``
    maps each permission name (family.links.permissions) to true or false.
    """

    __tablename__ = "helper_links"
    __table_args__ = (
        UniqueConstraint("customer_id", "helper_id", name="uq_helper_links_pair"),
        CheckConstraint(
            "status IN ('awaiting_customer', 'active', 'removed', 'left')", name="status"
        ),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    helper_id = Column(Integer, ForeignKey("helpers.id"), nullable=False, index=True)
    permissions = Column(JSON, nullable=False, default=dict)
    status = Column(String(20), nullable=False, default="active")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Migration 0009.
    invitation_id = Column(Integer, ForeignKey("helper_invitations.id"), nullable=True)
    confirmed_at = Column(UTCDateTime, nullable=True)
    ended_at = Column(UTCDateTime, nullable=True)
    # When the customer is next asked, kindly, whether this helper keeps their access.
    review_due_at = Column(UTCDateTime, nullable=True)


class HelperInvitation(Base):
    """A customer's invitation to a relative, sent by text with a one-time code.

    ``status``: sent (the code is on its way or delivered), accepted (the relative accepted in
    the portal; waiting for the customer), confirmed, declined (by the customer), cancelled,
    expired, not_sent (the number texted STOP).
    """

    __tablename__ = "helper_invitations"
    __table_args__ = (
        CheckConstraint(
            "status IN ('sent', 'accepted', 'confirmed', 'declined', 'cancelled', 'expired', "
            "'not_sent')",
            name="status",
        ),
        Index("ix_helper_invitations_phone_status", "phone", "status"),
        Index("ix_helper_invitations_status_expires", "status", "expires_at"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    helper_name = Column(String(200), nullable=False)
    phone = Column(String(20), nullable=False)
    permissions = Column(JSON, nullable=False, default=dict)
    channel = Column(String(16), nullable=False, default="")
    status = Column(String(12), nullable=False, default="sent")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    accepted_at = Column(UTCDateTime, nullable=True)
    decided_at = Column(UTCDateTime, nullable=True)
    helper_id = Column(Integer, ForeignKey("helpers.id"), nullable=True)


class HelperCode(Base):
    """A one-time code sent by text: an invitation's (which can also sign the relative in the
    first time) or a helper's sign-in code. Stored hashed; single use; at most a few wrong
    tries; expires."""

    __tablename__ = "helper_codes"
    __table_args__ = (
        CheckConstraint("purpose IN ('invitation', 'sign_in')", name="purpose"),
        Index("ix_helper_codes_phone_created", "phone", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    phone = Column(String(20), nullable=False)
    purpose = Column(String(12), nullable=False)
    invitation_id = Column(Integer, ForeignKey("helper_invitations.id"), nullable=True)
    code_hash = Column(String(200), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    wrong_tries = Column(Integer, nullable=False, default=0)
    used_at = Column(UTCDateTime, nullable=True)
