"""nlu: messages kept for the community to label (nlu_samples)

Revision ID: nlu_1
Revises: console_1
Create Date: 2026-12-02 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "nlu_1"
down_revision: str | None = "console_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nlu_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("predicted", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("labelled_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("labelled_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_nlu_samples_created_at", "nlu_samples", ["created_at"], unique=False)
    op.create_index("ix_nlu_samples_label", "nlu_samples", ["label"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nlu_samples_label", table_name="nlu_samples")
    op.drop_index("ix_nlu_samples_created_at", table_name="nlu_samples")
    op.drop_table("nlu_samples")
