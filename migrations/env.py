"""Alembic environment: runs migrations on the configured async engine."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.schema  # noqa: F401  (every aggregate's tables on SQLModel.metadata)
from storage.engine import async_url, create_engine
from storage.migrate import include_for

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.config import load_settings

        url = load_settings().storage.url
    return str(url)


def _configure(connection: Connection | None = None, **kw: Any) -> None:
    dialect = connection.dialect.name if connection is not None else kw["url"].split(":")[0]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_for(dialect.split("+")[0]),
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
        **kw,
    )


def run_migrations_offline() -> None:
    _configure(url=async_url(_url()), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run_sync)
            await conn.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
