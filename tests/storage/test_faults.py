"""is_outage tells an unavailable database from a wrong statement, on real errors."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.engine import create_engine
from storage.faults import StorageUnavailable, is_outage


async def _error_of(url: str, statement: str = "SELECT 1") -> BaseException:
    engine = create_engine(url, connect_timeout=2)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    except Exception as exc:
        return exc
    finally:
        await engine.dispose()
    raise AssertionError("no error")


async def test_a_refused_connection_is_an_outage() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert is_outage(await _error_of(f"postgresql://x@127.0.0.1:{port}/x"))


async def test_a_missing_database_is_an_outage_a_bad_statement_is_not(pg_url: str) -> None:
    gone = make_url(pg_url).set(database="yishi_no_such_db").render_as_string(False)
    assert is_outage(await _error_of(gone))
    assert not is_outage(await _error_of(pg_url, "SELECT * FROM no_such_table"))
    assert not is_outage(await _error_of(pg_url, "SELECT 1/0"))


async def test_sqlite_locked_is_an_outage_a_bad_statement_is_not(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
        assert is_outage(locked.value)
        with pytest.raises(sqlite3.OperationalError) as wrong:
            waiter.execute("SELECT * FROM no_such_table")
        assert not is_outage(wrong.value)
    finally:
        holder.close()
        waiter.close()
    assert not is_outage(ValueError("a bug"))
    assert is_outage(StorageUnavailable("down"))
    try:
        try:
            raise ConnectionResetError("peer reset")
        except ConnectionResetError as cause:
            raise RuntimeError("wrapped") from cause
    except RuntimeError as wrapped:
        assert is_outage(wrapped), "the cause counts"
