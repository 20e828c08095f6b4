"""A vote typed in WeChat and kept for a late answer leaves no words in the database files.

WeChat waits five seconds for an answer; past ``reply_deadline_seconds`` the message is
kept in ``platform_callbacks`` before ``success`` is answered, and deleted by the
transaction that handles it. A deleted row is not gone from the files: SQLite's
write-ahead log keeps the page it was written to, PostgreSQL the dead row version (and
its WAL the insert). So the copy is sealed under the ballot secret; this reads the raw
bytes an operator copying the database would have.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from bot.adapters.port import CopySeal, PlatformStore
from bot.adapters.wechat import WechatAdapter
from bot.app import Yishi
from consultation.ballot_box import BallotKeys
from storage.engine import sqlite_file
from storage.platforms import CallbackRecord
from tests.bot.adapters.callbacks_support import call, code_for
from tests.bot.adapters.conftest import Bot
from tests.bot.adapters.fakes.wechat_server import FakeWechat

VOTE = "投票 P1 反对"
#: The typed vote as a kept copy holds it (JSON, UTF-8 or escaped, any spacing).
KEPT_WORDS = re.compile(
    rb'"text"\s*:\s*"(?:%s|%s)"'
    % (re.escape(VOTE.encode()), re.escape(VOTE.encode("unicode_escape")))
)


def _file_bytes(url: str) -> bytes:
    """The database file and its write-ahead log as an operator would copy them, after a
    checkpoint of the kind SQLite runs by itself (PASSIVE: the log is not emptied)."""
    path = sqlite_file(url)
    assert path is not None
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def _page_bytes(bot: Yishi, table: str) -> bytes:
    """Every page of ``table`` on PostgreSQL, dead row versions and free space included."""
    async with bot.engine.begin() as conn:
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        blocks = (
            await conn.execute(
                text("SELECT pg_relation_size(:t) / current_setting('block_size')::int"),
                {"t": table},
            )
        ).scalar_one()
        pages = [
            (
                await conn.execute(text("SELECT get_raw_page(:t, :b)"), {"t": table, "b": b})
            ).scalar_one()
            for b in range(int(blocks))
        ]
    return b"".join(bytes(p) for p in pages)


async def test_a_late_vote_leaves_no_words_beside_its_sender(
    db_url: str, make_bot: Callable[..., Awaitable[Bot]], fake: FakeWechat
) -> None:
    """张阿姨 votes by typing ``投票 P1 反对`` to the account while the bot is slow: the
    message is kept, handled, counted, and neither the database file nor its log (SQLite)
    nor the table's pages (PostgreSQL) hold her words. Without the seal both held them
    (SQLite: in the log, past a checkpoint; PostgreSQL: the dead row version); without
    the drop after a passive answer, the copy written after it stayed (SQLite)."""
    bot, client = await make_bot(db_url, reply_deadline_seconds=0.001)  # every one kept
    postgres = bot.engine.dialect.name == "postgresql"
    if postgres:  # the row versions stay as the vote left them
        async with bot.engine.begin() as conn:
            await conn.execute(
                text("ALTER TABLE platform_callbacks SET (autovacuum_enabled = false)")
            )
    [wechat] = [a for a in bot.adapters if isinstance(a, WechatAdapter)]
    for openid, name, mid in (("oZhang", "张阿姨", 1), ("oLi", "李书记", 2)):
        await call(client, fake, fake.text(openid, f"绑定 {await code_for(bot, name)}", mid))
        await wechat.runner.drain()
    await call(client, fake, fake.text("oLi", "开启投票 是否同意养犬公约 匿名", 3))
    await wechat.runner.drain()

    async def busy() -> None:
        """Another message's work holds the database a moment (SQLite: the vote waits)."""
        async with bot.uow() as uow:
            await uow.session.execute(text("UPDATE residents SET name = name"))
            await asyncio.sleep(0.3)

    holder = asyncio.ensure_future(busy())
    await asyncio.sleep(0.01)
    status, _body, _q = await call(client, fake, fake.text("oZhang", VOTE, 4))
    assert status == 200
    await holder
    await wechat.runner.drain()
    await asyncio.sleep(0.05)

    async with bot.uow() as uow:
        assert (await uow.session.exec(select(CallbackRecord))).all() == []
        voters = await uow.session.execute(text("SELECT count(*) FROM poll_voters"))
        assert voters.scalar_one() == 1  # counted once
    raw = await _page_bytes(bot, "platform_callbacks") if postgres else _file_bytes(db_url)
    assert not KEPT_WORDS.search(raw)
    if postgres:
        assert b'"sealed"' in raw  # what is left of the kept copies: sealed
    assert b"oZhang" in raw  # the sender is there; her words are not


async def test_a_kept_copy_opens_only_under_its_secret_and_place(yishi: Yishi) -> None:
    """The copy is bound to its secret and to its sender and message: read with another
    ballot secret, or moved to another sender's row, it does not open (the sweep then
    logs it unreadable); a copy kept before sealing is read as it was."""
    ours = CopySeal(BallotKeys(b"a" * 32).key_for("platform_callbacks"))
    other = CopySeal(BallotKeys(b"b" * 32).key_for("platform_callbacks"))
    message = {"text": VOTE, "sender_id": "oZhang"}
    sealed = ours.seal("wechat", "oZhang", "4", message)
    assert VOTE not in str(sealed)
    assert ours.open("wechat", "oZhang", "4", sealed) == message
    assert other.open("wechat", "oZhang", "4", sealed) == {}
    assert ours.open("wechat", "oWang", "4", sealed) == {}
    assert ours.open("wechat", "oZhang", "4", message) == message  # from before sealing
    store = PlatformStore(yishi.uow, seal=ours)
    await store.hold_late("wechat", "oZhang", "4", message, yishi.clock())
    [late] = await store.late_callbacks("wechat", yishi.clock() + timedelta(seconds=1))
    assert late.message == message
