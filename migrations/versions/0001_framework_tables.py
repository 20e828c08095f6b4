"""framework tables"""

from migrations import columns as col

revision: str = "0001"
down_revision: str | None = None


upgrade, downgrade = col.new_tables(
    col.Table(
        "audit_log",
        col.timestamp("at", index=True),
        col.string("actor", 128),
        col.string("action", 64),
        col.string("entity_type", 32),
        col.string("entity_id", 64),
        col.json("before", null=True),
        col.json("after", null=True),
        indexes={"ix_audit_entity": ("entity_type", "entity_id")},
    ),
    col.Table(
        "conversation_states",
        col.string("platform", 16),
        col.string("chat_id", 128),
        col.string("user_id", 128),
        col.string("flow", 64),
        col.string("step", 64),
        col.json("data"),
        col.timestamp("expires_at", index=True),
        col.timestamp("updated_at"),
        unique=[("platform", "chat_id", "user_id")],
    ),
    col.Table(
        "grids",
        col.string("code", 32, unique=True),
        col.string("name", 64),
    ),
    col.Table(
        "inbound_messages",
        col.string("platform", 16),
        col.string("platform_message_id", 128),
        col.string("chat_id", 128),
        col.string("sender_id", 128),
        col.string("intent", 32, null=True),
        col.json("reply", null=True),
        col.timestamp("received_at", index=True),
        unique=[("platform", "platform_message_id")],
    ),
    col.Table(
        "pushes",
        col.string("dedupe_key", 191, null=True, unique=True),
        col.string("platform", 16),
        col.string("chat_id", 128),
        col.json("payload"),
        col.string("status", 16, index=True),
        col.integer("attempts"),
        col.string("last_error", 500, null=True),
        col.timestamp("created_at"),
        col.timestamp("next_attempt_at", index=True),
        col.timestamp("sent_at", null=True),
    ),
    col.Table(
        "buildings",
        col.string("name", 64, unique=True),
        col.reference("grid_id", "grids", null=True, index=True),
    ),
    col.Table(
        "residents",
        col.string("name", 64),
        col.string("phone", 32, null=True),
        col.string("phone_masked", 32, null=True),
        col.reference("building_id", "buildings", null=True, index=True),
        col.string("unit", 16, null=True),
        col.string("room", 16, null=True),
        col.string("household", 64, null=True, index=True),
        col.boolean("verified"),
        col.timestamp("created_at"),
    ),
    col.Table(
        "platform_identities",
        col.string("platform", 16),
        col.string("platform_user_id", 128),
        col.reference("resident_id", "residents", null=True, index=True),
        col.string("display_name", 64, null=True),
        col.timestamp("created_at"),
        unique=[("platform", "platform_user_id")],
    ),
    col.Table(
        "role_assignments",
        col.reference("resident_id", "residents", index=True),
        col.string("role", 32),
        col.reference("grid_id", "grids", null=True, index=True),
        unique=[("resident_id", "role", "grid_id")],
    ),
)
