"""attendance: where someone attended (in the hall or online) beside when they signed in,
and the meeting's sign-in code shown in the hall; sign-ins made before this revision were
all taken as present in the hall, and are kept so
"""

from alembic import op

from migrations import columns as col

revision: str = "attendance_1"
down_revision: str | None = "tickets_5"

ATTENDED_AS = col.string("attended_as", 8, null=True)
CHECKIN_CODE = col.string("checkin_code", 8, null=True)
BACKFILL = "UPDATE meeting_signups SET attended_as = 'onsite' WHERE checked_in_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("meeting_signups", schema=None) as batch_op:
        batch_op.add_column(ATTENDED_AS.build())
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(CHECKIN_CODE.build())
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column(CHECKIN_CODE.name)
    with op.batch_alter_table("meeting_signups", schema=None) as batch_op:
        batch_op.drop_column(ATTENDED_AS.name)
