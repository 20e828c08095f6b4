"""platforms: index inbound messages by sender (most recently used platform first)

Revision ID: platforms_2
Revises: meeting_changes_1
Create Date: 2026-11-23 10:00:00.000000
"""

from migrations import columns as col

revision: str = "platforms_2"
down_revision: str | None = "meeting_changes_1"

BY_SENDER = col.Index("ix_inbound_messages_sender", "inbound_messages", "platform", "sender_id")

upgrade, downgrade = BY_SENDER.create, BY_SENDER.drop
