"""Work a handler leaves for after its commit (Context.later)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.app import Yishi
from handlers import default_handlers
from kernel.commands import Command
from kernel.context import Context, Units
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from kernel.texts import t
from tests.conftest import Clock, make_settings
from tests.kit import message as msg


class LaterHandler(Handler):
    """Records an audit entry, leaves work for after commit, and may then fail."""

    grammar = (Command("稍后", "handle", aliases=("稍后失败",)),)

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        await ctx.audit("tested", "thing", ctx.message.message_id)

        async def work(units: Units) -> None:
            async with units() as uow:  # sees what the message committed
                entries = await uow.audit.for_entity("thing", ctx.message.message_id)
                self.seen.append([e.action for e in entries])
                await uow.pushes.enqueue("web", "zhang", Reply("好了").as_json(), None, now=ctx.now)

        ctx.later(work)
        if ctx.text == "稍后失败":
            raise RuntimeError("the handler failed after leaving work")
        return [Reply("马上")]


@pytest.fixture
def handler() -> LaterHandler:
    return LaterHandler()


@pytest.fixture
async def bot(sqlite_url: str, clock: Clock, handler: LaterHandler) -> AsyncIterator[Yishi]:
    from bot.demo import seed_demo

    made = Yishi(
        make_settings(sqlite_url),
        classifier=KeywordClassifier(),
        clock=clock,
        handlers=[*default_handlers(), handler],
    )
    await seed_demo(made.uow)
    yield made
    await made.stop()


async def _send(bot: Yishi, text: str, message_id: str) -> tuple[Reply, list[str]]:
    """The reply, and the texts pushed to the sender once the later work is done."""
    [reply] = await bot.router.handle(msg(text, mid=message_id))
    await bot.router.settle_later()
    async with bot.uow() as uow:
        pushed = await uow.pushes.for_chat("web", "zhang")
    return reply, [str(p.payload["text"]) for p in pushed]


async def test_later_work_runs_after_the_commit_and_its_push_is_sent(
    bot: Yishi, handler: LaterHandler
) -> None:
    reply, pushed = await _send(bot, "稍后", "m-later")
    assert reply.text == "马上"
    assert handler.seen == [["tested"]], "the work saw the message's committed audit entry"
    assert pushed == ["好了"]


async def test_later_work_of_a_failed_message_never_runs(bot: Yishi, handler: LaterHandler) -> None:
    reply, pushed = await _send(bot, "稍后失败", "m-fail")
    async with bot.uow() as uow:
        kept = await uow.audit.for_entity("thing", "m-fail")
    assert reply.text == t("router.error")
    assert handler.seen == [], "the work was never started"
    assert list(kept) == [] and pushed == []
