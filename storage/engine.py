"""Engine set-up: SQLite (WAL) by default, PostgreSQL by URL, always async."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.connections import PUSHED, WROTE, sqlite_pragmas, write_marks
from storage.sqlite_session import settle_open_groups
from storage.types import json_text, json_value

# aiosqlite logs each call it hands to its thread at DEBUG ("executing <function … at
# 0x7f…>"): nothing a reader can use, and lines that differ from run to run by address.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """Give a plain ``sqlite:///`` or ``postgresql://`` URL its async driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    """True for the SQLite backend (pragmas and locking differ)."""
    return engine.dialect.name == "sqlite"


def _sqlite_begin(conn: Any) -> None:
    # This process's own group commit holds the write lock until the event loop
    # runs it: waiting on busy_timeout here would wait for ourselves.
    settle_open_groups()
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _note_writes(
    conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    """Remember on the connection what this transaction changed; the unit of work
    reads and clears the marks."""
    for mark in write_marks(statement, context):
        conn.info[mark] = True


def _clear_marks(conn: Any) -> None:
    """A new transaction starts with no marks (a rolled-back one may have left some)."""
    conn.info.pop(WROTE, None)
    conn.info.pop(PUSHED, None)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    connect_timeout: float = 5.0,
    statement_timeout: float | None = 30.0,
) -> AsyncEngine:
    """An async engine for ``url`` with the backend's sensible settings.

    On PostgreSQL no wait is unbounded: opening a connection gives up after
    ``connect_timeout`` seconds, a statement (the pool's ping, a commit, a rollback
    included) after ``statement_timeout`` (None: no limit, for migrations), and waiting
    for a free pooled connection after ``statement_timeout`` too. A silent network or a
    stopped server then costs a request seconds, not as long as the fault lasts.
    SQLite waits for another process's write lock up to its busy_timeout.
    """
    full = async_url(url)
    kwargs: dict[str, Any] = {
        "echo": echo,
        "json_serializer": json_text,
        "json_deserializer": json_value,
    }
    if make_url(full).get_backend_name() == "postgresql":
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            pool_timeout=statement_timeout or 30.0,
            connect_args={"timeout": connect_timeout, "command_timeout": statement_timeout},
        )
    else:
        # Serving never uses this engine on SQLite: units of work run on the process's
        # SqliteLane (storage.sqlite_session). It runs the migrations (Alembic wants an
        # engine), on stock aiosqlite: one connection, its driver calls on aiosqlite's
        # thread, so a wait for another process's write lock does not block the loop.
        # The pool is named: earlier SQLAlchemy 2.0 releases gave file databases a NullPool.
        kwargs.update(poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0, pool_timeout=60)
    engine = create_async_engine(full, **kwargs)
    event.listen(engine.sync_engine, "after_cursor_execute", _note_writes)
    event.listen(engine.sync_engine, "begin", _clear_marks)
    if is_sqlite(engine):
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
