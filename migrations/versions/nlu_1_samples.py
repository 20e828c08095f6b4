"""nlu: messages kept for the community to label (nlu_samples)"""

from migrations import columns as col

revision: str = "nlu_1"
down_revision: str | None = "console_1"


upgrade, downgrade = col.new_tables(
    col.Table(
        "nlu_samples",
        col.timestamp("created_at", index=True),
        col.string("text", 500),
        col.string("predicted", 32),
        col.real("confidence"),
        col.string("reason", 32),
        col.string("label", 32, null=True, index=True),
        col.string("labelled_by", 64, null=True),
        col.timestamp("labelled_at", null=True),
    ),
)
