"""SQLAlchemy models of the bank store. Only services use these; nothing outside them sees rows."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.expression import false

from assistant.db import Base, UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("preferred_channel IN ('voice', 'sms', 'web')", name="preferred_channel"),
        CheckConstraint("speech_rate IN ('normal', 'slow')", name="speech_rate"),
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    # How the customer is greeted ("Margaret"), as they asked to be called (migration 0007);
    # empty: greeted by ``name``. Names are never split to guess a first name.
    address_as = Column(String(100), nullable=False, default="", server_default="")
    phone = Column(String(20), nullable=False, unique=True)
    pin_hash = Column(String(200), nullable=True)
    pin_failed_count = Column(Integer, nullable=False, default=0)
    pin_locked_until = Column(UTCDateTime, nullable=True)
    preferred_channel = Column(String(8), nullable=False, default="web")
    speech_rate = Column(String(8), nullable=False, default="normal")
    text_size = Column(String(8), nullable=False, default="normal")
    locale = Column(String(16), nullable=False, default="en_US")
    vulnerable = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Web display choices (migration 0003); text_size is large | larger | largest there.
    high_contrast = Column(Boolean, nullable=False, default=False, server_default=false())
    read_aloud = Column(Boolean, nullable=False, default=False, server_default=false())
    # The cumulative PIN lockout (migration 0005): lockouts since ``pin_lockouts_since`` (a
    # 24-hour window from the first), and ``pin_held_since``: locked until staff unlock it.
    pin_lockouts = Column(Integer, nullable=False, default=0, server_default="0")
    pin_lockouts_since = Column(UTCDateTime, nullable=True)
    pin_held_since = Column(UTCDateTime, nullable=True)
    # Migration 0009. The co-sign amount ("always ask my helper above $X"): a payment above it
    # waits for a helper's approval; NULL means none.
    cosign_above_minor = Column(BigInteger, nullable=True)
    # Migration 0010. The profile a warning's audience is chosen by (an age band comes from the
    # birth date; None: not known, in no age band) and the time zone of quiet hours (None: the
    # bank's zone).
    birth_date = Column(Date, nullable=True)
    region = Column(String(64), nullable=False, default="", server_default="")
    time_zone = Column(String(64), nullable=True)
    # The safety limits the customer sets (migration 0010): the most a day by each channel
    # (0: no payments by that channel; NULL: no limit of their own) and a cooling-off for every
    # new payee. A loosening waits in ``safety_limit_changes`` for its delay; the co-sign
    # amount above is one of these limits.
    daily_limit_sms_minor = Column(BigInteger, nullable=True)
    daily_limit_voice_minor = Column(BigInteger, nullable=True)
    daily_limit_web_minor = Column(BigInteger, nullable=True)
    new_payee_cooling_off = Column(Boolean, nullable=False, default=False, server_default=false())


class Account(Base):
    """A customer's account, or (customer_id NULL, kind 'internal') one of the bank's own."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('checking', 'savings', 'internal')", name="kind"),
        CheckConstraint(
            "kind = 'internal' OR balance_minor >= -overdraft_limit_minor", name="within_limit"
        ),
        UniqueConstraint("customer_id", "kind", name="uq_accounts_customer_kind"),
        CheckConstraint(
            "held_minor >= 0 AND (kind = 'internal' "
            "OR balance_minor - held_minor >= -overdraft_limit_minor)",
            name="held_within_limit",
        ),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True, index=True)
    kind = Column(String(16), nullable=False)
    name = Column(String(100), nullable=False)
    number = Column(String(10), nullable=False, unique=True)
    currency = Column(String(3), nullable=False, default="USD")
    balance_minor = Column(BigInteger, nullable=False, default=0)
    overdraft_limit_minor = Column(BigInteger, nullable=False, default=0)
    # Migration 0009. Money reserved for held payments: still in the balance, not available.
    held_minor = Column(BigInteger, nullable=False, default=0, server_default="0")


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (CheckConstraint("status IN ('active', 'frozen', 'lost')", name="status"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    account_id = Column(Integer, ForeignKey("accounts.id"), nullable=False)
    last4 = Column(String(4), nullable=False)
    status = Column(String(8), nullable=False, default="active")
    replaced_by = Column(Integer, ForeignKey("cards.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Payee(Base):
    __tablename__ = "payees"
    __table_args__ = (CheckConstraint("kind IN ('person', 'bill')", name="kind"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    kind = Column(String(8), nullable=False, default="person")
    relationship = Column(String(200), nullable=False, default="")
    account_number = Column(String(34), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class LedgerTransaction(Base):
    """One money movement; its postings sum to zero.

    It stores what happened (``kind``, one of ``assistant.banking.ledger.TransactionKind``) and
    with whom (``counterparty``, ``payee_id``), never words: those are made when it is shown
    (migration 0007 dropped the English ``description``).
    """

    __tablename__ = "ledger_transactions"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_ledger_transactions_idem"),
        Index("ix_ledger_transactions_customer_created", "customer_id", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    idempotency_key = Column(String(200), nullable=True)
    request_fingerprint = Column(String(64), nullable=True)
    kind = Column(String(24), nullable=False)
    counterparty = Column(String(200), nullable=False, default="")
    payee_id = Column(Integer, ForeignKey("payees.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Posting(Base):
    """One leg of a transaction: signed amount on one account (positive = money in)."""

    __tablename__ = "postings"

    id = Column(Integer, primary_key=True)
    transaction_id = Column(
        Integer, ForeignKey("ledger_transactions.id"), nullable=False, index=True
    )
    account_id = Column(Integer, ForeignKey("accounts.id"), nullable=False, index=True)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)


class AuditEvent(Base):
    """Who did what to whose data. ``detail`` never holds PINs or passwords."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_customer_at", "customer_id", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor = Column(String(100), nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    action = Column(String(64), nullable=False)
    detail = Column(JSON, nullable=False, default=dict)


class StaffUser(Base):
    __tablename__ = "staff_users"
    # Roles (migration 0010 adds fraud): agent (the call centre), fraud (fraud operations:
    # warnings, interventions, releasing held payments), admin (everything).
    __table_args__ = (CheckConstraint("role IN ('agent', 'fraud', 'admin')", name="role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(200), nullable=False)
    role = Column(String(8), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Conversation(Base):
    """One conversation; ``id`` is the Rasa sender id. Never stores a PIN."""

    __tablename__ = "conversations"

    id = Column(String(64), primary_key=True)
    channel = Column(String(16), nullable=False)
    phone = Column(String(20), nullable=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    awaiting_pin = Column(Boolean, nullable=False, default=False)
    pending_text = Column(Text, nullable=True)
    verified_customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    verified_until = Column(UTCDateTime, nullable=True)
    # Migration 0004. The JSON API's secret for this conversation (SHA-256 of the bearer
    # token it was given at creation); and a keyed hash of the PIN verified here, so later
    # messages can be masked cheaply (the key lives outside the database; cleared with the
    # verification).
    api_token_hash = Column(String(64), nullable=True)
    pin_mask = Column(String(64), nullable=True)
    # Migration 0006. Changing the PIN: "new" (waiting for the new PIN), "again" (waiting for
    # it a second time, ``pin_change_mask`` holding a keyed hash of the first entry).
    pin_change_step = Column(String(8), nullable=True)
    pin_change_mask = Column(String(64), nullable=True)
    # Migration 0009. A yes-or-no question the gateway asked itself at a pause in the
    # conversation ("Linda has accepted. Shall she be your helper?"): ``offer`` is the one
    # waiting for its answer ("helper_confirm:<link id>"), ``offers_made`` each one asked
    # here already, so none is asked twice in one conversation.
    offer = Column(String(64), nullable=True)
    offers_made = Column(JSON, nullable=True)


class Readback(Base):
    """A read-back the gateway delivered ("Send $5.00 to Tom... Shall I do that?").

    ``state``: open (waiting for the next message), confirmed (that message was a plain yes,
    and it is being answered now), used (the action acted on it), closed (answered with
    anything else, expired or failed). ``outcome`` is what happened (e.g. the receipt), and
    ``outcome_told`` whether the customer has heard it.
    """

    __tablename__ = "readbacks"
    __table_args__ = (
        Index("ix_readbacks_conversation_state", "conversation_id", "state"),
        Index("ix_readbacks_customer_told", "customer_id", "outcome_told"),
    )

    id = Column(String(32), primary_key=True)
    conversation_id = Column(String(64), ForeignKey("conversations.id"), nullable=False)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=True)
    kind = Column(String(16), nullable=False)
    details = Column(JSON, nullable=False, default=dict)
    state = Column(String(12), nullable=False, default="open")
    delivered_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)
    answered_at = Column(UTCDateTime, nullable=True)
    answer_message_id = Column(String(128), nullable=True)
    outcome = Column(JSON, nullable=True)
    outcome_told = Column(Boolean, nullable=False, default=False, server_default=false())


class ConversationReply(Base):
    """The first response to a client message id, replayed when the client retries."""

    __tablename__ = "conversation_replies"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "client_message_id", name="uq_conversation_replies_msg"
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(64), ForeignKey("conversations.id"), nullable=False)
    client_message_id = Column(String(128), nullable=False)
    response = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


# ---- PIN throttling (migration 0005) ----------------------------------------------------


class PinThrottle(Base):
    """A fixed-window counter of PIN checks or failures for one source.

    ``key`` names the source ("conversation:<id>", "from:<E.164>", "address:<ip>"); ``kind``
    the counter ("checks" a minute, "failures" in 15 minutes, "failures_day"). The window
    starts at the first event after the previous one ended. Shared by every gateway replica.
    """

    __tablename__ = "pin_throttles"

    key = Column(String(128), primary_key=True)
    kind = Column(String(16), primary_key=True)
    window_started_at = Column(UTCDateTime, nullable=False)
    hits = Column(Integer, nullable=False, default=0)


class UnknownPinSubject(Base):
    """The PIN lockout of a number that is not a customer's, kept exactly like a customer's.

    PIN attempts for a number we do not know (or a call with no number) fail with the same
    words, work and lockouts as a customer's wrong PIN, so nothing tells whether the number
    banks here. ``subject`` is the E.164 number, or "conversation:<id>" without one.
    """

    __tablename__ = "pin_unknown_subjects"

    subject = Column(String(64), primary_key=True)
    pin_failed_count = Column(Integer, nullable=False, default=0)
    pin_locked_until = Column(UTCDateTime, nullable=True)
    pin_lockouts = Column(Integer, nullable=False, default=0)
    pin_lockouts_since = Column(UTCDateTime, nullable=True)
    pin_held_since = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


# ---- held payments (migration 0009, DESIGN.md section 8) --------------------------------


class HeldPayment(Base):
    """A payment that waits instead of moving: its money reserved (``accounts.held_minor``),
    its idempotency key kept for the release. ``status``: held, then exactly one of released,
    declined, expired or cancelled (``outcome_by`` says who: "helper:3", "customer:1",
    "system")."""

    __tablename__ = "held_payments"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_held_payments_key"),
        CheckConstraint(
            "status IN ('held', 'released', 'declined', 'expired', 'cancelled')", name="status"
        ),
        CheckConstraint("op IN ('pay_payee', 'transfer')", name="op"),
        Index("ix_held_payments_customer_status", "customer_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    account_id = Column(Integer, ForeignKey("accounts.id"), nullable=False)
    idempotency_key = Column(String(200), nullable=False)
    request_fingerprint = Column(String(64), nullable=False)
    op = Column(String(16), nullable=False)
    to_kind = Column(String(16), nullable=True)
    payee_id = Column(Integer, ForeignKey("payees.id"), nullable=True)
    counterparty = Column(String(200), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)
    channel = Column(String(16), nullable=False, default="")
    status = Column(String(12), nullable=False, default="held")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    decided_at = Column(UTCDateTime, nullable=True)
    outcome_by = Column(String(100), nullable=True)
    outcome_note = Column(String(500), nullable=True)
    transaction_reference = Column(String(16), nullable=True)
    # The customer has heard the outcome (told at their next contact or by a text).
    outcome_told = Column(Boolean, nullable=False, default=False, server_default=false())


class HoldCondition(Base):
    """One reason a held payment waits, with its deadline: "cosign" (a helper approves),
    later "cooling_off" and "agent_check". ``status``: pending, met, failed (declined) or
    expired. The payment is released only when every condition is met."""

    __tablename__ = "hold_conditions"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'met', 'failed', 'expired')", name="status"),
        Index("ix_hold_conditions_status_deadline", "status", "deadline"),
    )

    id = Column(Integer, primary_key=True)
    hold_id = Column(Integer, ForeignKey("held_payments.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    status = Column(String(8), nullable=False, default="pending")
    deadline = Column(UTCDateTime, nullable=False)
    decided_at = Column(UTCDateTime, nullable=True)
    decided_by = Column(String(100), nullable=True)
    note = Column(String(500), nullable=True)


class SafetyLimitChange(Base):
    """A change to a safety limit (migration 0010). A tightening is applied at once; a loosening
    waits until ``effective_at`` (state pending) and is then applied to the customer's row.
    ``name``: daily_limit_sms | daily_limit_voice | daily_limit_web | new_payee_cooling_off |
    cosign_above; ``value_minor`` NULL is "no limit" (for new_payee_cooling_off: 1 on, 0 off).
    """

    __tablename__ = "safety_limit_changes"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'applied', 'cancelled')", name="state"),
        Index("ix_safety_limit_changes_due", "state", "effective_at"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    name = Column(String(32), nullable=False)
    value_minor = Column(BigInteger, nullable=True)
    state = Column(String(12), nullable=False, default="pending")
    requested_at = Column(UTCDateTime, nullable=False, default=utcnow)
    effective_at = Column(UTCDateTime, nullable=False)
    actor = Column(String(100), nullable=False)
    channel = Column(String(16), nullable=False, default="")
    applied_at = Column(UTCDateTime, nullable=True)


class CardAuthorisation(Base):
    """One card authorisation request and its decision (migration 0010). There is no card
    network feed: the demo injector calls the same ``authorise_card`` service a feed would.
    ``request_key`` makes a retried request answer the same; an approval posts a card purchase.
    """

    __tablename__ = "card_authorisations"
    __table_args__ = (CheckConstraint("decision IN ('approved', 'declined')", name="decision"),)

    id = Column(Integer, primary_key=True)
    request_key = Column(String(64), nullable=False, unique=True)
    card_id = Column(Integer, ForeignKey("cards.id"), nullable=False, index=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False, index=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    merchant = Column(String(200), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)
    decision = Column(String(8), nullable=False)
    reason = Column(String(32), nullable=False, default="")
    transaction_id = Column(Integer, ForeignKey("ledger_transactions.id"), nullable=True)


class JobCursor(Base):
    """How far a job that reads a growing table in id order has got (migration 0010): the
    notices and the unusual-activity rules over ``ledger_transactions`` and ``audit_events``.
    """

    __tablename__ = "job_cursors"

    name = Column(String(64), primary_key=True)
    position = Column(BigInteger, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
