"""pushes: proof of notice finds a cause's pushes by key prefix with an index (PostgreSQL)

居务公开's "已通知 n/m 户" counts the pushes whose de-duplication key starts with a
cause's key (``dedupe_key LIKE 'meeting.announced:M202612:%'``). On a database created
with a linguistic collation (zh_CN.UTF-8, en_US.UTF-8, an ICU locale) the unique index
on ``dedupe_key`` orders keys by that collation and cannot serve a prefix LIKE, so the
count read the whole outbox. An index with ``varchar_pattern_ops`` compares bytes and
serves it. A range (``>= prefix AND < successor``) on the default index is no way out:
under such a collation the keys with a prefix are not one range of it. SQLite is
unchanged (its LIKE is not served by an index either way, and its outbox is one
community's).
"""

from alembic import op

revision: str = "pushes_1"
down_revision: str | None = "platforms_5"

NAME = "ix_pushes_dedupe_key_pattern"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            NAME, "pushes", ["dedupe_key"], postgresql_ops={"dedupe_key": "varchar_pattern_ops"}
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(NAME, table_name="pushes")
