"""scheduler tables"""

from migrations import columns as col

revision: str = "scheduler_1"
down_revision: str | None = "platforms_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "scheduled_sends",
        col.string("key", 200, unique=True),
        col.string("kind", 64, index=True),
        col.string("ref", 64, index=True),
        col.string("status", 16),
        col.timestamp("due_at"),
        col.timestamp("recorded_at", index=True),
        col.boolean("late"),
        col.string("actor", 64),
        col.string("note", 500, null=True),
    ),
    col.Table(
        "scheduler_leases",
        col.string("name", 64),
        col.string("holder", 128),
        col.timestamp("expires_at"),
        col.timestamp("acquired_at"),
        key="name",
    ),
)
