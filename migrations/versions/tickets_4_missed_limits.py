"""tickets: a limit missed in an earlier round (before a 不满意 reopened the ticket with
new deadlines) stays counted as late. Tickets reopened before this keep their figures:
the deadlines they missed were not kept."""

from alembic import op

from migrations import columns as col

revision: str = "tickets_4"
down_revision: str | None = "topics_1"

MISSED = (col.counter("missed_response"), col.counter("missed_resolution"))


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in MISSED:
            batch_op.add_column(column.build())


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in reversed(MISSED):
            batch_op.drop_column(column.name)
