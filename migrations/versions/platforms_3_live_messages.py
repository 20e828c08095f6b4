"""platforms: live messages the bot edits in place (a poll's running count)

Revision ID: platforms_3
Revises: tickets_2
Create Date: 2026-11-24 10:00:00.000000
"""

from migrations import columns as col

revision: str = "platforms_3"
down_revision: str | None = "tickets_2"


upgrade, downgrade = col.new_tables(
    col.Table(
        "platform_live_messages",
        col.string("platform", 16),
        col.string("chat_id", 128),
        col.string("key", 64),
        col.string("message_id", 64),
        col.timestamp("updated_at"),
        unique=[("platform", "chat_id", "key")],
    ),
)
