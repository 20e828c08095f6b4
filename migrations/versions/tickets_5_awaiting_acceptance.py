"""tickets: a ticket a moderator (or its holder) gave to a grid worker (分派/转派) waits for
him to take it (接单), its response limit still running. Tickets given before this count
as taken, as they did."""

from alembic import op

from migrations import columns as col

revision: str = "tickets_5"
down_revision: str | None = "tickets_4"

AWAITING = col.counter("awaiting_acceptance")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(AWAITING.build())


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column(AWAITING.name)
