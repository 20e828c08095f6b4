"""SQLite without the asyncio bridge: the ORM called inline on the event loop's thread.

SQLAlchemy's asyncio layer runs every session call in a greenlet and every
driver call through aiosqlite's queue. For PostgreSQL, where a statement is a
network round trip, that machinery is cheap by comparison. For a local SQLite
file a statement takes microseconds and the machinery is most of the cost of a
message (measured: ~0.45 ms of a 0.53 ms 帮助, against 0.08 ms for its SQL).

So for SQLite each process keeps one ``sqlite3`` connection (a :class:`SqliteLane`)
and a synchronous SQLAlchemy engine over it. A unit of work takes the lane's
*turn* (an :class:`asyncio.Lock`, first come first served) at its first
statement and gives it back when it commits or rolls back: exactly what a pool
of one connection did before, without the pool. :class:`InlineSession` keeps
``AsyncSession``'s API, so repositories and handlers are the same code on both
databases, and calls the synchronous session directly.

**Group commit.** Writing a transaction's pages to the WAL is the largest single
cost of a message (~0.1 ms of ~0.5 ms). So a unit of work that commits while no
group is open starts one and, instead of COMMIT, hands the turn on and waits; the
units of work that take the turn in the same turn of the event loop work inside
that transaction, each in its own SAVEPOINT (so one that fails rolls back alone),
and join the group when they finish. Soon after (``loop.call_soon``: once the
tasks already running have had their go) the group commits once, and every
member's ``commit()`` returns; none returns before its work is committed, and if
COMMIT fails every member's ``commit()`` raises. SQLAlchemy's own COMMIT and
ROLLBACK on this connection are switched off (:class:`LaneDialect`): the lane
decides what a transaction is.

The trade: a statement that blocks (another *process* holding the write lock)
blocks the loop for up to ``busy_timeout``; deployments with several processes
use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.pool import StaticPool
from sqlmodel import Session as SqlModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.connections import sqlite_pragmas, write_marks
from storage.types import json_text, json_value


class LaneDialect(SQLiteDialect_pysqlite):
    """pysqlite, except that SQLAlchemy does not end transactions: the lane does.

    A session's commit flushes and a session's rollback forgets its objects, as
    usual, but neither touches the connection's transaction, which may hold other
    units of work's finished work (see group commit above).
    """

    supports_statement_cache = True  # caching is unaffected: only commit and rollback differ

    def do_commit(self, dbapi_connection: Any) -> None:
        return None

    def do_rollback(self, dbapi_connection: Any) -> None:
        return None


registry.register("sqlite.yishi_lane", __name__, "LaneDialect")

#: Lanes of this process whose group holds SQLite's write lock until it commits.
_OPEN_GROUPS: weakref.WeakSet[SqliteLane] = weakref.WeakSet()


def settle_open_groups() -> None:
    """Commit this process's waiting groups before a BEGIN IMMEDIATE that would block.

    Another connection of the same process (a second lane, the async engine) that
    waited on ``busy_timeout`` for a group's write lock would wait in vain: the
    group commits on this same event loop, which that wait blocks. A group whose
    turn is taken (a member in the middle of its work) cannot commit yet.
    """
    for lane in list(_OPEN_GROUPS):
        if not lane.turn.locked():
            lane._commit_group()


class SqliteLane:
    """One process's connection to a SQLite file, whose turn it is to use it, and
    the group of finished units of work waiting for the next COMMIT."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._connection: sqlite3.Connection | None = None
        self.turn = asyncio.Lock()
        self.engine: Engine = create_engine(
            "sqlite+yishi_lane://",
            creator=lambda: self.connection,
            poolclass=StaticPool,
            pool_reset_on_return=None,
            json_serializer=json_text,
            json_deserializer=json_value,
        )
        event.listen(self.engine, "begin", self._begin)
        event.listen(self.engine, "after_cursor_execute", self._note_writes)
        #: What the transaction in progress changed (see storage.engine.write_marks).
        self.marks: set[str] = set()
        #: Resolved when the open group commits; None when no group is open.
        self._group: asyncio.Future[None] | None = None
        #: The group is due to commit as soon as the turn is free.
        self._due = False
        #: The turn's holder works inside a SAVEPOINT of the open group.
        self._nested = False

    @property
    def connection(self) -> sqlite3.Connection:
        """The driver connection, opened on first use with the engine's pragmas."""
        connection = self._connection
        if connection is not None:
            return connection
        connection = sqlite3.connect(self.database, check_same_thread=False)
        sqlite_pragmas(connection, None)
        self._connection = connection
        # SQLAlchemy initialises its dialect on the first checkout: let that happen
        # now, outside any unit of work's transaction.
        with self.engine.connect():
            pass
        return connection

    async def take_turn(self) -> None:
        """Wait for this process's other units of work to finish with the connection."""
        await self.turn.acquire()
        connection = self.connection
        self.marks.clear()
        self._nested = self._group is not None
        if self._nested:
            connection.execute("SAVEPOINT unit_of_work")

    def begin(self) -> sqlite3.Connection:
        """The connection inside a write transaction (BEGIN IMMEDIATE when none is open).

        Taking the write lock up front means a writer waits on ``busy_timeout``
        for another process instead of failing half-way through its work.
        """
        connection = self.connection
        if not connection.in_transaction:
            settle_open_groups()
            connection.execute("BEGIN IMMEDIATE")
        return connection

    def _begin(self, _conn: Any) -> None:
        self.begin()

    def _note_writes(
        self, _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        self.marks.update(write_marks(statement, context))

    async def commit(self) -> None:
        """Keep the turn holder's work and give the turn back; return once it is committed."""
        connection = self.connection
        if self._nested:
            connection.execute("RELEASE unit_of_work")
        if not connection.in_transaction:
            self._give_turn()
            return
        group = self._group
        if group is None:
            loop = asyncio.get_running_loop()
            group = self._group = loop.create_future()
            _OPEN_GROUPS.add(self)
            loop.call_soon(self._commit_soon)
        self._give_turn()
        # Shielded: a member that is cancelled while waiting must not cancel the group.
        await asyncio.shield(group)

    def rollback(self) -> None:
        """Undo the turn holder's work (only its own) and give the turn back."""
        connection = self._connection
        if connection is not None and self._nested:
            connection.execute("ROLLBACK TO unit_of_work")
            connection.execute("RELEASE unit_of_work")
        elif connection is not None and connection.in_transaction:
            connection.rollback()
        self.marks.clear()
        self._give_turn()

    def _give_turn(self) -> None:
        self._nested = False
        if self._due:
            self._commit_group()
        self.turn.release()

    def _commit_soon(self) -> None:
        if self.turn.locked():
            self._due = True  # the holder's work is inside the transaction: wait for it
        else:
            self._commit_group()

    def _commit_group(self) -> None:
        self._due = False
        group, self._group = self._group, None
        if group is None:
            return
        _OPEN_GROUPS.discard(self)
        connection = self.connection
        try:
            if connection.in_transaction:
                connection.commit()
        except sqlite3.Error as exc:
            if connection.in_transaction:
                connection.rollback()
            group.set_exception(exc)
        else:
            group.set_result(None)

    def close(self) -> None:
        """Commit a group still waiting (shutdown), then close the connection.

        With a unit of work still in the middle of its work the group cannot be
        committed; its members are told so (their commit raises) rather than left
        waiting for a COMMIT that will not come.
        """
        if not self.turn.locked():
            self._commit_group()
        group, self._group = self._group, None
        if group is not None:
            _OPEN_GROUPS.discard(self)
            group.set_exception(sqlite3.OperationalError("closed before it could commit"))
        self.engine.dispose()
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _on_turn(name: str) -> Any:
    """:class:`InlineSession`'s ``name``: take the lane's turn, then run the synchronous
    session's method of that name (``AsyncSession``'s signature, awaited)."""

    async def on_turn(self: InlineSession, *args: Any, **kwargs: Any) -> Any:
        await self.take_turn()
        return getattr(self.sync_session, name)(*args, **kwargs)

    on_turn.__name__ = name
    on_turn.__qualname__ = f"InlineSession.{name}"
    return on_turn


class InlineSession(AsyncSession):
    """``AsyncSession``'s API over a synchronous session on :class:`SqliteLane`.

    Anything that may touch the database first awaits :meth:`take_turn`: the
    lane's turn for the unit of work that owns this session. The ORM session
    itself is made on first use: the router's own statements run on the driver
    (see :meth:`driver`), and a message answered from those alone never needs one.
    """

    def __init__(self, lane: SqliteLane) -> None:
        # AsyncSession.__init__ wants an async engine; set what its methods read.
        self._async_bind = None
        self._async_binds = {}
        self._orm: SqlModelSession | None = None
        self._lane = lane
        #: Whether this session holds the lane's turn: from its transaction's first
        #: statement until the unit of work commits or rolls back.
        self.holding = False

    async def take_turn(self) -> None:
        """Wait for the lane's turn, once per transaction.

        Kept here rather than as a callback into the unit of work: a session
        pointing back at its unit of work made a reference cycle per message, and
        under load the collector's young generation filled with them (a pause of
        15-50 ms every few seconds, the open loop's p99).
        """
        if not self.holding:
            await self._lane.take_turn()
            self.holding = True

    @property
    def sync_session(self) -> SqlModelSession:  # type: ignore[override]
        """The synchronous ORM session, made on first use."""
        if self._orm is None:
            self._orm = SqlModelSession(bind=self._lane.engine, expire_on_commit=False)
        return self._orm

    _proxied = sync_session  # what AsyncSession's proxied methods (add, expunge…) use

    def pending(self) -> bool:
        """Objects added, changed or deleted that the next flush will write."""
        orm = self._orm
        return orm is not None and bool(orm.new or orm.dirty or orm.deleted)

    async def driver(self) -> sqlite3.Connection:
        """The driver connection inside this session's transaction, pending changes flushed
        (so that what is read there includes what this unit of work has written)."""
        await self.flush()
        await self.take_turn()
        return self._lane.begin()

    # What may touch the database: the lane's turn first, then the ORM session's method.
    exec = _on_turn("exec")
    execute = _on_turn("execute")
    scalar = _on_turn("scalar")
    scalars = _on_turn("scalars")
    get = _on_turn("get")
    refresh = _on_turn("refresh")
    delete = _on_turn("delete")
    merge = _on_turn("merge")

    async def flush(self, objects: Any = None) -> None:
        if self._orm is None:
            return
        if self.pending():
            await self.take_turn()
        self._orm.flush(objects)

    async def connection(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("on SQLite, use the unit of work's lane for driver access")

    def in_transaction(self) -> bool:
        return self._orm is not None and self._orm.in_transaction()

    async def commit(self) -> None:
        """Flush and end the ORM's transaction; the lane commits (see LaneDialect)."""
        if self._orm is not None and self._orm.in_transaction():
            self._orm.commit()

    async def rollback(self) -> None:
        if self._orm is not None:
            self._orm.rollback()

    async def close(self) -> None:
        if self._orm is not None:
            self._orm.close()
