"""throttle: token buckets that limit failed bind attempts (per account, source, overall)"""

from migrations import columns as col

revision: str = "throttle_1"
down_revision: str | None = "polls_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "rate_buckets",
        col.string("key", 191),
        col.real("tokens"),
        col.real("stamp"),
        col.real("locked_at", null=True),
        key="key",
    ),
)
