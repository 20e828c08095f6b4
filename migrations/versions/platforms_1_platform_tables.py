"""platform tables"""

from migrations import columns as col

revision: str = "platforms_1"
down_revision: str | None = "deliberation_1"

#: Replaced in platforms_4, whose downgrade brings this one back.
CALLBACKS = col.Table(
    "platform_callbacks",
    col.string("platform", 16),
    col.string("key", 191),
    col.string("state", 16),
    col.json("reply", null=True),
    col.timestamp("created_at", index=True),
    unique=[("platform", "key")],
)

upgrade, downgrade = col.new_tables(
    col.Table(
        "platform_callback_data",
        col.string("key", 64, unique=True),
        col.string("data", 4096),
        col.timestamp("created_at"),
    ),
    CALLBACKS,
    col.Table(
        "platform_contacts",
        col.string("platform", 16),
        col.string("user_id", 128),
        col.timestamp("last_inbound_at"),
        col.integer("sent_in_window"),
        col.boolean("subscribed"),
        unique=[("platform", "user_id")],
    ),
    col.Table(
        "platform_tokens",
        col.string("name", 128, unique=True),
        col.string("value", 1024),
        col.timestamp("expires_at"),
        col.timestamp("updated_at"),
    ),
    col.Table(
        "push_deliveries",
        col.string("platform", 16, index=True),
        col.string("chat_id", 128, index=True),
        col.string("via", 32),
        col.boolean("ok"),
        col.string("detail", 500, null=True),
        col.string("excerpt", 80),
        col.timestamp("at", index=True),
    ),
    col.Table(
        "bind_codes",
        col.string("code_hash", 64, unique=True),
        col.reference("resident_id", "residents", index=True),
        col.string("issued_by", 128),
        col.timestamp("created_at"),
        col.timestamp("expires_at", index=True),
        col.timestamp("used_at", null=True),
        col.string("used_by", 160, null=True),
    ),
    col.Table(
        "push_preferences",
        col.reference("resident_id", "residents", unique=True),
        col.json("platforms"),
        col.timestamp("updated_at"),
    ),
)
