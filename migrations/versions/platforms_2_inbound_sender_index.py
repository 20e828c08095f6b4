"""platforms: index inbound messages by sender (most recently used platform first)

Revision ID: platforms_2
Revises: meeting_changes_1
Create Date: 2026-11-23 10:00:00.000000
"""

from alembic import op

revision: str = "platforms_2"
down_revision: str | None = "meeting_changes_1"


def upgrade() -> None:
    op.create_index(
        "ix_inbound_messages_sender", "inbound_messages", ["platform", "sender_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_sender", table_name="inbound_messages")
