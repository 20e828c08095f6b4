"""platforms: whom each card the bot sent in a group answered (its buttons are theirs)"""

from migrations import columns as col

revision: str = "platforms_5"
down_revision: str | None = "outcomes_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "platform_card_owners",
        col.string("platform", 16),
        col.string("chat_id", 128),
        col.string("message_id", 64),
        col.string("owner_id", 128),
        col.timestamp("sent_at", index=True),
        unique=[("platform", "chat_id", "message_id")],
    ),
)
