"""``yishi export KIND``: rows as JSON lines or CSV, personal data masked.

Each domain registers its kinds in :data:`EXPORTS` (a name → async row source),
so the command line never needs to know the tables.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

from sqlmodel import col, select

from storage.engine import create_engine, session_factory
from storage.models import AuditEntry, Building, Resident
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

RowSource = Callable[[UnitOfWork], AsyncIterator[dict[str, Any]]]
EXPORTS: dict[str, RowSource] = {}


def register(kind: str) -> Callable[[RowSource], RowSource]:
    """Decorator: make ``yishi export kind`` produce this source's rows."""

    def wrap(source: RowSource) -> RowSource:
        EXPORTS[kind] = source
        return source

    return wrap


@register("residents")
async def _residents(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    stmt = select(Resident, Building).join(
        Building, col(Building.id) == col(Resident.building_id), isouter=True
    )
    for resident, building in (await uow.session.exec(stmt.order_by(col(Resident.id)))).all():
        yield {
            "id": resident.id,
            "name": resident.name,
            "phone": resident.phone_masked,
            "building": building.name if building else None,
            "unit": resident.unit,
            "room": resident.room,
            "household": resident.household,
            "verified": resident.verified,
        }


@register("audit")
async def _audit(uow: UnitOfWork) -> AsyncIterator[dict[str, Any]]:
    for entry in (await uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all():
        yield {
            "id": entry.id,
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "before": entry.before,
            "after": entry.after,
        }


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


async def write_rows(rows: AsyncIterator[dict[str, Any]], fmt: str, out: TextIO) -> int:
    """Write rows to ``out`` as ``jsonl`` or ``csv``; returns the count."""
    count = 0
    writer: csv.DictWriter[str] | None = None
    async for row in rows:
        if fmt == "jsonl":
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        else:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row))
                writer.writeheader()
            writer.writerow({k: _cell(v) for k, v in row.items()})
        count += 1
    return count


async def export_kind(url: str, kind: str, fmt: str, out: TextIO) -> int:
    """Open the database at ``url`` and write every row of ``kind``."""
    engine = create_engine(url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        async with factory() as uow:
            return await write_rows(EXPORTS[kind](uow), fmt, out)
    finally:
        factory.close()
        await engine.dispose()
