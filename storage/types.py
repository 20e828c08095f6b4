"""Column types shared by the tables, and the key most of them start with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always hands back an aware UTC datetime (SQLite forgets tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite a timestamp is text; SQLAlchemy's DATETIME writes it with a %-format
    # and reads it back with a regular expression, after this type's own step. Every
    # message binds and reads several, so SQLite gets one step each way, with the
    # same text (``2026-11-22 02:00:00.000000``, tested against SQLAlchemy's).

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_utc_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_utc_value


def _sqlite_utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_utc_value(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def json_text(value: Any) -> str:
    """JSON for JSON columns: UTF-8 (a Chinese character stays 3 bytes instead of a
    6-byte escape) and written by orjson, several times faster than ``json.dumps``."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


#: Reads what :func:`json_text` (or ``json.dumps``, for older rows) wrote.
json_value = orjson.loads


class Keyed(SQLModel):
    """A table whose rows the database numbers: ``id``, its integer primary key, comes
    first (assigned on insert, so None until then). A table keyed by a natural value
    (a day, a lease's name, a bucket's key, a ballot's slot) declares its own key."""

    id: int | None = Field(default=None, primary_key=True)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


def utc_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A UTC timestamp column; required ones default to now."""
    return Field(
        default_factory=utcnow if not nullable else None,
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


def iso(value: datetime | None) -> str | None:
    """An export's timestamp: ISO 8601, or None."""
    return value.isoformat() if value is not None else None
