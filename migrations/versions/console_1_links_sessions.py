"""console: one-time 工作台 login links and the sessions they open (hashes only)"""

from migrations import columns as col

revision: str = "console_1"
down_revision: str | None = "throttle_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "console_links",
        col.string("token_hash", 64, unique=True),
        col.reference("resident_id", "residents", index=True),
        col.timestamp("created_at"),
        col.timestamp("expires_at"),
        col.timestamp("used_at", null=True),
    ),
    col.Table(
        "console_sessions",
        col.string("session_hash", 64, unique=True),
        col.reference("resident_id", "residents", index=True),
        col.timestamp("created_at"),
        col.timestamp("expires_at", index=True),
        col.timestamp("revoked_at", null=True),
    ),
)
