"""Fraud protection (issue 10).

- ``customers``: the audience profile (birth date, region, time zone for quiet hours) and the
  safety limits (a daily limit per channel, a cooling-off for every new payee);
  ``safety_limit_changes``: loosenings waiting for their delay.
- ``staff_users.role`` gains ``fraud``; ``web_sessions.staff_id``: the admin console's sessions.
- ``outbox_messages``: batch, batch claims, quiet hours, the provider's delivery status, and the
  status ``cancelled``.
- ``broadcasts`` and ``broadcast_heard``: scam warnings and who heard them;
  ``scam_interventions``: each time the bank stepped in on a payment; ``fraud_alerts``: each
  unusual event, raised once; ``card_authorisations``; ``job_cursors``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assistant.db import UTCDateTime, utcnow

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OUTBOX_STATUSES = "'pending', 'sending', 'sent', 'failed', 'opted_out'"


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("region", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("daily_limit_sms_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("daily_limit_voice_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("daily_limit_web_minor", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "new_payee_cooling_off", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "safety_limit_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("effective_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("applied_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'applied', 'cancelled')", name="state"),
    )
    op.create_index("ix_safety_limit_changes_customer_id", "safety_limit_changes", ["customer_id"])
    op.create_index(
        "ix_safety_limit_changes_due", "safety_limit_changes", ["state", "effective_at"]
    )

    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", "role IN ('agent', 'fraud', 'admin')")
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_web_sessions_staff_id", "staff_users", ["staff_id"], ["id"])
        batch.create_index("ix_web_sessions_staff_id", ["staff_id"])

    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("batch", sa.String(40), nullable=True))
        batch.add_column(sa.Column("claim_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("deferred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("delivery_status", sa.String(20), nullable=True))
        batch.add_column(sa.Column("error_code", sa.String(16), nullable=True))
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", f"status IN ({OUTBOX_STATUSES}, 'cancelled')")
        batch.create_index("ix_outbox_messages_batch", ["batch"])
        batch.create_index("ix_outbox_messages_claim_token", ["claim_token"])
        batch.create_index("ix_outbox_messages_provider_sid", ["provider_sid"])

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("voice_text", sa.Text(), nullable=False),
        sa.Column("sms_text", sa.Text(), nullable=False),
        sa.Column("banner_text", sa.Text(), nullable=False),
        sa.Column("opener_text", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(8), nullable=False, server_default="normal"),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("fanout_cursor", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("fanned_out_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_by", sa.String(100), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'published', 'cancelled')", name="state"),
        sa.CheckConstraint("urgency IN ('normal', 'high', 'urgent')", name="urgency"),
    )
    op.create_index(
        "ix_broadcasts_state_window", "broadcasts", ["state", "starts_at", "expires_at"]
    )
    op.create_table(
        "broadcast_heard",
        sa.Column("broadcast_id", sa.Integer(), sa.ForeignKey("broadcasts.id"), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), primary_key=True),
        sa.Column("how", sa.String(12), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "scam_interventions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("scam", sa.String(32), nullable=False, server_default=""),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("payee_id", sa.Integer(), sa.ForeignKey("payees.id"), nullable=True),
        sa.Column(
            "held_payment_id", sa.Integer(), sa.ForeignKey("held_payments.id"), nullable=True
        ),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("outcome_at", UTCDateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
    )
    op.create_index("ix_scam_interventions_customer_id", "scam_interventions", ["customer_id"])
    op.create_index(
        "ix_scam_interventions_held_payment_id", "scam_interventions", ["held_payment_id"]
    )
    op.create_table(
        "fraud_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_key", sa.String(100), nullable=False, unique=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_fraud_alerts_customer_id", "fraud_alerts", ["customer_id"])
    op.create_table(
        "card_authorisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_key", sa.String(64), nullable=False, unique=True),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("cards.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("merchant", sa.String(200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False, server_default=""),
        sa.Column(
            "transaction_id",
            sa.Integer(),
            sa.ForeignKey("ledger_transactions.id"),
            nullable=True,
        ),
        sa.CheckConstraint("decision IN ('approved', 'declined')", name="decision"),
    )
    op.create_index("ix_card_authorisations_card_id", "card_authorisations", ["card_id"])
    op.create_index("ix_card_authorisations_customer_id", "card_authorisations", ["customer_id"])
    op.create_table(
        "job_cursors",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    # The account watch starts at the audit log's end: a bank that upgrades is not texted
    # about every payment it ever made.
    bind = op.get_bind()
    last = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM audit_events")).scalar()
    cursors = sa.table(
        "job_cursors",
        sa.column("name", sa.String),
        sa.column("position", sa.BigInteger),
        sa.column("updated_at", UTCDateTime),
    )
    op.bulk_insert(
        cursors,
        [{"name": "account_watch", "position": int(last or 0), "updated_at": utcnow()}],
    )


def downgrade() -> None:
    op.drop_table("job_cursors")
    op.drop_table("card_authorisations")
    op.drop_table("fraud_alerts")
    op.drop_table("scam_interventions")
    op.drop_table("broadcast_heard")
    op.drop_table("broadcasts")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_index("ix_outbox_messages_provider_sid")
        batch.drop_index("ix_outbox_messages_claim_token")
        batch.drop_index("ix_outbox_messages_batch")
        batch.drop_constraint("status", type_="check")
        batch.create_check_constraint("status", f"status IN ({OUTBOX_STATUSES})")
        for column in ("error_code", "delivery_status", "deferred", "time_zone", "claim_token"):
            batch.drop_column(column)
        batch.drop_column("batch")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_index("ix_web_sessions_staff_id")
        batch.drop_constraint("fk_web_sessions_staff_id", type_="foreignkey")
        batch.drop_column("staff_id")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("role", type_="check")
        batch.create_check_constraint("role", "role IN ('agent', 'admin')")
    op.drop_table("safety_limit_changes")
    with op.batch_alter_table("customers") as batch:
        for column in (
            "new_payee_cooling_off",
            "daily_limit_web_minor",
            "daily_limit_voice_minor",
            "daily_limit_sms_minor",
            "time_zone",
            "region",
            "birth_date",
        ):
            batch.drop_column(column)
