"""``yishi export KIND``: rows as JSON lines or CSV, personal data masked.

Each domain registers its kinds in :data:`KINDS` (a name → async row source), so the
command line never needs to know the tables. Large kinds are read page by page
(:func:`in_pages`): a bounded number of queries per page, rows written as they come.
CSV is written to be opened in Excel or WPS: no cell can start a formula.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TextIO, TypeVar, cast

from sqlmodel import col, select

from storage.models import AuditEntry, Building, Resident
from storage.unit_of_work import UnitOfWork

T = TypeVar("T")
Row = dict[str, Any]
Units = Callable[[], UnitOfWork]
#: Rows read in one unit of work (the old form: the whole export in one transaction).
RowSource = Callable[[UnitOfWork], AsyncIterator[Row]]
#: Rows read page by page, with the domain's rules (see :func:`in_pages`).
Source = Callable[[Units, "Rules"], AsyncIterator[Row]]
#: One page: ``(uow, after_id, limit)`` → the page's rows and the id to continue after
#: (None on the last page).
PageReader = Callable[[UnitOfWork, int, int], Awaitable[tuple[list[Row], int | None]]]

#: Told the number of rows written so far, after each row (the CLI shows it on a terminal).
RowsDone = Callable[[int], None]

#: Every kind ``yishi export`` offers.
KINDS: dict[str, Source] = {}
#: The kinds read in one unit of work, callable inside the caller's own.
EXPORTS: dict[str, RowSource] = {}
#: Rows per page: each page costs a fixed handful of queries, whatever its size.
PAGE_SIZE = 500


class Rules:
    """The domain's rules an export applies (who is withheld, …), handed in by the caller
    and looked up by type: storage defines none of them and imports none."""

    def __init__(self, *rules: object) -> None:
        self._rules: dict[type, object] = {type(r): r for r in rules}

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._rules[kind])
        except KeyError:
            raise LookupError(f"this export needs the rule {kind.__name__}") from None


def register(kind: str) -> Callable[[RowSource], RowSource]:
    """Decorator: make ``yishi export kind`` produce this source's rows, read in one
    unit of work (for small kinds; large ones use :func:`register_paged`)."""

    def wrap(source: RowSource) -> RowSource:
        async def rows(units: Units, _rules: Rules) -> AsyncIterator[Row]:
            async with units() as uow:
                found = [row async for row in source(uow)]
            for row in found:
                yield row

        KINDS[kind], EXPORTS[kind] = rows, source
        return source

    return wrap


def register_paged(kind: str) -> Callable[[Source], Source]:
    """Decorator: make ``yishi export kind`` produce this source's rows."""

    def wrap(source: Source) -> Source:
        KINDS[kind] = source
        return source

    return wrap


async def in_pages(units: Units, page: PageReader, size: int = PAGE_SIZE) -> AsyncIterator[Row]:
    """Every row, one page per short unit of work, keyed on an increasing id.

    Each row comes once even while the bot writes (keyset, not OFFSET); on SQLite
    the write lock is held for one page at a time, never for the whole export, so a
    running bot keeps answering; and rows go out as they are read, not all at the end.
    """
    after = 0
    while True:
        async with units() as uow:
            rows, last = await page(uow, after, size)
        for row in rows:
            yield row
        if last is None:
            return
        after = last


def last_id(ids: Sequence[int | None], size: int) -> int | None:
    """Where the next page starts: the page's last id, or None when it was not full."""
    return ids[-1] if len(ids) == size and ids[-1] is not None else None


async def _resident_page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
    stmt = (
        select(Resident, Building)
        .join(Building, col(Building.id) == col(Resident.building_id), isouter=True)
        .where(col(Resident.id) > after)
        .order_by(col(Resident.id))
        .limit(size)
    )
    found = (await uow.session.exec(stmt)).all()
    rows = [
        {
            "id": resident.id,
            "name": resident.name,
            "phone": resident.phone_masked,
            "building": building.name if building else None,
            "unit": resident.unit,
            "room": resident.room,
            "household": resident.household,
            "verified": resident.verified,
        }
        for resident, building in found
    ]
    return rows, last_id([r.id for r, _ in found], size)


@register_paged("residents")
def _residents(units: Units, _rules: Rules) -> AsyncIterator[Row]:
    return in_pages(units, _resident_page)


async def _audit_page(uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
    stmt = select(AuditEntry).where(col(AuditEntry.id) > after).order_by(col(AuditEntry.id))
    found = (await uow.session.exec(stmt.limit(size))).all()
    rows = [
        {
            "id": entry.id,
            "at": entry.at.isoformat(),
            "actor": entry.actor,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "before": entry.before,
            "after": entry.after,
        }
        for entry in found
    ]
    return rows, last_id([e.id for e in found], size)


@register_paged("audit")
def _audit(units: Units, _rules: Rules) -> AsyncIterator[Row]:
    return in_pages(units, _audit_page)


#: What makes Excel, WPS or LibreOffice read a cell as a formula (or as DDE), in ASCII and
#: in the full-width and small forms a Chinese input method types: = + - @, and a leading
#: tab or carriage return (OWASP, "CSV Injection").
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading single quote
    (OWASP's recommendation): it then shows the text as typed and computes nothing."""
    return "'" + text if text and text[0] in FORMULA_STARTS else text


def _cell(value: Any) -> Any:
    """One CSV cell: nested values as JSON; every text neutralised (numbers stay numbers)."""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return neutralise(value) if isinstance(value, str) else value


async def write_rows(
    rows: AsyncIterator[Row], fmt: str, out: TextIO, progress: RowsDone | None = None
) -> int:
    """Write rows to ``out`` as ``jsonl`` or ``csv``; returns the count.

    CSV is meant to be opened in Excel or WPS: every text cell passes :func:`neutralise`.
    JSON lines keep every value exactly as stored. ``progress`` hears the count so far.
    """
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
        if progress is not None:
            progress(count)
    return count


async def export_kind(
    units: Units, kind: str, fmt: str, out: TextIO, rules: Rules, progress: RowsDone | None = None
) -> int:
    """Write every row of ``kind`` to ``out``; returns the count."""
    return await write_rows(KINDS[kind](units, rules), fmt, out, progress)
