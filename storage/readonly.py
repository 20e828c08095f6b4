"""Read-only rows for the most asked questions: one SELECT, plain copies of the models.

The ORM's per-statement cost (identity map, instance state, row processors) is
most of the cost of answering "议事日是哪天" or "我的诉求". Display paths do not
need tracked objects, so they read labelled columns and get *copies*
(``model_construct``: same fields, same Python values, no session). On SQLite the
statement runs on the unit of work's driver connection (see
:mod:`storage.sqlite_fast`); on PostgreSQL through the session as Core.

A copy cannot be saved: ``session.add`` refuses it. Code that changes a row
loads it through its repository's tracked methods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite_fast import compiled
from storage.sqlite_session import InlineSession

M = TypeVar("M", bound=SQLModel)


def columns_of(model: type[SQLModel], prefix: str) -> list[Any]:
    """Every column of ``model``'s table, labelled ``prefix`` + name."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    return [c.label(f"{prefix}{c.name}") for c in table.columns]


def copy_of(model: type[M], row: Mapping[str, Any], prefix: str) -> M:
    """A read-only ``model`` from the columns :func:`columns_of` labelled."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    values = {c.name: row[f"{prefix}{c.name}"] for c in table.columns}
    return cast(M, model.model_construct(**values))


async def fetch_all(
    session: AsyncSession, statement: Any, params: Mapping[str, Any]
) -> Sequence[Mapping[str, Any]]:
    """Rows of a statement built once (module-level, cached) as ``{label: value}``."""
    if isinstance(session, InlineSession):
        return compiled(statement).fetchall(await session.driver(), params)
    return [dict(m) for m in (await session.execute(statement, dict(params))).mappings()]
