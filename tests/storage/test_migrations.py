"""Alembic migrations on real databases: empty → head, idempotent, every table present."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.engine import async_url, create_engine
from storage.migrate import current_revision, head_revision, include_for, upgrade


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///./yishi.db") == "sqlite+aiosqlite:///./yishi.db"
    assert async_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert async_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


async def test_empty_sqlite_file_is_brought_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = create_engine(url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        await upgrade(engine)  # a second run is a no-op
        assert await current_revision(engine) == head_revision(url)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        assert set(SQLModel.metadata.tables) <= tables
        assert mode == "wal"
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    """Autogenerate finds nothing to do: migrations and models agree (both backends)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(
                        c, opts={"include_object": include_for(c.dialect.name)}
                    ),
                    SQLModel.metadata,
                )
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_sqlite_overwrites_deleted_rows(sqlite_url: str) -> None:
    """A deleted conversation (an anonymous vote's pending choice) leaves no bytes behind."""
    engine = create_engine(sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
    finally:
        await engine.dispose()
