"""outcomes: a decision's owner as a resident of the register (落实's 负责人), so the owner
is told and may report progress on it; filled for decisions whose owner's name is one
resident's
"""

from alembic import op

from migrations import columns as col

revision: str = "outcomes_1"
down_revision: str | None = "recurring_1"

OWNER = col.integer("owner_id", null=True)
#: A decision assigned before this revision names its owner only: the resident of that
#: name, when exactly one has it.
BACKFILL = """
UPDATE decisions SET owner_id = (
    SELECT min(residents.id) FROM residents WHERE residents.name = decisions.owner
)
WHERE owner IS NOT NULL
  AND (SELECT count(*) FROM residents WHERE residents.name = decisions.owner) = 1
"""


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(OWNER.build())
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column(OWNER.name)
