"""platforms: index inbound messages by sender (most recently used platform first)"""

from migrations import columns as col

revision: str = "platforms_2"
down_revision: str | None = "meeting_changes_1"

BY_SENDER = col.Index("ix_inbound_messages_sender", "inbound_messages", "platform", "sender_id")

upgrade, downgrade = BY_SENDER.create, BY_SENDER.drop
