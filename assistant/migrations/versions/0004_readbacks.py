"""Trust: read-backs the gateway delivered, the JSON API's conversation secret, the PIN mask.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Naive UTC on every backend (see assistant.db.UTCDateTime).
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("api_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("pin_mask", sa.String(64), nullable=True))
    op.create_table(
        "readbacks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("delivered_at"),
        _ts("expires_at"),
        _ts("answered_at", nullable=True),
        sa.Column("answer_message_id", sa.String(128), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("outcome_told", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_readbacks_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_readbacks_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readbacks")),
    )
    op.create_index("ix_readbacks_conversation_state", "readbacks", ["conversation_id", "state"])
    op.create_index("ix_readbacks_customer_told", "readbacks", ["customer_id", "outcome_told"])


def downgrade() -> None:
    op.drop_index("ix_readbacks_customer_told", table_name="readbacks")
    op.drop_index("ix_readbacks_conversation_state", table_name="readbacks")
    op.drop_table("readbacks")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("pin_mask")
        batch.drop_column("api_token_hash")
