"""meeting changes: the history of 改期 and 取消 the scheduler announces"""

from migrations import columns as col

revision: str = "meeting_changes_1"
down_revision: str | None = "scheduler_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "meeting_changes",
        col.reference("meeting_id", "meetings", index=True),
        col.string("kind", 16),
        col.timestamp("at"),
        col.string("actor", 128),
        col.timestamp("old_starts_at"),
        col.timestamp("new_starts_at"),
        col.string("old_place", 120),
        col.string("new_place", 120),
        col.string("reason", 500, null=True),
        col.timestamp("notice_until", index=True),
    ),
)
