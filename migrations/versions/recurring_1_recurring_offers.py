"""recurring offers: problems that keep coming back, offered to the moderators as topics;
an index for counting a category's tickets in a building lately

Revision ID: recurring_1
Revises: assisted_1
Create Date: 2026-12-05 08:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "recurring_1"
down_revision: str | None = "assisted_1"


def upgrade() -> None:
    op.create_table(
        "recurring_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("open_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("building", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("tickets", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("offered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("decided_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    with op.batch_alter_table("recurring_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recurring_offers_cluster"), ["cluster"], unique=False)
    # A plain CREATE INDEX on both databases: the tickets table is never rebuilt for it.
    op.create_index(
        "ix_tickets_recurring", "tickets", ["category", "building", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_recurring", table_name="tickets")
    with op.batch_alter_table("recurring_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recurring_offers_cluster"))
    op.drop_table("recurring_offers")
