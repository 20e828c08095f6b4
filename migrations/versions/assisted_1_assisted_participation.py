"""assisted: who recorded a co-sign, sign-up or named vote for a resident (代办), when,
and when the resident confirmed it

Revision ID: assisted_1
Revises: consents_1
Create Date: 2026-12-04 08:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "assisted_1"
down_revision: str | None = "consents_1"

TABLES = ("topic_cosigns", "meeting_signups", "poll_voters")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("assisted_by", sa.Integer(), nullable=True))
            batch_op.add_column(
                sa.Column("assisted_at", storage.types.UTCDateTime(timezone=True), nullable=True)
            )
            batch_op.add_column(
                sa.Column(
                    "assist_confirmed_at",
                    storage.types.UTCDateTime(timezone=True),
                    nullable=True,
                )
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("assist_confirmed_at")
            batch_op.drop_column("assisted_at")
            batch_op.drop_column("assisted_by")
