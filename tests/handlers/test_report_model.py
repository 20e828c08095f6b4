"""Realistic reports filed end to end through the router with the trained Chinese model
(not the keyword classifier): each reaches the report flow and is filed with the right
category, place and urgency."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from kernel.intents import IntentClassifier
from kernel.messages import Reply
from nlu import load_classifier
from storage.tickets import Ticket, TicketRepository
from tests.conftest import Clock, make_settings
from tests.kit import TICKET_NUMBER as NUMBER
from tests.kit import pushes, say


@pytest.fixture(scope="module")
def model() -> IntentClassifier:
    """Loaded once for the module: the model file is what build_yishi uses by default."""
    return load_classifier()


@pytest.fixture
async def bot(sqlite_url: str, clock: Clock, model: IntentClassifier) -> AsyncIterator[Yishi]:
    from bot.demo import seed_demo

    yishi = Yishi(make_settings(sqlite_url), classifier=model, clock=clock)
    await seed_demo(yishi.uow)
    yield yishi
    await yishi.stop()


async def file(bot: Yishi, sender: str, *texts: str) -> Ticket:
    """Say the texts, then confirm the draft (an emergency is filed at once, unasked);
    the ticket as stored."""
    replies: list[Reply] = []
    for text in texts:
        replies = await say(bot, text, sender)
    if "已按紧急诉求受理" not in replies[-1].text:
        assert "请确认" in replies[-1].text, replies[-1].text
        replies = await say(bot, "确认提交", sender)
    filed = replies[-1]
    found = NUMBER.search(filed.text)
    assert found, filed.text
    async with bot.uow() as uow:
        ticket = await uow.get(TicketRepository).by_number(found.group(0))
    assert ticket is not None
    return ticket


@pytest.mark.parametrize(
    ("sender", "texts", "category", "place", "urgent"),
    [
        ("zhang", ["电梯困人了！5号楼"], "公共设施", ("5号楼", None, None), True),
        (
            "liu",
            ["投诉邻居半夜装修太吵", "每天晚上十一点以后"],
            "噪音扰民",
            ("5号楼", "1单元", "102"),  # 刘大爷's registered home stands in
            False,
        ),
        ("chen", ["东门垃圾好几天没人收了"], "环境卫生", (None, None, None, "东门"), False),
        (
            "zhang",
            ["3号楼2单元楼道灯坏了好几天了"],
            "公共设施",
            ("3号楼", "2单元", None),
            False,
        ),
    ],
)
async def test_real_model_files_the_report(
    bot: Yishi,
    sender: str,
    texts: list[str],
    category: str,
    place: tuple[str | None, ...],
    urgent: bool,
) -> None:
    ticket = await file(bot, sender, *texts)
    assert ticket.category == category
    stored = (ticket.building, ticket.unit, ticket.room, ticket.spot)
    assert stored[: len(place)] == place
    assert ticket.urgent is urgent
    if urgent:
        assert "紧急" in (await pushes(bot, "li"))[-1].text, "moderators hear at once"
    assert ticket.grid_id is not None, "every demo place maps to a grid"
    async with bot.uow() as uow:
        first = await uow.residents.grid_by_code("G01")
    worker = "wang" if first is not None and ticket.grid_id == first.id else "zhao"
    assert ticket.number in (await pushes(bot, worker))[-1].text, "the grid worker is told"
