"""Search a whole database for a value: every table, every text and JSON column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, inspect, text

from storage.engine import create_engine


async def cells_containing(url: str, needle: str) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every cell whose text contains ``needle``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def columns(sync: Any) -> dict[str, list[str]]:
                found = inspect(sync)
                return {
                    table: [
                        c["name"]
                        for c in found.get_columns(table)
                        if isinstance(c["type"], String | JSON)
                    ]
                    for table in found.get_table_names()
                }

            hits: list[tuple[str, str, Any]] = []
            for table, names in (await conn.run_sync(columns)).items():
                for name in names:
                    rows = await conn.execute(text(f'SELECT "{name}" FROM "{table}"'))
                    hits += [(table, name, v) for (v,) in rows if needle in str(v)]
            return hits
    finally:
        await engine.dispose()
