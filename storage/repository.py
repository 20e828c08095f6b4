"""What every repository shares: its session, the dialect's INSERT, and the driver
path the router's hot statements take on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite_fast import compiled
from storage.sqlite_session import InlineSession


def dialect_insert(dialect: str, table: Any) -> Any:
    """INSERT for ``dialect`` (both support ON CONFLICT, which the portable ``insert()``
    lacks); every repository's upserts go through here."""
    return pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)


def insert_for(session: AsyncSession, table: Any) -> Any:
    """:func:`dialect_insert` for the session's dialect."""
    return dialect_insert(session.sync_session.get_bind().dialect.name, table)


def insert_or_nothing(
    dialect: str, table: Any, unique: Sequence[str], returning: Any | None = None
) -> Any:
    """INSERT … ON CONFLICT (``unique``) DO NOTHING, with RETURNING ``returning`` (a
    column: a row that was already there returns none) when given."""
    stmt = dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=list(unique))
    return stmt if returning is None else stmt.returning(returning)


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class DriverRepository(Repository):
    """A repository on the router's hot path: on SQLite its statements skip the ORM
    and run on the unit of work's driver connection."""

    async def _driver(self) -> sqlite3.Connection | None:
        if isinstance(self.session, InlineSession):
            return await self.session.driver()
        return None

    async def _write(self, statement: Callable[[str], Any], values: dict[str, Any]) -> None:
        """Run the INSERT/UPDATE/DELETE ``statement(dialect)`` builds (once per dialect)
        with ``values``: compiled on SQLite's driver, as Core on the session elsewhere."""
        driver = await self._driver()
        if driver is not None:
            compiled(statement("sqlite"), tuple(values)).execute(driver, values)
            return
        conn = await self.session.connection()
        await conn.execute(statement(conn.dialect.name), values)
