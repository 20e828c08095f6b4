"""Schema upgrades through Alembic, callable from the CLI and at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

import migrations

log = logging.getLogger("yishi.storage")

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


def include_for(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for comparing the models with a ``dialect`` database:
    an index the models declare for another backend only (``Index.ddl_if``, like the
    outbox's PostgreSQL pattern index) is not expected there."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: bool, _compare_to: Any) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database behind ``engine`` to the newest schema (idempotent).

    Says so in one log line when it changed anything (Alembic's own step-by-step
    lines are kept below INFO, see bot.logs)."""
    cfg = alembic_config(str(engine.url))

    def _run(connection: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
        def heads() -> tuple[str, ...]:
            return tuple(MigrationContext.configure(connection).get_current_heads())

        before = heads()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
        return before, heads()

    async with engine.begin() as conn:
        before, after = await conn.run_sync(_run)
    if before != after:
        log.info(
            "database upgraded",
            extra={"from_revision": ",".join(before) or None, "to_revision": ",".join(after)},
        )


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema revision the database is at, or None when it is empty."""
    async with engine.connect() as conn:
        heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    return ",".join(heads) if heads else None


def head_revision(url: str) -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


class SchemaBehind(Exception):
    """The database is not at the schema this code writes: empty, or older."""

    def __init__(self, current: str | None, newest: str | None) -> None:
        super().__init__(f"database schema is at {current or 'nothing'}, the code needs {newest}")
        self.current = current
        self.newest = newest


async def require_current(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaBehind` unless the database is at the newest revision."""
    current = await current_revision(engine)
    newest = head_revision(str(engine.url))
    if current != newest:
        raise SchemaBehind(current, newest)
