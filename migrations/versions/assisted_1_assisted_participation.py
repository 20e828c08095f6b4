"""assisted: who recorded a co-sign, sign-up or named vote for a resident (代办), when,
and when the resident confirmed it
"""

from alembic import op

from migrations import columns as col

revision: str = "assisted_1"
down_revision: str | None = "consents_1"

TABLES = ("topic_cosigns", "meeting_signups", "poll_voters")
#: Who recorded it for the resident, when, and when the resident confirmed it.
ASSISTANCE = (
    col.integer("assisted_by", null=True),
    col.timestamp("assisted_at", null=True),
    col.timestamp("assist_confirmed_at", null=True),
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ASSISTANCE:
                batch_op.add_column(column.build())


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in reversed(ASSISTANCE):
                batch_op.drop_column(column.name)
