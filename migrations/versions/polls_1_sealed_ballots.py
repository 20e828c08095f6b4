"""polls: sealed ballots for anonymous polls; no vote time, choice or pending choice kept

Anonymous votes become sealed ballots (``poll_ballots``: a keyed slot and the
encrypted choice, no id sequence, no time), counted once at close. Participation
rows of anonymous polls lose their time; what older code left that linked a
voter to a choice is removed: pending confirmations holding the choice
(``conversation_states`` of the old ``anon_vote`` flow) and vote words recorded
as the intent of a message (``command:反对`` → ``vote``). Counters of anonymous
polls still open stay; the tally adds them to the sealed ballots at close.
"""

import re

import sqlalchemy as sa
from alembic import op

import storage.types
from migrations import columns as col

revision: str = "polls_1"
down_revision: str | None = "identities_1"

# The vote words the old router recorded as "command:<first word>" (frozen here).
_VOTE_WORD = re.compile(
    r"command:(?:.*(?:赞成|同意|反对|弃权|支持).*|我?(?:投|选)\s*(?:第?\s*\d|[A-Ja-j]).*"
    r"|P\s*\d+.+)",
    re.IGNORECASE | re.DOTALL,
)


BALLOTS = col.Table(
    "poll_ballots",
    col.string("slot", 64),
    col.reference("poll_id", "polls", index=True),
    col.Column("sealed", lambda: sa.LargeBinary(length=64)),
    key="slot",
)


def upgrade() -> None:
    col.create(BALLOTS)
    with op.batch_alter_table("poll_voters", schema=None) as batch_op:
        batch_op.alter_column(
            "cast_at", existing_type=storage.types.UTCDateTime(timezone=True), nullable=True
        )
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE poll_voters SET cast_at = NULL"
            " WHERE poll_id IN (SELECT id FROM polls WHERE anonymous)"
        )
    )
    bind.execute(sa.text("DELETE FROM conversation_states WHERE flow = 'anon_vote'"))
    intents = bind.execute(
        sa.text("SELECT DISTINCT intent FROM inbound_messages WHERE intent LIKE 'command:%'")
    ).scalars()
    for intent in [i for i in intents if _VOTE_WORD.fullmatch(i)]:
        bind.execute(
            sa.text("UPDATE inbound_messages SET intent = 'vote' WHERE intent = :intent"),
            {"intent": intent},
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE poll_voters SET cast_at = CURRENT_TIMESTAMP WHERE cast_at IS NULL")
    )
    with op.batch_alter_table("poll_voters", schema=None) as batch_op:
        batch_op.alter_column(
            "cast_at", existing_type=storage.types.UTCDateTime(timezone=True), nullable=False
        )
    col.drop(BALLOTS)
