"""platforms: de-duplication keyed by sender; late callbacks kept whole; signature nonces

A message id is unique only per sender (WeChat's MsgId repeats across users), so
``inbound_messages`` is keyed by (platform, sender_id, platform_message_id); the
key's leading columns replace ``ix_inbound_messages_sender``. ``platform_callbacks``
no longer claims every callback: it keeps only messages acknowledged before they
were handled, with the message itself (its old rows were transient claims and are
dropped). ``platform_nonces`` holds the signed (timestamp, nonce) pairs already used.
"""

import sqlalchemy as sa
from alembic import op

from migrations import columns as col
from migrations.versions import platforms_1_platform_tables as platforms_1
from migrations.versions import platforms_2_inbound_sender_index as platforms_2

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


#: platform_callbacks keeps only the messages acknowledged before they were handled.
CALLBACKS = col.Table(
    "platform_callbacks",
    col.string("platform", 16),
    col.string("sender_id", 128),
    col.string("key", 128),
    col.json("message"),
    col.timestamp("created_at", index=True),
    unique=[("platform", "sender_id", "key")],
)
NONCES = col.Table(
    "platform_nonces",
    col.string("platform", 16),
    col.Column("stamp", sa.BigInteger),
    col.string("nonce", 64),
    unique=[("platform", "stamp", "nonce")],
)


def upgrade() -> None:
    _rekey(OLD_KEY, NEW_KEY)
    platforms_2.BY_SENDER.drop()
    col.drop(platforms_1.CALLBACKS)
    col.create(CALLBACKS, NONCES)


def downgrade() -> None:
    col.drop(CALLBACKS, NONCES)
    col.create(platforms_1.CALLBACKS)
    platforms_2.BY_SENDER.create()
    # Two senders' messages with one id cannot share the old key: keep the first.
    op.execute(
        "DELETE FROM inbound_messages WHERE id NOT IN "
        "(SELECT min(id) FROM inbound_messages GROUP BY platform, platform_message_id)"
    )
    _rekey(NEW_KEY, OLD_KEY)
