"""PIN throttles per source, lockouts of unknown numbers, the cumulative lockout.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    # Naive UTC on every backend (see assistant.db.UTCDateTime).
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("pin_lockouts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(_ts("pin_lockouts_since", nullable=True))
        batch.add_column(_ts("pin_held_since", nullable=True))
    op.create_table(
        "pin_throttles",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _ts("window_started_at"),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "kind", name=op.f("pk_pin_throttles")),
    )
    op.create_table(
        "pin_unknown_subjects",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("pin_failed_count", sa.Integer(), nullable=False),
        _ts("pin_locked_until", nullable=True),
        sa.Column("pin_lockouts", sa.Integer(), nullable=False),
        _ts("pin_lockouts_since", nullable=True),
        _ts("pin_held_since", nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_pin_unknown_subjects")),
    )


def downgrade() -> None:
    op.drop_table("pin_unknown_subjects")
    op.drop_table("pin_throttles")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("pin_held_since")
        batch.drop_column("pin_lockouts_since")
        batch.drop_column("pin_lockouts")
