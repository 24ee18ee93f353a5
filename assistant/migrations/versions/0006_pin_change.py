"""Changing the PIN in a conversation: which step, and a keyed hash of the first entry.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("pin_change_step", sa.String(8), nullable=True))
        batch.add_column(sa.Column("pin_change_mask", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("pin_change_mask")
        batch.drop_column("pin_change_step")
