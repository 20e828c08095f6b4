"""platforms: live messages the bot edits in place (a poll's running count)"""

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
