"""Initial bank store: customers, accounts, ledger, cards, payees, audit, staff, helpers,
conversations.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Naive UTC on every backend (see assistant.db.UTCDateTime).
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=True),
        sa.Column("pin_failed_count", sa.Integer(), nullable=False),
        _ts("pin_locked_until", nullable=True),
        sa.Column("preferred_channel", sa.String(8), nullable=False),
        sa.Column("speech_rate", sa.String(8), nullable=False),
        sa.Column("text_size", sa.String(8), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("vulnerable", sa.Boolean(), nullable=False),
        _ts("created_at"),
        sa.CheckConstraint(
            "preferred_channel IN ('voice', 'sms', 'web')",
            name=op.f("ck_customers_preferred_channel"),
        ),
        sa.CheckConstraint(
            "speech_rate IN ('normal', 'slow')", name=op.f("ck_customers_speech_rate")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("phone", name=op.f("uq_customers_phone")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("number", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("overdraft_limit_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('checking', 'savings', 'internal')", name=op.f("ck_accounts_kind")
        ),
        sa.CheckConstraint(
            "kind = 'internal' OR balance_minor >= -overdraft_limit_minor",
            name=op.f("ck_accounts_within_limit"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_accounts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("customer_id", "kind", name="uq_accounts_customer_kind"),
        sa.UniqueConstraint("number", name=op.f("uq_accounts_number")),
    )
    op.create_index(op.f("ix_accounts_customer_id"), "accounts", ["customer_id"])
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.CheckConstraint("status IN ('active', 'frozen', 'lost')", name=op.f("ck_cards_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_cards_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cards_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"], ["cards.id"], name=op.f("fk_cards_replaced_by_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
    )
    op.create_index(op.f("ix_cards_customer_id"), "cards", ["customer_id"])
    op.create_table(
        "payees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("relationship", sa.String(200), nullable=False),
        sa.Column("account_number", sa.String(34), nullable=False),
        _ts("created_at"),
        sa.CheckConstraint("kind IN ('person', 'bill')", name=op.f("ck_payees_kind")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payees_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payees")),
    )
    op.create_index(op.f("ix_payees_customer_id"), "payees", ["customer_id"])
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("counterparty", sa.String(200), nullable=False),
        sa.Column("payee_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_ledger_transactions_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"], ["payees.id"], name=op.f("fk_ledger_transactions_payee_id_payees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_ledger_transactions_idem"),
        sa.UniqueConstraint("reference", name=op.f("uq_ledger_transactions_reference")),
    )
    op.create_index(
        "ix_ledger_transactions_customer_created",
        "ledger_transactions",
        ["customer_id", "created_at"],
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_postings_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_postings_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    op.create_index(op.f("ix_postings_account_id"), "postings", ["account_id"])
    op.create_index(op.f("ix_postings_transaction_id"), "postings", ["transaction_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_audit_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_customer_at", "audit_events", ["customer_id", "at"])
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        _ts("created_at"),
        sa.CheckConstraint("role IN ('agent', 'admin')", name=op.f("ck_staff_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    op.create_table(
        "helpers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpers")),
        sa.UniqueConstraint("phone", name=op.f("uq_helpers_phone")),
    )
    op.create_table(
        "helper_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_helper_links_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["helper_id"], ["helpers.id"], name=op.f("fk_helper_links_helper_id_helpers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helper_links")),
        sa.UniqueConstraint("customer_id", "helper_id", name="uq_helper_links_pair"),
    )
    op.create_index(op.f("ix_helper_links_customer_id"), "helper_links", ["customer_id"])
    op.create_index(op.f("ix_helper_links_helper_id"), "helper_links", ["helper_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("last_seen_at"),
        sa.Column("awaiting_pin", sa.Boolean(), nullable=False),
        sa.Column("pending_text", sa.Text(), nullable=True),
        sa.Column("verified_customer_id", sa.Integer(), nullable=True),
        _ts("verified_until", nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_conversations_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["verified_customer_id"],
            ["customers.id"],
            name=op.f("fk_conversations_verified_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "conversation_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("client_message_id", sa.String(128), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_replies_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_replies")),
        sa.UniqueConstraint(
            "conversation_id", "client_message_id", name="uq_conversation_replies_msg"
        ),
    )


def downgrade() -> None:
    for table in (
        "conversation_replies",
        "conversations",
        "helper_links",
        "helpers",
        "staff_users",
        "audit_events",
        "postings",
        "ledger_transactions",
        "payees",
        "cards",
        "accounts",
        "customers",
    ):
        op.drop_table(table)
