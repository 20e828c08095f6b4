"""The ticket export: what the configured confidentiality rule withholds, and a bounded
number of queries however many tickets there are (on SQLite and PostgreSQL); the
outcomes export: what each decision's vote came to, and the decision as decided."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

import consultation.exports  # noqa: F401  (registers the tickets export)
from bot.demo import seed_demo
from consultation.confidentiality import WITHHELD, Confidentiality
from storage.engine import create_engine, session_factory
from storage.exports import KINDS, PAGE_SIZE, Rules, export_kind
from storage.tickets import Ticket, TicketEvent
from storage.unit_of_work import UnitOfWorkFactory
from tests.kit import Town

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
async def units(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    await seed_demo(factory)
    yield factory
    factory.close()
    await engine.dispose()


async def _file(
    units: UnitOfWorkFactory, count: int, category: str = "公共设施", first: int = 1
) -> None:
    """``count`` tickets by 张阿姨 (resident 1), each with two history entries."""
    async with units() as uow:
        zhang = await uow.residents.get(1)
        assert zhang is not None and zhang.name == "张阿姨"
        tickets = [
            Ticket(
                number=f"R20261122-{i:04d}",
                draft_id=f"d{category}{i}",
                category=category,
                description=f"第{i}件：楼道灯坏了",
                building="3号楼",
                unit="2单元",
                room="301",
                reporter_resident_id=zhang.id,
                reporter_platform="web",
                reporter_user_id="zhang",
                reporter_name="张阿姨",
                received_at=NOW,
                response_due_at=NOW + timedelta(hours=4),
                resolution_due_at=NOW + timedelta(hours=72),
                updated_at=NOW,
            )
            for i in range(first, first + count)
        ]
        uow.session.add_all(tickets)
        await uow.session.flush()
        uow.session.add_all(
            TicketEvent(
                ticket_id=t.id or 0,
                at=NOW,
                actor="web:zhang",
                actor_name=name,
                action=action,
                to_status="received",
            )
            for t in tickets
            for action, name in (("filed", "张阿姨"), ("assigned", "王网格员"))
        )


@contextmanager
def counting(units: UnitOfWorkFactory, db_url: str) -> Iterator[list[str]]:
    """Every SQL statement the export runs, on either backend."""
    seen: list[str] = []
    bind: Any = units.lane.engine if units.lane is not None else units.sessions.kw["bind"]
    target = bind if units.lane is not None else bind.sync_engine

    def note(*args: Any) -> None:
        seen.append(str(args[2]).split()[0])

    event.listen(target, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(target, "before_cursor_execute", note)


async def _export(units: UnitOfWorkFactory, rule: Confidentiality) -> list[dict[str, Any]]:
    out = io.StringIO()
    await export_kind(units, "tickets", "jsonl", out, Rules(rule))
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_a_configured_confidential_category_is_withheld(units: UnitOfWorkFactory) -> None:
    await _file(units, 1, "公共设施")
    await _file(units, 1, "环境卫生", first=2)
    plain = await _export(units, Confidentiality())
    assert [r["reporter"] for r in plain] == ["张阿姨", "张阿姨"]

    # The operator adds 环境卫生 to [tickets] confidential_categories: the export follows.
    rows = await _export(units, Confidentiality.of(["邻里纠纷", "环境卫生"]))
    hidden = next(r for r in rows if r["category"] == "环境卫生")
    assert hidden["reporter"] == WITHHELD and hidden["reporter_phone"] is None
    assert [e["actor"] for e in hidden["history"]] == [WITHHELD, "王网格员"]
    assert "张阿姨" not in json.dumps(hidden, ensure_ascii=False)
    # Her room names her household as surely as her name: the building and unit stay.
    assert hidden["location"] == "3号楼2单元" and "301" not in json.dumps(hidden)
    shown = next(r for r in rows if r["category"] == "公共设施")
    assert shown["reporter"] == "张阿姨" and shown["reporter_phone"] == "138****5678"
    assert shown["location"] == "3号楼2单元301"


async def test_the_export_needs_the_rule_it_applies(units: UnitOfWorkFactory) -> None:
    with pytest.raises(LookupError, match="Confidentiality"):
        await export_kind(units, "tickets", "jsonl", io.StringIO(), Rules())


async def test_queries_per_page_not_per_ticket(units: UnitOfWorkFactory, db_url: str) -> None:
    count = 2 * PAGE_SIZE + 7  # three pages
    await _file(units, count)
    with counting(units, db_url) as statements:
        rows = await _export(units, Confidentiality())
    assert len(rows) == count
    assert rows[-1]["number"] == f"R20261122-{count:04d}"
    assert all(len(r["history"]) == 2 for r in rows)
    selects = [s for s in statements if s.upper() == "SELECT"]
    # Per page: grid names, tickets, their events, their people = 4; three pages.
    assert len(selects) <= 4 * 3, statements
    assert set(KINDS) >= {"tickets"}


async def _closed(town: Town, spec: str, *votes: tuple[str, str]) -> None:
    """李书记 opens a poll, each (who, choice) votes, he closes it."""
    opened = await town.li.says(f"开启投票 {spec}")
    found = re.search(r"P\d+", opened.text)
    assert found, opened.text
    for who, choice in votes:
        assert "已记录" in await town.person(who).says(f"投票 {found.group(0)} {choice}")
    assert "结论" in await town.li.says(f"结束投票 {found.group(0)}")


async def test_the_outcomes_export_says_a_void_decision_void_and_a_decision_as_decided(
    town: Town,
) -> None:
    """A decision recorded for a vote that missed its quorum (before void votes got none)
    was exported as ``passed: false`` beside the ones voted down, and every decision's
    text was its poll's question. Now each row says what its vote came to and reads as
    what was decided; the stored rows are not rewritten."""
    await _closed(town, "是否同意更换路灯 法定:100%", ("zhang", "赞成"))  # P1: void
    async with town.bot.uow() as uow:  # the row an earlier version wrote for it
        await uow.session.execute(
            text(
                "INSERT INTO decisions (id, poll_id, text, passed, status, created_at)"
                " VALUES (1, 1, '是否同意更换路灯', false, 'decided', '2026-11-22 02:00:00')"
            )
        )
    await _closed(town, "是否同意装充电桩 法定:0%", ("zhang", "赞成"))  # P2 → D2
    await _closed(town, "是否同意砍树 法定:0%", ("zhang", "反对"))  # P3 → D3
    async with town.bot.uow() as uow:  # D3 as an earlier version worded it: the question
        await uow.session.execute(text("UPDATE decisions SET text = '是否同意砍树' WHERE id = 3"))

    out = io.StringIO()
    await export_kind(town.bot.uow, "outcomes", "csv", out, Rules())
    rows = {r["decision"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["D1"]["outcome"] == "no_quorum" and rows["D1"]["decided"] == "False"
    assert rows["D1"]["text"] == "是否同意更换路灯", "a void vote decided nothing to word"
    assert (rows["D2"]["outcome"], rows["D2"]["text"]) == ("passed", "同意装充电桩")
    assert (rows["D3"]["outcome"], rows["D3"]["text"]) == ("failed", "不同意砍树")
    assert rows["D3"]["question"] == "是否同意砍树" and rows["D3"]["decided"] == "True"
    async with town.bot.uow() as uow:
        stored = await uow.session.execute(text("SELECT text FROM decisions WHERE id = 3"))
        assert stored.scalar_one() == "是否同意砍树", "history is read, not rewritten"
