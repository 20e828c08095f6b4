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


def test_a_button_word_typed_with_one_slip_is_that_word_and_nothing_else_is() -> None:
    flow = Flow(
        "d",
        (
            Step(
                "offer",
                answers=("关注它", "继续提交", "确认提交", "不需要", "好"),
                buttons=("关注它", "继续提交", "确认提交"),
            ),
            Step("twins", buttons=("确认提交", "确认提价")),
        ),
    )
    assert flow.answer("offer", "好") == "好"  # a word the step takes, as it is
    assert flow.answer("offer", "确人提交") == "确认提交"
    assert flow.answer("offer", "确认体交") == "确认提交"
    assert flow.answer("offer", "关注他") == "关注它"
    assert flow.answer("offer", "继续提价") == "继续提交"
    assert flow.answer("offer", "确定提价") is None, "two characters off"
    assert flow.answer("offer", "确认提交吧") is None, "another length"
    assert flow.answer("offer", "还需要") is None, "an answer that is no button: 不需要 ≠ 还需要"
    assert flow.answer("offer", "坏") is None
    assert flow.answer("twins", "确认提么") is None, "as near to two words: neither"
    assert flow.answer("nowhere", "确人提交") is None


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
