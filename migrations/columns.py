"""The columns, keys and indexes the revision scripts create, each said once.

A revision (``from migrations import columns as col``) describes its tables with these
builders, ``col.string("code", 32, unique=True)`` reading like the model's field, and
creates and drops them with :func:`create` and :func:`drop`, or takes both steps from
:func:`new_tables` when adding tables is all it does; :class:`Index` is an index added
to a table already there. They render exactly what Alembic's autogenerate wrote when
the revisions spelled every column out: the same types and nullability, an ``id`` key
first, foreign keys ordered by column, then the unique keys, then each table's indexes.
A revision's effect must never change, so never change what a builder renders: add one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem
from sqlmodel.sql.sqltypes import AutoString

import storage.types

#: Makes a column's type (a fresh one for every table built).
TypeOf = Callable[[], Any]


@dataclass(frozen=True)
class Column:
    """A column as the models declare it: its type, whether it may be NULL, the table
    whose ``id`` it holds, whether it is unique or indexed on its own."""

    name: str
    type: TypeOf
    nullable: bool = False
    references: str | None = None
    unique: bool = False
    index: bool = False
    server_default: str | None = None

    def build(self) -> sa.Column[Any]:
        """A new SQLAlchemy column: one belongs to one table, and a process (the tests)
        may migrate several databases."""
        return sa.Column(
            self.name, self.type(), server_default=self.server_default, nullable=self.nullable
        )


def string(
    name: str, length: int, *, null: bool = False, unique: bool = False, index: bool = False
) -> Column:
    """A ``str`` field of at most ``length`` characters (VARCHAR)."""
    return Column(
        name,
        lambda: AutoString(length=length),
        null,
        unique=unique,
        index=index,
    )


def timestamp(name: str, *, null: bool = False, index: bool = False) -> Column:
    """A moment, stored in UTC (:class:`storage.types.UTCDateTime`)."""
    return Column(name, lambda: storage.types.UTCDateTime(timezone=True), null, index=index)


def integer(name: str, *, null: bool = False, index: bool = False) -> Column:
    return Column(name, sa.Integer, null, index=index)


def counter(name: str) -> Column:
    """An integer that rows already in the table start at 0."""
    return Column(name, sa.Integer, server_default="0")


def boolean(name: str) -> Column:
    return Column(name, sa.Boolean)


def real(name: str, *, null: bool = False) -> Column:
    return Column(name, sa.Float, null)


def json(name: str, *, null: bool = False) -> Column:
    return Column(name, sa.JSON, null)


def reference(
    name: str, table: str, *, null: bool = False, unique: bool = False, index: bool = False
) -> Column:
    """The ``id`` of a row of ``table`` (a foreign key)."""
    return Column(name, sa.Integer, null, references=table, unique=unique, index=index)


class Table:
    """A table as one revision creates it (and its downgrade drops it).

    ``key`` names the primary key: ``"id"`` (the default) adds the integer ``id``
    column first; any other names one of ``columns``. ``unique`` lists the unique keys
    of several columns and ``indexes`` the named indexes (name → columns); a column's
    own ``unique``/``index`` flags add the rest (indexes named ``ix_<table>_<column>``).
    """

    def __init__(
        self,
        name: str,
        *columns: Column,
        key: str = "id",
        unique: Iterable[tuple[str, ...]] = (),
        indexes: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.name = name
        self.columns = (integer("id"), *columns) if key == "id" else columns
        self.key = key
        self.unique = tuple(unique)
        self.indexes = dict(indexes or {})

    def schema_items(self) -> list[SchemaItem]:
        """Columns, then foreign keys by column, the primary key, unique keys by columns."""
        keys = sorted([*self.unique, *((c.name,) for c in self.columns if c.unique)])
        return [
            *(c.build() for c in self.columns),
            *(
                sa.ForeignKeyConstraint([c.name], [f"{c.references}.id"])
                for c in sorted(self.columns, key=lambda c: c.name)
                if c.references
            ),
            sa.PrimaryKeyConstraint(self.key),
            *(sa.UniqueConstraint(*columns) for columns in keys),
        ]

    def index_list(self) -> list[tuple[str, list[str]]]:
        """Every index (name, columns), by name."""
        own = [(f"ix_{self.name}_{c.name}", (c.name,)) for c in self.columns if c.index]
        return sorted((name, list(columns)) for name, columns in [*own, *self.indexes.items()])

    def index(self, name: str) -> list[str]:
        """The columns of the index ``name``."""
        return dict(self.index_list())[name]


class Index:
    """An index a revision adds to a table that is already there."""

    def __init__(self, name: str, table: str, *columns: str) -> None:
        self.name = name
        self.table = table
        self.columns = list(columns)

    def create(self) -> None:
        op.create_index(self.name, self.table, self.columns, unique=False)

    def drop(self) -> None:
        op.drop_index(self.name, table_name=self.table)


def create(*tables: Table) -> None:
    """Create the tables in order (a table after those it refers to), each with its indexes."""
    for table in tables:
        op.create_table(table.name, *table.schema_items())
        for name, columns in table.index_list():
            op.create_index(name, table.name, columns, unique=False)


def drop(*tables: Table) -> None:
    """Undo :func:`create` of the same tables: the last first, its indexes before it."""
    for table in reversed(tables):
        for name, _ in reversed(table.index_list()):
            op.drop_index(name, table_name=table.name)
        op.drop_table(table.name)


def new_tables(*tables: Table) -> tuple[Callable[[], None], Callable[[], None]]:
    """A revision's ``upgrade`` and ``downgrade`` when all it does is add ``tables``."""
    return lambda: create(*tables), lambda: drop(*tables)
