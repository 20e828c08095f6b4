"""tickets: index followers by person (我的诉求 reads what someone follows)

Revision ID: tickets_3
Revises: platforms_3
Create Date: 2026-11-22 21:00:00.000000
"""

from alembic import op

revision: str = "tickets_3"
down_revision: str | None = "platforms_3"


def upgrade() -> None:
    op.create_index(
        "ix_ticket_followers_person", "ticket_followers", ["platform", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_followers_person", table_name="ticket_followers")
