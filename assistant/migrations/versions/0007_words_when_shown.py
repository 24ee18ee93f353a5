"""Words are made when shown: transactions keep kind and counterparty, customers a form of address.

``ledger_transactions.description`` (an English sentence, "Payment to Tom") is dropped: every
row already holds its ``kind`` and ``counterparty``, from which each channel makes the words in
the customer's language. The one thing only the sentence told, that a deposit was a pension,
becomes the ``pension`` kind first. ``customers.address_as`` is how a customer is greeted;
existing customers get the first word of their name, the greeting they had until now (staff
can correct it), new ones the name they give.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

customers = sa.table(
    "customers", sa.column("id", sa.Integer), sa.column("name"), sa.column("address_as")
)
transactions = sa.table(
    "ledger_transactions",
    sa.column("kind", sa.String),
    sa.column("description", sa.String),
    sa.column("counterparty", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("address_as", sa.String(100), nullable=False, server_default=""))
    conn = op.get_bind()
    for customer_id, name in conn.execute(sa.select(customers.c.id, customers.c.name)).all():
        first = (name or "").split()[:1]
        if first:
            conn.execute(
                customers.update()
                .where(customers.c.id == customer_id)
                .values(address_as=first[0][:100])
            )
    op.execute(
        transactions.update()
        .where(
            transactions.c.kind == "deposit",
            sa.func.lower(transactions.c.description).like("%pension%"),
        )
        .values(kind="pension")
    )
    # A plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of this table would
    # have to drop the one the postings' foreign keys point at.
    op.drop_column("ledger_transactions", "description")


def downgrade() -> None:
    op.add_column(
        "ledger_transactions",
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
    )
    op.execute(transactions.update().values(description=transactions.c.counterparty))
    op.execute(transactions.update().where(transactions.c.kind == "pension").values(kind="deposit"))
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("address_as")
