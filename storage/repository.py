"""What every repository shares: its session, the queries most of them ask, the
dialect's INSERT, and the driver path the router's hot statements take on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import bindparam, delete, func, inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Resident
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


def delete_by_params(table: type[SQLModel], *names: str) -> Any:
    """DELETE FROM ``table`` WHERE each column of ``names`` equals the bound parameter of
    its name: built once, run with the values (see :meth:`DriverRepository._write`)."""
    return delete(table).where(*(_column(table, name) == bindparam(name) for name in names))


def rowcount(result: Any) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)


def assistance(by: int | None, at: datetime | None) -> dict[str, Any]:
    """The 代办 columns of a row recorded for a resident by someone else (``by``, a grid
    worker or moderator; None: the resident's own), at ``at``."""
    return {"assisted_by": by, "assisted_at": at if by is not None else None}


T = TypeVar("T", bound=SQLModel)
V = TypeVar("V")


class Repository:
    """SQL about some tables, on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _store(self, row: T) -> T:
        """Add ``row`` (new or changed) and write it now: its id and defaults are set."""
        self.session.add(row)
        await self.session.flush()
        return row

    async def _add_new(self, row: SQLModel) -> bool:
        """INSERT ``row`` unless it would repeat one of its table's unique keys (ON CONFLICT
        DO NOTHING: the database decides): True if it was new. Only the fields the row was
        built with are written (the table's defaults fill the rest); ``row`` itself is not
        added to the session, so it gets no id."""
        values = row.model_dump(exclude_unset=True)
        stmt = insert_for(self.session, type(row)).values(**values).on_conflict_do_nothing()
        return rowcount(await self.session.execute(stmt)) == 1

    async def _upsert(self, table: type[SQLModel], key: dict[str, Any], /, **values: Any) -> None:
        """Set ``values`` on the ``table`` row whose unique ``key`` columns hold the values
        ``key`` gives, inserting that row if there is none (ON CONFLICT (key) DO UPDATE)."""
        stmt = insert_for(self.session, table).values(**key, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=list(key), set_=values)
        )

    async def _delete(self, table: type[SQLModel], /, **equal: Any) -> int:
        """DELETE the ``table`` rows whose columns hold the values ``equal`` names: how many."""
        return rowcount(await self.session.execute(delete(table).filter_by(**equal)))

    async def _first(self, table: type[T], /, **equal: Any) -> T | None:
        """A ``table`` row whose columns hold the values ``equal`` names (None: no row)."""
        return (await self.session.exec(select(table).filter_by(**equal))).first()

    async def _value(self, column: V, /, **equal: Any) -> V | None:
        """``column`` (a ``Table.field``) of a row of its table whose columns hold the values
        ``equal`` names (None: no row)."""
        # A model's field reads as its value's type (str, int …), which select() is not typed for.
        stmt = select(cast(Any, column)).filter_by(**equal)
        return (await self.session.exec(stmt)).first()

    async def _rows(self, table: type[T], /, *, order: Any = None, **equal: Any) -> Sequence[T]:
        """The ``table`` rows whose columns hold the values ``equal`` names, by ``order``
        (a column; by default the id, the order they were added in)."""
        stmt = select(table).filter_by(**equal).order_by(_id_or(table, order))
        return (await self.session.exec(stmt)).all()

    async def _count(self, table: type[SQLModel], /, *where: Any, **equal: Any) -> int:
        """How many ``table`` rows meet ``where`` and hold the values ``equal`` names."""
        stmt = select(func.count()).select_from(table).where(*where).filter_by(**equal)
        return int((await self.session.exec(stmt)).one())

    async def _with_residents(
        self, table: type[T], /, *, order: Any = None, **equal: Any
    ) -> list[tuple[T, Resident]]:
        """:meth:`_rows`, each with the resident its ``resident_id`` names (a row naming
        none is left out)."""
        stmt = (
            select(table, Resident)
            .filter_by(**equal)
            .join(Resident, col(Resident.id) == _column(table, "resident_id"))
            .order_by(_id_or(table, order))
        )
        return [(row, resident) for row, resident in (await self.session.exec(stmt)).all()]


def _column(table: type[SQLModel], name: str) -> Any:
    return inspect(table).columns[name]


def _id_or(table: type[SQLModel], order: Any) -> Any:
    return _column(table, "id") if order is None else order


class TableRepository(Repository, Generic[T]):
    """A repository around one table, ``table``: its rows added, by id, all of them."""

    table: type[T]

    async def add(self, row: T) -> T:
        return await self._store(row)

    async def get(self, row_id: int) -> T | None:
        return await self.session.get(self.table, row_id)

    async def save(self, row: SQLModel) -> None:
        """Write a changed row (of this table or another this repository keeps) now."""
        await self._store(row)

    async def all(self) -> Sequence[T]:
        """Every row, in the order they were added."""
        return await self._rows(self.table)


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
