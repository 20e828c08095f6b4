"""media: the web chat's lines (web_chat_lines)

Revision ID: media_1
Revises: nlu_1
Create Date: 2026-12-02 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "media_1"
down_revision: str | None = "nlu_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_chat_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_chat_lines_chat", "web_chat_lines", ["chat_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_chat_lines_chat", table_name="web_chat_lines")
    op.drop_table("web_chat_lines")
