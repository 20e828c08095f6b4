"""identities: web chat sessions (credential hash → public id); legacy cookie identities retired

Until this revision a web browser's identity *was* its cookie value (``w-`` and 32
hex digits), and that value was broadcast to the group, logged and exported: every
such value must be taken as known to others. They are retired, not carried over:

* each legacy web identity gets a fresh public id (``w-`` and 16 hex digits), and
  every stored copy of the old value (an exact column value, or ``web:`` + value as
  the audit names an unbound person) is rewritten to it, so the history stays one
  person's history and the old value is gone from the tables and their exports;
* it is unbound from its resident: no browser can speak as it any more (no session
  holds it), and a browser that still sends the old cookie gets a new identity.
  A resident who had bound a browser binds again with a code (roles belong to the
  resident and come back with the binding).
"""

import re
import secrets

import sqlalchemy as sa
from alembic import op

from migrations import columns as col

revision: str = "identities_1"
down_revision: str | None = "platforms_4"

_LEGACY = re.compile(r"w-[0-9a-f]{32}")
_MAP = "_legacy_web_ids"


WEB_SESSIONS = col.Table(
    "web_sessions",
    col.string("token_hash", 64, unique=True),
    col.string("public_id", 128, unique=True),
    col.string("persona", 128, null=True),
    col.timestamp("created_at"),
)


def upgrade() -> None:
    col.create(WEB_SESSIONS)
    retire_legacy_web_identities(op.get_bind())


def retire_legacy_web_identities(conn: sa.Connection) -> int:
    """Give every legacy web identity a fresh public id everywhere it is stored, unbound.

    One UPDATE per text column through a mapping table (one scan each, whatever the
    number of identities); returns how many identities were retired.
    """
    found = conn.execute(
        sa.text(
            "SELECT platform_user_id FROM platform_identities "
            "WHERE platform = 'web' AND platform_user_id LIKE 'w-%'"
        )
    ).scalars()
    legacy = [value for value in found if _LEGACY.fullmatch(value)]
    if not legacy:
        return 0
    mapping = {old: f"w-{secrets.token_hex(8)}" for old in legacy}
    conn.execute(
        sa.text(
            "UPDATE platform_identities SET resident_id = NULL "
            "WHERE platform = 'web' AND platform_user_id IN :olds"
        ).bindparams(sa.bindparam("olds", expanding=True)),
        {"olds": legacy},
    )
    mapping_table = sa.Table(
        _MAP,
        sa.MetaData(),
        sa.Column("old", sa.String(160), primary_key=True),
        sa.Column("new", sa.String(160), nullable=False),
    )
    mapping_table.create(conn)
    try:
        conn.execute(
            mapping_table.insert(),
            [
                {"old": prefix + old, "new": prefix + new}
                for old, new in mapping.items()
                for prefix in ("", "web:")
            ],
        )
        inspector = sa.inspect(conn)
        for table in inspector.get_table_names():
            if table in (_MAP, "alembic_version", "web_sessions"):
                continue
            for column in inspector.get_columns(table):
                kind = column["type"]
                if not isinstance(kind, sa.String) or (kind.length or 10_000) < 34:
                    continue
                name = conn.dialect.identifier_preparer.quote(column["name"])
                quoted = conn.dialect.identifier_preparer.quote(table)
                conn.execute(
                    sa.text(
                        f"UPDATE {quoted} SET {name} = "
                        f"(SELECT m.new FROM {_MAP} m WHERE m.old = {quoted}.{name}) "
                        f"WHERE {name} IN (SELECT old FROM {_MAP})"
                    )
                )
    finally:
        mapping_table.drop(conn)
    return len(legacy)


def downgrade() -> None:
    col.drop(WEB_SESSIONS)
