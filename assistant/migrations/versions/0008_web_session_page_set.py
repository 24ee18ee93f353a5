"""Web sessions belong to one set of pages (the customer pages, later the helper portal).

``web_sessions.page_set`` names it; every session so far is the customer pages' ("web"). A
session is valid only for its own page set, so one page set's cookie never opens another's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("page_set", sa.String(32), nullable=False, server_default="web"))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("page_set")
