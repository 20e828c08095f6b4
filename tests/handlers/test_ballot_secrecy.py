"""Anonymous ballots can't be linked to their voters by someone holding the whole database
and the logs — on SQLite and on PostgreSQL (where also transaction ids and old row
versions are read).

The scenario votes through the chat in every form (bare words, buttons, ``投票 P1 反对``,
``P1 弃权``, a changed vote, a paper ballot), the web chat keeping its history as it
does, and runs twice with the choices permuted
among the voters (the same result). Whatever the database or the log keeps that
depends on who chose what differs between the two runs; apart from the sealed
ballots (random by design) everything must be equal: every row of every table, the
transaction each row was written and deleted by, every row version still in the
pages, every log line. A direct search for a voter next to a choice comes on top.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.schema  # noqa: F401  (every table)
from bot.adapters.port import PlatformStore
from bot.adapters.web.history import KeptInHistory
from bot.app import Yishi
from bot.demo import DEMO_PEOPLE, seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import ChatType, Inbound
from storage.engine import sqlite_file
from storage.web_chat import WebChatRepository
from tests import conftest
from tests.conftest import Clock, make_settings

START = datetime(2031, 3, 2, 1, 0, tzinfo=UTC)  # far from the wall clock (see _normal)
TG_CHAT = "-100777"  # the poll is opened in a Telegram group: its live count is a push
CHOICES = ("赞成", "反对", "弃权")

# Who votes how (the form is the voter's), and the choices of the two runs: the same
# result (赞成 2, 反对 3, 弃权 1), each voter's choice different between the runs.
# zhao changes the vote (the bare word is asked about, the button changes it); sun votes on
# paper, entered by the moderator.
FORMS = {
    "zhang": "{c}",
    "liu": "投票 P1 {c}",  # a button's data
    "chen": "投票 P1 {c}",  # typed in the group
    "wang": "P1 {c}",
    "zhao": "我{c}",
    "sun": "paper",
}
RUNS: dict[str, dict[str, list[str]]] = {
    "a": {
        "zhang": ["反对"],
        "liu": ["赞成"],
        "chen": ["弃权"],
        "wang": ["反对"],
        "zhao": ["赞成", "反对"],
        "sun": ["赞成"],
    },
    "b": {
        "zhang": ["赞成"],
        "liu": ["反对"],
        "chen": ["反对"],
        "wang": ["弃权"],
        "zhao": ["弃权", "反对"],
        "sun": ["赞成"],
    },
}


@dataclass
class Run:
    open_dump: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    closed_dump: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    raw_open: list[tuple[Any, ...]] = field(default_factory=list)
    raw_closed: list[tuple[Any, ...]] = field(default_factory=list)
    log: list[tuple[Any, ...]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    sealed_lengths: set[int] = field(default_factory=set)
    result: dict[str, Any] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    file_counts: dict[str, int] = field(default_factory=dict)


def inbound(sender: str, text_: str, mid: str, clock: Clock, **kw: Any) -> Inbound:
    platform = kw.pop("platform", "web")
    group = kw.pop("group", False)
    return Inbound(
        platform=platform,
        chat_id=kw.pop("chat", sender),
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        sender_id=kw.pop("sender_id", sender),
        message_id=mid,
        text=text_,
        sent_at=clock(),
        addressed=kw.pop("addressed", True),
    )


async def run_scenario(
    url: str, choices: dict[str, list[str]], caplog: pytest.LogCaptureFixture
) -> Run:
    clock = Clock(START)
    bot = Yishi(make_settings(url), classifier=KeywordClassifier(), clock=clock)
    run = Run()
    try:
        await seed_demo(bot.uow)
        postgres = bot.engine.dialect.name == "postgresql"
        async with bot.uow() as uow:
            li = await uow.identities.ensure("telegram", "900001", "李书记")
            web_li = await uow.identities.ensure("web", "li")
            li.resident_id = web_li.resident_id
            uow.session.add(li)
            # 孙科长 lives here too (a home in the register), so he votes in residents' polls.
            await uow.session.execute(
                text("UPDATE residents SET unit = '1单元', room = '302' WHERE name = '孙科长'")
            )
            rows = await uow.session.execute(text("SELECT id, name FROM residents"))
            by_name = {name: rid for rid, name in rows.all()}
        run.people = {who: by_name[DEMO_PEOPLE[who]] for who in FORMS}
        holder = None
        if postgres:
            await _freeze_vacuum(bot)
            holder = await _hold_row_versions(bot)
        count = 0
        web = PlatformStore(bot.uow)

        async def say(sender: str, words: str, **kw: Any) -> str:
            nonlocal count
            count += 1
            clock.advance(seconds=1)
            message = inbound(sender, words, f"m{count}", clock, **kw)
            # A web chat message is kept in the chat's history as the web adapter keeps it.
            kept = (
                KeptInHistory(web, message.chat_id, message.sender_id, words, None, clock())
                if message.platform == "web"
                else None
            )
            replies = await bot.router.handle(message, within=kept)
            return "\n".join(r.text for r in replies)

        caplog.clear()
        opened = await say(
            "li",
            "开启投票 是否同意养犬公约 匿名",
            platform="telegram",
            chat=TG_CHAT,
            group=True,
            sender_id="900001",
        )
        assert "P1" in opened and "匿名投票" in opened
        for round_ in range(2):
            for who, form in FORMS.items():
                if len(choices[who]) <= round_:
                    continue
                choice = choices[who][round_]
                if form == "paper":
                    run.replies.append(
                        await say("li", f"录入纸质票 P1 {DEMO_PEOPLE[who]} {choice}")
                    )
                elif who == "chen":
                    run.replies.append(
                        await say(who, form.format(c=choice), chat="group:main", group=True)
                    )
                else:
                    run.replies.append(await say(who, form.format(c=choice)))
                if who == "zhao" and round_ == 1:  # the bare word over a vote is asked:
                    run.replies.append(await say(who, f"投票 P1 {choice}"))  # the button
        run.replies.append(await say("zhang", "投票情况 P1"))
        run.open_dump = await dump(bot, postgres)
        run.raw_open = await raw_tuples(bot, _wall_tables(run.open_dump)) if postgres else []
        run.sealed_lengths = {len(r["sealed"]) for r in run.open_dump["poll_ballots"]}
        closed = await say("li", "结束投票 P1")
        run.replies.append(closed)
        run.replies.append(await say("li", "参与名单 P1"))
        run.closed_dump = await dump(bot, postgres)
        walls = _wall_tables(run.closed_dump)
        run.raw_closed = await raw_tuples(bot, walls) if postgres else []
        [poll] = run.closed_dump["polls"]
        run.result = (
            poll["result"] if isinstance(poll["result"], dict) else json.loads(poll["result"])
        )
        run.log = [_log_line(r) for r in caplog.records]
        if not postgres:
            run.file_counts = file_counts(url)
        if holder is not None:
            await holder.close()
    finally:
        await bot.stop()
    return run


@pytest.fixture
def second_url(
    db_url: str, tmp_path: Path, _sqlite_template: Path, _pg_reason: str | None
) -> Iterator[str]:
    """Another fresh database like ``db_url``, for the second run."""
    if db_url.startswith("sqlite"):
        target = tmp_path / "second.db"
        shutil.copy(_sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    with conftest.fresh_pg_database() as url:
        yield url


async def test_anonymous_votes_leave_no_link_between_voter_and_choice(
    db_url: str, second_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    a = await run_scenario(db_url, RUNS["a"], caplog)
    b = await run_scenario(second_url, RUNS["b"], caplog)
    # The published result is right in both: each voter once, zhao with the last choice.
    assert a.result["counts"] == b.result["counts"] == [2, 3, 1]
    assert a.result["voters"] == 6
    assert "赞成：2 票" in a.replies[-2] and "反对：3 票" in a.replies[-2]
    # Nothing a resident was told, nothing stored, logged or kept in a row version
    # depends on who chose what: the two runs are the same but for the sealed ballots.
    assert a.replies == b.replies
    assert _without_ballots(a.open_dump) == _without_ballots(b.open_dump)
    assert a.closed_dump == b.closed_dump
    assert a.log == b.log and a.log
    assert a.raw_open == b.raw_open and a.raw_closed == b.raw_closed
    # SQLite: the database file and its write-ahead log, read raw (deleted rows and old
    # page images included), hold each typed vote's words as often in both runs.
    assert a.file_counts == b.file_counts
    # Sealed ballots: one per voter while open, all the same length, none after close.
    assert len(a.open_dump["poll_ballots"]) == 6 and a.sealed_lengths == b.sealed_lengths
    assert len(a.sealed_lengths) == 1 and not a.closed_dump["poll_ballots"]
    # And the direct search: no row that names a voter carries a choice, in any column.
    for dump_ in (a.open_dump, a.closed_dump):
        _assert_no_voter_next_to_a_choice(dump_, a.people)
    for line in a.log:
        assert not any(c in repr(line) for c in CHOICES), line


# -- reading everything an operator can read ----------------------------------------------


def file_counts(url: str) -> dict[str, int]:
    """How often each way of typing each choice occurs in the SQLite file and its log, as
    an operator copying them finds them after a checkpoint of the kind SQLite runs by
    itself (PASSIVE: the log keeps its old page images). A choice kept anywhere beside
    who typed it makes these differ between the runs."""
    path = sqlite_file(url)
    assert path is not None
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    wal = Path(f"{path}-wal")
    raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    typed = {f.format(c=c) for f in FORMS.values() if f != "paper" for c in CHOICES}
    typed |= {f"{DEMO_PEOPLE['sun']} {c}" for c in CHOICES}  # the paper ballot's words
    return {words: raw.count(words.encode()) for words in sorted(typed)}


async def dump(bot: Yishi, postgres: bool) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (on PostgreSQL with the transactions that wrote and last
    deleted or locked it, as ranks), normalised for comparison."""
    out: dict[str, list[dict[str, Any]]] = {}
    async with bot.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
            extra = "xmin::text AS _xmin, xmax::text AS _xmax, " if postgres else ""
            rows = await conn.execute(text(f'SELECT {extra}* FROM "{table.name}" ORDER BY {order}'))
            out[table.name] = [dict(r) for r in rows.mappings().all()]
    ranks = _xid_ranks(
        v for rows in out.values() for r in rows for k, v in r.items() if k in ("_xmin", "_xmax")
    )
    return {
        name: [{k: _normal(v, ranks, k) for k, v in row.items()} for row in rows]
        for name, rows in out.items()
    }


async def raw_tuples(bot: Yishi, walls: set[str]) -> list[tuple[Any, ...]]:
    """Every row version in every heap page (dead ones too) and every b-tree entry, with
    the transactions as ranks (pageinspect). Tables holding wall-clock times keep only
    their lengths; sealed ballots only theirs."""
    out: list[tuple[Any, ...]] = []
    async with bot.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            blocks = (
                await conn.execute(
                    text("SELECT pg_relation_size(:t) / current_setting('block_size')::int"),
                    {"t": table.name},
                )
            ).scalar_one()
            for block in range(int(blocks)):
                items = await conn.execute(
                    text(
                        "SELECT lp, t_xmin::text, t_xmax::text, t_data "
                        "FROM heap_page_items(get_raw_page(:t, :b)) ORDER BY lp"
                    ),
                    {"t": table.name, "b": block},
                )
                for lp, xmin, xmax, data in items.all():
                    out.append(("heap", table.name, block, lp, xmin, xmax, bytes(data or b"")))
            indexes = await conn.execute(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am a ON a.oid = c.relam "
                    "WHERE i.indrelid = CAST(:t AS regclass) AND a.amname = 'btree' "
                    "ORDER BY c.relname"
                ),
                {"t": table.name},
            )
            for (index,) in indexes.all():
                blocks = (
                    await conn.execute(
                        text("SELECT pg_relation_size(:i) / current_setting('block_size')::int"),
                        {"i": index},
                    )
                ).scalar_one()
                for block in range(1, int(blocks)):
                    items = await conn.execute(
                        text("SELECT itemoffset, ctid::text, data FROM bt_page_items(:i, :b)"),
                        {"i": index, "b": block},
                    )
                    for offset, ctid, data in items.all():
                        out.append(("btree", index, block, offset, ctid, "", data))
    ranks = _xid_ranks(x for row in out if row[0] == "heap" for x in row[4:6])
    normal = []
    for kind, rel, block, item, a, b, data in out:
        if kind == "heap":
            a, b = ranks.get(a, a), ranks.get(b, b)
        hidden = (
            rel in walls or rel == "poll_ballots" or any(rel.startswith(f"ix_{w}") for w in walls)
        )
        normal.append((kind, rel, block, item, a, b, len(data) if hidden else data))
    return normal


def _wall_tables(dump_: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Tables with a time from the wall clock (``utcnow()`` defaults), not the test's."""
    return {name for name, rows in dump_.items() if any("<wall>" in r.values() for r in rows)}


async def _freeze_vacuum(bot: Yishi) -> None:
    """No autovacuum in this database: the row versions stay as the votes left them."""
    async with bot.engine.begin() as conn:
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        for table in SQLModel.metadata.sorted_tables:
            await conn.execute(
                text(
                    f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false, '
                    "toast.autovacuum_enabled = false)"
                )
            )


async def _hold_row_versions(bot: Yishi) -> Any:
    """A snapshot held open in this database for the whole run: no row version the votes
    leave behind can be pruned while it lasts, so the pages show all of them (as an
    operator reading them at the worst moment would), the same in every run."""
    conn = await bot.engine.connect()
    conn = await conn.execution_options(isolation_level="REPEATABLE READ")
    await conn.begin()
    await conn.execute(text("SELECT 1"))
    return conn


def _xid_ranks(xids: Any) -> dict[str, str]:
    found = sorted({int(x) for x in xids if x not in (None, "0")})
    return {str(x): f"tx{i}" for i, x in enumerate(found)}


_WALL = timedelta(days=2)


def _normal(value: Any, ranks: dict[str, str], key: str) -> Any:
    """Transaction ids as ranks; wall-clock times (not the test clock's) as a mark."""
    if key in ("_xmin", "_xmax"):
        return ranks.get(value, value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return "<wall>" if abs(aware - datetime.now(UTC)) < _WALL else value
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return _normal(parsed, ranks, key)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _without_ballots(dump_: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The dump with the sealed choices left out (random by design; their slots stay)."""
    return {
        name: [{k: v for k, v in row.items() if k != "sealed"} for row in rows]
        for name, rows in dump_.items()
    }


def _assert_no_voter_next_to_a_choice(
    dump_: dict[str, list[dict[str, Any]]], people: dict[str, int]
) -> None:
    senders = set(people)
    ids = set(people.values())
    keys = {f"r:{i}" for i in ids} | {f"resident:{i}" for i in ids}
    # What was published to a chat that is nobody's own (the group): the same result
    # everyone who could vote also gets privately, so it links nobody to anything.
    published = {
        _payload(r).get("text") for r in dump_["pushes"] if r["chat_id"] not in senders
    } - {None, ""}
    for table, rows in dump_.items():
        for row in rows:
            names_voter = any(
                (k in ("sender_id", "user_id", "chat_id", "platform_user_id") and v in senders)
                or (k.endswith("resident_id") and v in ids)
                or (isinstance(v, str) and v in keys)
                for k, v in row.items()
            )
            if not names_voter:
                continue
            if table == "pushes" and _payload(row).get("text") in published:
                row = {**row, "payload": "<published>"}
            blob = json.dumps(row, ensure_ascii=False, default=str)
            assert not any(c in blob for c in CHOICES), (table, row)
            assert row.get("choice_mask") is None, (table, row)
            assert "sealed" not in row or table == "poll_ballots", (table, row)


def _payload(row: dict[str, Any]) -> dict[str, Any]:
    value = row["payload"]
    parsed = json.loads(value) if isinstance(value, str) else value
    assert isinstance(parsed, dict)
    return parsed


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def _log_line(record: logging.LogRecord) -> tuple[Any, ...]:
    extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in ("ms",)}
    return (record.name, record.levelname, record.getMessage(), sorted(extras.items()))


async def test_an_unsure_vote_is_never_kept_to_ask_about(sqlite_url: str, clock: Clock) -> None:
    """Unsure what a message means, the router keeps it in a conversation to run once the
    resident picks a meaning; a message that may be a vote is its choice: never kept."""
    from nlu import load_classifier
    from nlu.policy import Action, decide

    classifier = load_classifier()
    words = "我支持"
    unsure = decide(classifier.classify(words, slots=False), addressed=True, in_group=False)
    assert unsure.action is Action.ASK and "vote" in [o.value for o in unsure.options]
    bot = Yishi(make_settings(sqlite_url), classifier=classifier, clock=clock)
    try:
        await seed_demo(bot.uow)
        await bot.router.handle(inbound("li", "开启投票 是否同意养犬公约 匿名", "o1", clock))
        kept = KeptInHistory(PlatformStore(bot.uow), "zhang", "zhang", words, None, clock())
        [hint] = await bot.router.handle(inbound("zhang", words, "v1", clock), within=kept)
        assert "赞成" in hint.text and not hint.buttons
        async with bot.uow() as uow:
            assert await uow.conversations.get("web", "zhang", "zhang", clock()) is None
            stored = await uow.inbound.get("web", "zhang", "v1")
            lines = await uow.get(WebChatRepository).recent("zhang")
        assert stored is not None and words not in str(stored.reply)
        # Nor in the web chat's history: the words may be the choice.
        assert [line.text for line in lines if line.sender_id] == ["（投票内容不保存）"]
    finally:
        await bot.stop()
