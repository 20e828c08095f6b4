"""platforms: whom each card the bot sent in a group answered (its buttons are theirs)

Revision ID: platforms_5
Revises: outcomes_1
Create Date: 2026-12-03 15:00:00.000000
"""

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
