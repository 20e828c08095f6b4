"""recurring offers: problems that keep coming back, offered to the moderators as topics;
an index for counting a category's tickets in a building lately
"""

from migrations import columns as col

revision: str = "recurring_1"
down_revision: str | None = "assisted_1"


RECURRING_OFFERS = col.Table(
    "recurring_offers",
    col.string("cluster", 160, index=True),
    col.string("open_key", 160, null=True, unique=True),
    col.string("kind", 16),
    col.string("category", 32),
    col.string("building", 64, null=True),
    col.json("tickets"),
    col.string("status", 16),
    col.timestamp("offered_at"),
    col.timestamp("decided_at", null=True),
    col.string("decided_by", 128, null=True),
    col.string("decided_by_name", 64, null=True),
    col.reference("topic_id", "topics", null=True),
)
# A plain CREATE INDEX on both databases: the tickets table is never rebuilt for it.
LATELY = col.Index("ix_tickets_recurring", "tickets", "category", "building", "received_at")


def upgrade() -> None:
    col.create(RECURRING_OFFERS)
    LATELY.create()


def downgrade() -> None:
    LATELY.drop()
    col.drop(RECURRING_OFFERS)
