"""Family helpers, held payments and the worker (issue 9).

- ``customers.cosign_above_minor``: the co-sign amount; ``accounts.held_minor``: money reserved
  for held payments (still in the balance, not available), checked by ``held_within_limit``.
- ``held_payments`` and ``hold_conditions``: a payment that waits, and each reason it waits.
- ``helper_links`` gains its life cycle (awaiting the customer, active, removed, left), the
  invitation it came from, the confirmation, its end and the six-monthly review; the demo-era
  permission ``approve_transfers_above_minor`` becomes ``approve_payments`` (the amount is the
  customer's co-sign amount now).
- ``helper_invitations`` and ``helper_codes``: invitations and one-time codes (hashed).
- ``web_sessions.helper_id``: the helper portal's sessions belong to a helper.
- ``outbox_messages``: texts and calls the worker delivers; ``worker_heartbeats``.
- ``conversations.offer``/``offers_made``: a question the gateway asks itself at a pause.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from assistant.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PERMISSIONS = ("view_balance", "view_payments", "receive_alerts", "approve_payments", "join_calls")


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("cosign_above_minor", sa.BigInteger(), nullable=True))
    op.add_column(
        "accounts", sa.Column("held_minor", sa.BigInteger(), nullable=False, server_default="0")
    )
    # SQLite adds a CHECK by copying the table (the environment turns foreign keys off for
    # that and checks them all afterwards).
    with op.batch_alter_table("accounts") as batch:
        batch.create_check_constraint(
            "held_within_limit",
            "held_minor >= 0 AND (kind = 'internal' "
            "OR balance_minor - held_minor >= -overdraft_limit_minor)",
        )

    op.create_table(
        "held_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("to_kind", sa.String(16), nullable=True),
        sa.Column("payee_id", sa.Integer(), sa.ForeignKey("payees.id"), nullable=True),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False, server_default="held"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("outcome_by", sa.String(100), nullable=True),
        sa.Column("outcome_note", sa.String(500), nullable=True),
        sa.Column("transaction_reference", sa.String(16), nullable=True),
        sa.Column("outcome_told", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_held_payments_key"),
        sa.CheckConstraint(
            "status IN ('held', 'released', 'declined', 'expired', 'cancelled')", name="status"
        ),
        sa.CheckConstraint("op IN ('pay_payee', 'transfer')", name="op"),
    )
    op.create_index("ix_held_payments_customer_status", "held_payments", ["customer_id", "status"])
    op.create_table(
        "hold_conditions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hold_id", sa.Integer(), sa.ForeignKey("held_payments.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(8), nullable=False, server_default="pending"),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'met', 'failed', 'expired')", name="status"),
    )
    op.create_index("ix_hold_conditions_hold_id", "hold_conditions", ["hold_id"])
    op.create_index("ix_hold_conditions_status_deadline", "hold_conditions", ["status", "deadline"])

    op.create_table(
        "helper_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("helper_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("status", sa.String(12), nullable=False, server_default="sent"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("helper_id", sa.Integer(), sa.ForeignKey("helpers.id"), nullable=True),
        sa.CheckConstraint(
            "status IN ('sent', 'accepted', 'confirmed', 'declined', 'cancelled', 'expired', "
            "'not_sent')",
            name="status",
        ),
    )
    op.create_index("ix_helper_invitations_customer_id", "helper_invitations", ["customer_id"])
    op.create_index("ix_helper_invitations_phone_status", "helper_invitations", ["phone", "status"])
    op.create_index(
        "ix_helper_invitations_status_expires", "helper_invitations", ["status", "expires_at"]
    )
    op.create_table(
        "helper_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("purpose", sa.String(12), nullable=False),
        sa.Column(
            "invitation_id", sa.Integer(), sa.ForeignKey("helper_invitations.id"), nullable=True
        ),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("wrong_tries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("purpose IN ('invitation', 'sign_in')", name="purpose"),
    )
    op.create_index("ix_helper_codes_phone_created", "helper_codes", ["phone", "created_at"])

    with op.batch_alter_table("helper_links") as batch:
        batch.alter_column("status", type_=sa.String(20), existing_nullable=False)
        batch.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("confirmed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("ended_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("review_due_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_helper_links_invitation_id", "helper_invitations", ["invitation_id"], ["id"]
        )
        batch.create_check_constraint(
            "status", "status IN ('awaiting_customer', 'active', 'removed', 'left')"
        )
    _upgrade_link_permissions()

    op.add_column("conversations", sa.Column("offer", sa.String(64), nullable=True))
    op.add_column("conversations", sa.Column("offers_made", sa.JSON(), nullable=True))

    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("helper_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_web_sessions_helper_id", "helpers", ["helper_id"], ["id"])
        batch.create_index("ix_web_sessions_helper_id", ["helper_id"])

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
        sa.Column("medium", sa.String(8), nullable=False, server_default="sms"),
        sa.Column("to_phone", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("purpose", sa.String(32), nullable=False, server_default="alert"),
        sa.Column("legally_required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("provider_sid", sa.String(64), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'opted_out')", name="status"
        ),
        sa.CheckConstraint("medium IN ('sms', 'call')", name="medium"),
    )
    op.create_index("ix_outbox_messages_customer_id", "outbox_messages", ["customer_id"])
    op.create_index(
        "ix_outbox_messages_status_next", "outbox_messages", ["status", "next_attempt_at"]
    )
    op.create_table(
        "worker_heartbeats",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("beat_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_worker_heartbeats_beat_at", "worker_heartbeats", ["beat_at"])


def _upgrade_link_permissions() -> None:
    """Each link's permissions as the five names, true or false (the old threshold key said
    approve; its amount moves to the customer's co-sign amount)."""
    bind = op.get_bind()
    links = sa.table(
        "helper_links",
        sa.column("id", sa.Integer),
        sa.column("customer_id", sa.Integer),
        sa.column("permissions", sa.JSON),
    )
    customers = sa.table(
        "customers", sa.column("id", sa.Integer), sa.column("cosign_above_minor", sa.BigInteger)
    )
    for link_id, customer_id, raw in bind.execute(
        sa.select(links.c.id, links.c.customer_id, links.c.permissions)
    ).all():
        old = raw if isinstance(raw, dict) else json.loads(raw or "{}")
        threshold = old.get("approve_transfers_above_minor")
        new = {name: old.get(name) is True for name in PERMISSIONS}
        if isinstance(threshold, int):
            new["approve_payments"] = True
            bind.execute(
                customers.update()
                .where(customers.c.id == customer_id, customers.c.cosign_above_minor.is_(None))
                .values(cosign_above_minor=threshold)
            )
        bind.execute(links.update().where(links.c.id == link_id).values(permissions=new))


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
    op.drop_table("outbox_messages")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_index("ix_web_sessions_helper_id")
        batch.drop_constraint("fk_web_sessions_helper_id", type_="foreignkey")
        batch.drop_column("helper_id")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("offers_made")
        batch.drop_column("offer")
    with op.batch_alter_table("helper_links") as batch:
        batch.drop_constraint("status", type_="check")
        batch.drop_constraint("fk_helper_links_invitation_id", type_="foreignkey")
        batch.drop_column("review_due_at")
        batch.drop_column("ended_at")
        batch.drop_column("confirmed_at")
        batch.drop_column("invitation_id")
    op.drop_table("helper_codes")
    op.drop_table("helper_invitations")
    op.drop_table("hold_conditions")
    op.drop_table("held_payments")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("held_within_limit", type_="check")
        batch.drop_column("held_minor")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("cosign_above_minor")
