"""SQLite without the asyncio bridge: the ORM called inline on the event loop's thread.

SQLAlchemy's asyncio layer runs every session call in a greenlet and every
driver call through aiosqlite's queue. For PostgreSQL, where a statement is a
network round trip, that machinery is cheap by comparison. For a local SQLite
file a statement takes microseconds and the machinery is most of the cost of a
message (measured: ~0.45 ms of a 0.53 ms 帮助, against 0.08 ms for its SQL).

So for SQLite each process keeps one ``sqlite3`` connection (a :class:`SqliteLane`)
and a synchronous SQLAlchemy engine over it. A unit of work takes the lane's
*turn* (an :class:`asyncio.Lock`, first come first served) at its first
statement and gives it back at commit or rollback: exactly what a pool of one
connection did before, without the pool. :class:`InlineSession` keeps
``AsyncSession``'s API, so repositories and handlers are the same code on both
databases, and calls the synchronous session directly.

The trade is the one :mod:`storage.sqlite_inline` already made: a statement that
blocks (another *process* holding the write lock) blocks the loop for up to
``busy_timeout``; deployments with several processes use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session as SqlModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import sqlite_pragmas, write_marks


class SqliteLane:
    """One process's connection to a SQLite file, and whose turn it is to use it."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._connection: sqlite3.Connection | None = None
        self.turn = asyncio.Lock()
        self.engine: Engine = create_engine(
            "sqlite://",
            creator=lambda: self.connection,
            poolclass=StaticPool,
            # Units of work commit and roll back themselves; a "reset" rollback on
            # check-in must not undo statements they made on the driver directly.
            pool_reset_on_return=None,
        )
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "after_cursor_execute", self._note_writes)
        #: What the transaction in progress changed (see storage.engine.write_marks).
        self.marks: set[str] = set()

    @property
    def connection(self) -> sqlite3.Connection:
        """The driver connection, opened on first use with the engine's pragmas."""
        connection = self._connection
        if connection is not None:
            return connection
        connection = sqlite3.connect(self.database, check_same_thread=False)
        sqlite_pragmas(connection, None)
        self._connection = connection
        # SQLAlchemy initialises its dialect on the first checkout and rolls back
        # afterwards: let that happen now, outside any unit of work's transaction.
        with self.engine.connect():
            pass
        return connection

    async def take_turn(self) -> None:
        """Wait for this process's other units of work to finish with the connection."""
        await self.turn.acquire()
        self.connection  # noqa: B018 - opened (and the dialect initialised) before any use
        self.marks.clear()

    def begin(self) -> sqlite3.Connection:
        """The connection inside a write transaction (BEGIN IMMEDIATE when none is open).

        Taking the write lock up front means a writer waits on ``busy_timeout``
        for another process instead of failing half-way through its work.
        """
        connection = self.connection
        if not connection.in_transaction:
            connection.execute("BEGIN IMMEDIATE")
        return connection

    def _begin(self, _conn: Any) -> None:
        self.begin()

    def _note_writes(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        self.marks.update(write_marks(statement, context))

    def commit(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            self._connection.commit()

    def rollback(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            self._connection.rollback()

    def close(self) -> None:
        self.engine.dispose()
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class InlineSession(AsyncSession):
    """``AsyncSession``'s API over a synchronous session on :class:`SqliteLane`.

    ``ready`` is awaited before anything that may touch the database: it takes
    the lane's turn for the unit of work that owns this session.
    """

    def __init__(self, lane: SqliteLane, ready: Callable[[], Awaitable[None]]) -> None:
        # AsyncSession.__init__ wants an async engine; set what its methods read.
        self._async_bind = None
        self._async_binds = {}
        self.sync_session = self._proxied = SqlModelSession(
            bind=lane.engine, expire_on_commit=False
        )
        self._ready = ready
        self._lane = lane

    async def driver(self) -> sqlite3.Connection:
        """The driver connection inside this session's transaction, pending changes flushed
        (so that what is read there includes what this unit of work has written)."""
        await self.flush()
        await self._ready()
        return self._lane.begin()

    async def exec(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.exec(*args, **kwargs)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.scalars(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.get(*args, **kwargs)

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await self._ready()
        self.sync_session.refresh(*args, **kwargs)

    async def delete(self, instance: object) -> None:
        await self._ready()
        self.sync_session.delete(instance)

    async def merge(self, *args: Any, **kwargs: Any) -> Any:
        await self._ready()
        return self.sync_session.merge(*args, **kwargs)

    async def flush(self, objects: Any = None) -> None:
        if self.sync_session.new or self.sync_session.dirty or self.sync_session.deleted:
            await self._ready()
        self.sync_session.flush(objects)

    async def connection(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("on SQLite, use the unit of work's lane for driver access")

    async def commit(self) -> None:
        self.sync_session.commit()

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()
