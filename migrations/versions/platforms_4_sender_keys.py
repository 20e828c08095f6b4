"""platforms: de-duplication keyed by sender; late callbacks kept whole; signature nonces

A message id is unique only per sender (WeChat's MsgId repeats across users), so
``inbound_messages`` is keyed by (platform, sender_id, platform_message_id); the
key's leading columns replace ``ix_inbound_messages_sender``. ``platform_callbacks``
no longer claims every callback: it keeps only messages acknowledged before they
were handled, with the message itself (its old rows were transient claims and are
dropped). ``platform_nonces`` holds the signed (timestamp, nonce) pairs already used.

Revision ID: platforms_4
Revises: tickets_3
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "platforms_4"
down_revision: str | None = "tickets_3"

#: Gives SQLite's unnamed unique constraints a name batch mode can drop them by.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
OLD_KEY = ["platform", "platform_message_id"]
NEW_KEY = ["platform", "sender_id", "platform_message_id"]


def _rekey(old: list[str], new: list[str]) -> None:
    """Swap the inbound table's unique key (PostgreSQL names it as it named the old one)."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"inbound_messages_{'_'.join(old)}_key", "inbound_messages")
        op.create_unique_constraint(
            f"inbound_messages_{'_'.join(new)}_key", "inbound_messages", new
        )
        return
    with op.batch_alter_table(
        "inbound_messages", recreate="always", naming_convention=_NAMES
    ) as batch_op:
        batch_op.drop_constraint(f"uq_inbound_messages_{'_'.join(old)}", type_="unique")
        batch_op.create_unique_constraint(f"uq_inbound_messages_{'_'.join(new)}", new)


def _callbacks_table(*columns: sa.Column, key: list[str]) -> None:  # type: ignore[type-arg]
    op.create_table(
        "platform_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        *columns,
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*key),
    )
    op.create_index(
        "ix_platform_callbacks_created_at", "platform_callbacks", ["created_at"], unique=False
    )


def upgrade() -> None:
    _rekey(OLD_KEY, NEW_KEY)
    op.drop_index("ix_inbound_messages_sender", table_name="inbound_messages")

    op.drop_index("ix_platform_callbacks_created_at", table_name="platform_callbacks")
    op.drop_table("platform_callbacks")
    _callbacks_table(
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        key=["platform", "sender_id", "key"],
    )

    op.create_table(
        "platform_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "stamp", "nonce"),
    )


def downgrade() -> None:
    op.drop_table("platform_nonces")

    op.drop_index("ix_platform_callbacks_created_at", table_name="platform_callbacks")
    op.drop_table("platform_callbacks")
    _callbacks_table(
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=191), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=True),
        key=["platform", "key"],
    )

    op.create_index(
        "ix_inbound_messages_sender", "inbound_messages", ["platform", "sender_id"], unique=False
    )
    # Two senders' messages with one id cannot share the old key: keep the first.
    op.execute(
        "DELETE FROM inbound_messages WHERE id NOT IN "
        "(SELECT min(id) FROM inbound_messages GROUP BY platform, platform_message_id)"
    )
    _rekey(NEW_KEY, OLD_KEY)
