"""Flows declared as states and transitions: the router holds handlers to them."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.app import Yishi
from kernel.commands import Command
from kernel.context import Context
from kernel.flows import Flow, FlowError, Step
from kernel.handler import Handler
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from kernel.texts import t
from tests.conftest import Clock, make_settings
from tests.kit import Town

FLOW = Flow(
    "order",
    (
        Step("ask", then=("confirm",)),
        Step("confirm", expects="confirm"),
        Step("done", settled=True),
    ),
    starts=("ask", "done"),
)


def test_declared_moves_pass_and_others_fail() -> None:
    FLOW.check(None, "ask")
    FLOW.check("ask", "confirm")
    FLOW.check("confirm", None)  # ending is always allowed
    FLOW.check("confirm", "confirm")
    with pytest.raises(FlowError):
        FLOW.check("ask", "done")
    with pytest.raises(FlowError):
        FLOW.check(None, "confirm")
    with pytest.raises(FlowError):
        FLOW.check("ask", "nowhere")
    assert FLOW.expects("confirm") == "confirm" and FLOW.settled("done")


def test_a_wildcard_step_stands_for_each_of_its_kind() -> None:
    flow = Flow(
        "q", (Step("start", then=("question:*",)), Step("question:*", then=("question:*",)))
    )
    flow.check("start", "question:哪一层")
    flow.check("question:哪一层", "question:几点")


class _Sloppy(Handler):
    """Starts its flow, then jumps somewhere the flow does not declare."""

    grammar = (Command("下单", "handle"),)
    flow = FLOW

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        ctx.conversation.start("order", "ask")
        ctx.conversation.advance("done")
        return [Reply("好的")]


async def test_an_undeclared_move_fails_the_message_and_keeps_nothing(
    sqlite_url: str, clock: Clock
) -> None:
    from bot.demo import seed_demo

    bot = Yishi(
        make_settings(sqlite_url), classifier=KeywordClassifier(), handlers=[_Sloppy()], clock=clock
    )
    await seed_demo(bot.uow)
    town = Town(bot, clock)
    try:
        answer = await town.zhang.says("下单")
        assert answer.text == t("router.error")
        async with bot.uow() as uow:
            assert await uow.conversations.get("web", "zhang", "zhang", clock()) is None
    finally:
        await bot.stop()
