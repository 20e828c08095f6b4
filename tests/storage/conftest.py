"""Fixtures shared by the storage tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.demo import seed_demo
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory
from tests.conftest import PG_URL, _asyncpg_dsn


@pytest.fixture
async def seeded(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on the demo community, on each database in turn."""
    engine = create_engine(db_url)
    made = UnitOfWorkFactory(session_factory(engine))
    await seed_demo(made)
    yield made
    made.close()
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(
    request: pytest.FixtureRequest, tmp_path: Path, _pg_reason: str | None
) -> Iterator[str]:
    """An empty database (SQLite file or a new PostgreSQL database), not migrated: the
    migration tests bring it to an old revision (tests/storage/migration_support.py)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if _pg_reason:
        pytest.skip(_pg_reason)
    import asyncpg

    name = f"yishi_t_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
        await conn.execute(sql)
        await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
