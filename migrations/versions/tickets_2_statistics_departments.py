"""ticket statistics columns (plain SUMs over one covering index) and department members"""

import sqlalchemy as sa
from alembic import op

from migrations import columns as col
from migrations.versions import tickets_1_tickets as tickets_1

revision: str = "tickets_2"
down_revision: str | None = "platforms_2"


DEPARTMENT_MEMBERS = col.Table(
    "department_members",
    col.string("department", 64, index=True),
    col.reference("resident_id", "residents", index=True),
    unique=[("department", "resident_id")],
)
#: Per-ticket 0/1 figures and open deadlines, restamped on every write, so the
#: statistics are plain SUMs over one covering index.
STATISTICS = (
    col.counter("st_dispatched"),
    col.counter("st_accepted"),
    col.counter("st_responded_on_time"),
    col.counter("st_resolved"),
    col.counter("st_resolved_on_time"),
    col.counter("st_rated"),
    col.counter("st_satisfied"),
    col.timestamp("st_response_open_due", null=True),
    col.timestamp("st_resolution_open_due", null=True),
)
PERIOD_STATS = "ix_tickets_period_stats"
#: The indexes of tickets_1 the covering index replaces.
REPLACED = ("ix_tickets_received_at", "ix_tickets_stats")


def upgrade() -> None:
    col.create(DEPARTMENT_MEMBERS)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in STATISTICS:
            batch_op.add_column(column.build())
        for name in REPLACED:
            batch_op.drop_index(batch_op.f(name))
        batch_op.create_index(
            PERIOD_STATS,
            ["grid_id", "category", "received_at", *(column.name for column in STATISTICS)],
            unique=False,
        )
    op.execute(sa.text(BACKFILL))


BACKFILL = """
UPDATE tickets SET
  st_dispatched = CASE WHEN dispatched THEN 1 ELSE 0 END,
  st_accepted = CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END,
  st_responded_on_time = CASE WHEN accepted_at <= response_due_at THEN 1 ELSE 0 END,
  st_resolved = CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END,
  st_resolved_on_time = CASE WHEN resolved_at <= resolution_due_at THEN 1 ELSE 0 END,
  st_rated = CASE WHEN rating IN ('满意', '基本满意', '不满意') THEN 1 ELSE 0 END,
  st_satisfied = CASE WHEN rating IN ('满意', '基本满意') THEN 1 ELSE 0 END,
  st_response_open_due = CASE WHEN accepted_at IS NULL THEN response_due_at END,
  st_resolution_open_due = CASE WHEN resolved_at IS NULL THEN resolution_due_at END
"""


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(PERIOD_STATS)
        for name in reversed(REPLACED):
            batch_op.create_index(batch_op.f(name), tickets_1.TICKETS.index(name), unique=False)
        for column in reversed(STATISTICS):
            batch_op.drop_column(column.name)
    col.drop(DEPARTMENT_MEMBERS)
