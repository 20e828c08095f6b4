"""Old databases for the migration tests: brought to a revision, rows written as that
revision's tables hold them, read back after the upgrade (tables reflected, no models)."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, select

from storage.engine import create_engine
from storage.migrate import alembic_config


async def migrate(url: str, revision: str) -> None:
    """Upgrade the database at ``url`` to ``revision`` (``heads``: the newest)."""
    engine = create_engine(url)
    cfg = alembic_config(str(engine.url))

    def run(connection: Any) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def rows(url: str, table: str, **where: Any) -> list[dict[str, Any]]:
    """The rows of ``table`` whose columns equal ``where``'s values, in the table's order."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = await conn.run_sync(lambda c: Table(table, MetaData(), autoload_with=c))
            stmt = select(found).where(*(found.c[k] == v for k, v in where.items()))
            return [dict(r._mapping) for r in await conn.execute(stmt)]
    finally:
        await engine.dispose()


async def insert(url: str, table: str, *values: dict[str, Any]) -> None:
    """Write ``values`` into ``table`` as it stands at the database's revision."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            found = await conn.run_sync(lambda c: Table(table, MetaData(), autoload_with=c))
            await conn.execute(found.insert(), list(values))
    finally:
        await engine.dispose()
