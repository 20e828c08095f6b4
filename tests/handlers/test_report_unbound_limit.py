"""Someone with no resident identity (a web chat visitor nobody bound) could file reports
without end: the outside walk filed ticket after ticket from fresh sessions. Now an
unbound account files ``[tickets] unbound_reports_per_day`` (3) a day and an address
``unbound_reports_per_address_per_day`` (10); past that they are told to 绑定 or call the
duty phone, and the draft waits. An emergency is always filed, with the duty phone."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text as sql

from kernel.messages import ChatType, Inbound
from tests.conftest import Clock, town_with
from tests.kit import Answer, Town

PROBLEMS = ("东门的路灯坏了", "西门的垃圾桶满了没人清", "南门的水管坏了", "北门的路灯坏了")


@pytest.fixture
async def phone_town(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    async for found in town_with(sqlite_url, clock, community={"duty_phone": "0562-1234567"}):
        yield found


async def _report(town: Town, who: str, text: str, source: str | None = None) -> Answer:
    """``who`` reports ``text`` from their own chat (from ``source``, a web address) and
    taps 确认提交 (answering the notification question first when asked)."""

    async def says(said: str) -> Answer:
        message = Inbound(
            platform="web",
            chat_id=who,
            chat_type=ChatType.PRIVATE,
            sender_id=who,
            message_id=uuid.uuid4().hex,
            text=said,
            sent_at=town.clock(),
            source=source,
        )
        return Answer(await town.bot.router.handle(message))

    card = await says(text)
    if "通知您" in card.text:
        card = await says("要")
    if "在哪里" in card.text:
        card = await says("东门")
    assert "请确认" in card, (text, card.text)
    return await says(card.button("确认提交"))


async def test_an_unbound_account_files_three_a_day_then_is_told_to_bind(
    phone_town: Town,
) -> None:
    town = phone_town
    for text in PROBLEMS[:3]:
        assert "已受理" in await _report(town, "visitor", text)
    refused = await _report(town, "visitor", PROBLEMS[3])
    assert "已受理" not in refused and "绑定" in refused, refused.text
    assert "0562-1234567" in refused and "草稿" in refused, refused.text
    assert len(await town.tickets_of("visitor")) == 3
    # The draft waited: bound with a moderator's code, its 确认提交 files it.
    issued = await town.li.says("生成绑定码 小陈")
    code = re.search(r"绑定 (\d{8})", issued.text)
    assert code, issued.text
    bound = await town.person("visitor").says(f"绑定 {code.group(1)}")
    assert "小陈" in bound, bound.text
    filed = await town.person("visitor").says("确认提交")
    assert "已受理" in filed, filed.text
    assert len(await town.tickets_of("visitor")) == 4


async def test_an_emergency_past_the_cap_is_filed_with_the_duty_phone(phone_town: Town) -> None:
    town = phone_town
    for text in PROBLEMS[:3]:
        await _report(town, "visitor", text)
    urgent = await town.person("visitor").says("6号楼楼道里冒烟了")
    assert "已按紧急诉求受理" in urgent and "0562-1234567" in urgent, urgent.text
    assert len(await town.tickets_of("visitor")) == 4


async def test_one_address_files_ten_a_day_across_fresh_sessions(town: Town) -> None:
    said = [f"{b}号楼门口的路灯坏了" for b in range(1, 9)]
    said += [f"{b}号楼门口的垃圾桶满了没人清" for b in range(1, 5)]
    for n in range(10):
        filed = await _report(town, f"visitor{n}", said[n], source="203.0.113.7")
        assert "已受理" in filed, filed.text
    refused = await _report(town, "visitor10", said[10], source="203.0.113.7")
    assert "绑定" in refused and "已受理" not in refused, refused.text
    elsewhere = await _report(town, "visitor11", said[11], source="198.51.100.2")
    assert "已受理" in elsewhere, "another address is not held back"


async def test_a_bound_resident_is_never_capped(town: Town) -> None:
    for text in PROBLEMS:
        assert "已受理" in await _report(town, "zhang", text)


async def test_the_nightly_purge_forgets_the_counts_once_refilled(town: Town) -> None:
    for said in PROBLEMS[:3]:
        await _report(town, "visitor", said, source="203.0.113.7")
    assert await _buckets(town) == ["report:account:web:visitor", "report:source:203.0.113.7"]
    await town.later(hours=18)  # the first night: the address's refilled, the account's not
    assert await _buckets(town) == ["report:account:web:visitor"]
    await town.later(hours=24)
    assert await _buckets(town) == []


async def _buckets(town: Town) -> list[str]:
    async with town.bot.uow() as uow:
        found = await uow.session.execute(
            sql("SELECT key FROM rate_buckets WHERE key LIKE 'report:%' ORDER BY key")
        )
        return list(found.scalars())
