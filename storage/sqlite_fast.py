"""Statements compiled once and run on SQLite's driver connection directly.

The router's statements per message (the snapshot, the record, the
conversation's save or clear) are the hottest path in the bot. Through
SQLAlchemy each costs ~250 µs of Python on this machine, most of it generic
execution machinery; compiled once here and run on the unit of work's
``sqlite3`` connection with the column types' own bind and result processors,
they cost a few microseconds and return exactly what SQLAlchemy would.
PostgreSQL keeps the regular path (its round trip dominates there).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage.types import json_text, json_value

Processor = Callable[[Any], Any] | None
SQLITE: Dialect = sqlite.dialect(json_serializer=json_text, json_deserializer=json_value)


class CompiledStatement:
    """One statement in SQLite's SQL, its parameter order and its value converters."""

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect = SQLITE,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        compiled = cast(
            SQLCompiler,
            statement.compile(
                dialect=dialect,
                column_keys=list(column_keys) if column_keys is not None else None,
            ),
        )
        self.sql = str(compiled)
        self.names: Sequence[str] = tuple(compiled.positiontup or ())
        self.literals = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if bind.value is not None and not bind.required
        }
        self.binders: dict[str, Processor] = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        # A SELECT's columns, or an INSERT's RETURNING columns.
        columns = list(getattr(statement, "exported_columns", ()))
        self.keys = [c.key for c in columns]
        self.readers: list[Processor] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        # Per parameter, in order: its name and its converter (None: as it is).
        self._plan = [(name, self.binders.get(name)) for name in self.names]
        self._keyed = list(zip(self.keys, self.readers, strict=True))

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        literals = self.literals
        for name, binder in self._plan:
            value = params[name] if name in params else literals[name]
            values.append(binder(value) if binder is not None else value)
        return values

    def fetchone(
        self, conn: sqlite3.Connection, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """One row as ``{key: value}`` (or None), in the connection's open transaction."""
        row = conn.execute(self.sql, self.arguments(params)).fetchone()
        if row is None:
            return None
        return {
            key: (reader(value) if reader is not None else value)
            for (key, reader), value in zip(self._keyed, row, strict=True)
        }

    def fetchall(self, conn: sqlite3.Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row as ``{key: value}``, in the connection's open transaction."""
        rows = conn.execute(self.sql, self.arguments(params)).fetchall()
        keyed = self._keyed
        return [
            {
                key: (reader(value) if reader is not None else value)
                for (key, reader), value in zip(keyed, row, strict=True)
            }
            for row in rows
        ]

    def execute(self, conn: sqlite3.Connection, params: Mapping[str, Any]) -> int:
        """Run a statement without result rows; the number of rows it changed."""
        return conn.execute(self.sql, self.arguments(params)).rowcount


_COMPILED: dict[tuple[int, tuple[str, ...] | None], tuple[Any, CompiledStatement]] = {}


def compiled(statement: Any, column_keys: tuple[str, ...] | None = None) -> CompiledStatement:
    """``statement`` compiled once. Meant for statements built once (module-level,
    cached): the cache holds the statement, so its id cannot be reused by another."""
    key = (id(statement), column_keys)
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not statement:
        entry = _COMPILED[key] = (statement, CompiledStatement(statement, column_keys=column_keys))
    return entry[1]
