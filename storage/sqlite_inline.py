"""aiosqlite's API with the SQLite calls made on the event loop's own thread.

aiosqlite hands every call to a worker thread and back. For a local SQLite file
in WAL mode a typical statement takes microseconds, while each hand-off costs a
thread wake-up and an event-loop turn (on two busy cores: hundreds of
microseconds); the router's three statements per message were spending most of
their time waiting on those hand-offs. Running them inline removes the waiting.

The price: a statement that blocks — another *process* holding SQLite's write
lock — blocks the loop for up to ``busy_timeout``. Within one process writers
never contend (the engine keeps one pooled connection), and deployments with
several processes use PostgreSQL, so this is the right trade for SQLite.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker: runs each job at once.

    SQLAlchemy's aiosqlite adapter posts some jobs (setting isolation_level)
    straight onto that queue, so it has to be answered too.
    """

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An :class:`aiosqlite.Connection` whose worker thread is never started."""

    def __init__(self, connector: Any, iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """Open ``database`` for use from the event loop's thread."""

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(
            database, check_same_thread=False, **kwargs
        )
        return connection

    return InlineConnection(connector, 64)
