"""Telling a database outage from a bug.

While the database is down, unreachable, silent past its timeouts, or refusing
connections, every request fails the same way and nothing was stored. Callers turn
that into a clear answer (a Chinese chat reply, HTTP 503 with JSON, one line from
the command line) instead of a traceback, and a bug still shows as a bug.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

#: SQLite's words for "the file can't be used now" (another writer past busy_timeout,
#: a missing directory, a failing disk), as opposed to a wrong statement.
_SQLITE_OUTAGE = (
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


class StorageUnavailable(Exception):
    """The database can't be used right now; nothing of the request was stored."""


def _asyncpg_outage(exc: BaseException) -> bool:
    try:
        from asyncpg import exceptions as pg  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(
        exc,
        pg.PostgresConnectionError  # lost, refused, rejected, too many connections
        | pg.InterfaceError  # "connection is closed"
        | pg.InvalidCatalogNameError  # the database was dropped or never made
        | pg.OperatorInterventionError  # admin shutdown, crash, statement cancelled
        | pg.CannotConnectNowError,
    )


def _one(exc: BaseException) -> bool:
    if isinstance(exc, StorageUnavailable | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return True  # refused, unreachable, reset: the network to the database
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came in time
        return True
    if isinstance(exc, sqlite3.OperationalError | sa_exc.OperationalError):
        text = str(exc).lower()
        if any(words in text for words in _SQLITE_OUTAGE):
            return True
    return _asyncpg_outage(exc)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps: SQLAlchemy's ``orig``, a cause or context)
    says the database is unavailable rather than that a statement was wrong."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if _one(current):
            return True
        orig = getattr(current, "orig", None)
        stack.extend(
            [
                orig if isinstance(orig, BaseException) else None,
                current.__cause__,
                current.__context__,
            ]
        )
    return False


def fault_name(exc: BaseException) -> str:
    """A short description of a database fault for the log: the exception's type and
    its driver's, never its message (which quotes statements, values and credentials)."""
    orig = getattr(exc, "orig", None)
    return type(exc).__name__ + (f" ({type(orig).__name__})" if orig is not None else "")
