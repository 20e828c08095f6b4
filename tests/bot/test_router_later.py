"""Work a handler leaves for after its commit (Context.later)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.app import Yishi
from bot.intents import KeywordClassifier
from bot.messages import Reply
from bot.texts import t
from handlers import default_handlers
from handlers.base import Context, Handler, Units
from tests.bot.test_router import msg
from tests.conftest import Clock, make_settings


class LaterHandler(Handler):
    """Records an audit entry, leaves work for after commit, and may then fail."""

    commands = ("稍后", "稍后失败")

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


async def _bot(sqlite_url: str, clock: Clock, handler: LaterHandler) -> Yishi:
    from bot.demo import seed_demo

    settings = make_settings(sqlite_url)
    bot = Yishi(
        settings,
        classifier=KeywordClassifier(),
        clock=clock,
        handlers=[*default_handlers(), handler],
    )
    await seed_demo(bot.uow)
    return bot


async def test_later_work_runs_after_the_commit_and_its_push_is_sent(
    sqlite_url: str, clock: Clock
) -> None:
    handler = LaterHandler()
    bot = await _bot(sqlite_url, clock, handler)
    try:
        [reply] = await bot.router.handle(msg("稍后", mid="m-later"))
        await bot.router.settle_later()
        async with bot.uow() as uow:
            pushed = await uow.pushes.for_chat("web", "zhang")
        assert reply.text == "马上"
        assert handler.seen == [["tested"]], "the work saw the message's committed audit entry"
        assert [p.payload["text"] for p in pushed] == ["好了"]
    finally:
        await bot.stop()


async def test_later_work_of_a_failed_message_never_runs(sqlite_url: str, clock: Clock) -> None:
    handler = LaterHandler()
    bot = await _bot(sqlite_url, clock, handler)
    try:
        [reply] = await bot.router.handle(msg("稍后失败", mid="m-fail"))
        await bot.router.settle_later()
        async with bot.uow() as uow:
            kept = await uow.audit.for_entity("thing", "m-fail")
            pushed = await uow.pushes.for_chat("web", "zhang")
        assert reply.text == t("router.error")
        assert handler.seen == [], "the work was never started"
        assert list(kept) == [] and list(pushed) == []
    finally:
        await bot.stop()
