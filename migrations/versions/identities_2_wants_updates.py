"""identities: an unbound account's answer to “处理进展要通知您吗？”, kept with the account
so its next report does not ask again
"""

import sqlalchemy as sa
from alembic import op

from migrations import columns as col

revision: str = "identities_2"
down_revision: str | None = "pushes_1"

#: NULL: never asked (every account before this revision).
WANTS_UPDATES = col.Column("wants_updates", sa.Boolean, nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.add_column(WANTS_UPDATES.build())


def downgrade() -> None:
    with op.batch_alter_table("platform_identities", schema=None) as batch_op:
        batch_op.drop_column(WANTS_UPDATES.name)
