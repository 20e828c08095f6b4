"""The router with the trained Chinese model: ask when unsure, quiet in groups, context first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from nlu import load_classifier
from tests.bot.test_router import say
from tests.conftest import Clock, make_settings


@pytest.fixture(scope="module")
def classifier():  # type: ignore[no-untyped-def]
    return load_classifier()


@pytest.fixture
async def bot(sqlite_url: str, clock: Clock, classifier) -> AsyncIterator[Yishi]:  # type: ignore[no-untyped-def]
    yishi = Yishi(make_settings(sqlite_url), classifier=classifier, clock=clock)
    await seed_demo(yishi.uow)
    yield yishi
    await yishi.stop()


async def test_plain_requests_are_understood(bot: Yishi) -> None:
    [help_reply] = await say(bot, "你好，这个怎么用啊")
    assert "反映问题" in help_reply.text
    [report] = await say(bot, "3号楼2单元的楼道灯坏了好几天了", sender="liu")
    # The report's draft to confirm, not the "did you mean" question (我想确认一下…).
    assert report.text.startswith("请确认：") and "位置：3号楼2单元" in report.text
    assert "确认提交" in [b.label for b in report.buttons]


async def test_unsure_asks_with_buttons_and_the_choice_runs_the_original(bot: Yishi) -> None:
    [question] = await say(bot, "楼下吵")
    assert question.text.startswith("我想确认一下")
    labels = [b.label for b in question.buttons]
    assert labels[0] == "反映问题" and labels[-1] == "都不是"
    [answer] = await say(bot, "反映问题")
    assert "我想确认一下" not in answer.text
    async with bot.uow() as uow:
        state = await uow.conversations.get("web", "zhang", "zhang", bot.clock())
    assert state is not None and state.flow == "report"
    assert "楼下吵" in str(state.data), "the original message became the draft"


async def test_neither_asks_to_rephrase(bot: Yishi) -> None:
    await say(bot, "楼下吵")
    [reply] = await say(bot, "都不是")
    assert "换个说法" in reply.text


async def test_group_stays_quiet_unless_addressed(bot: Yishi) -> None:
    assert await say(bot, "楼下吵", chat="group:main", group=True) == []
    assert await say(bot, "今天天气不错", chat="group:main", group=True) == []
    [asked] = await say(bot, "@议事通 楼下吵", chat="group:main", group=True, addressed=True)
    assert asked.buttons


async def test_another_request_inside_a_confirmation_is_answered(bot: Yishi) -> None:
    [confirm] = await say(bot, "我想提个议题：小区停车位太少，建议把东侧空地改成停车位")
    assert "确认" in confirm.text
    [status] = await say(bot, "我之前反映的路灯怎么样了")
    assert "议题" not in status.text and ("反映" in status.text or "编号" in status.text)
    [filed] = await say(bot, "确认提交")
    assert "T1" in filed.text, "the topic draft waited while the other question was answered"


async def test_every_menu_button_is_answered_without_a_question(bot: Yishi) -> None:
    """A tap on the bot's own menu reaches its handler directly, whatever the model says."""
    [menu] = await say(bot, "帮助")
    assert len(menu.buttons) == 3
    for button in menu.buttons:
        [answer] = await say(bot, button.data)
        assert not answer.text.startswith("我想确认一下"), (button, answer.text)
        await say(bot, "取消")
    registry = bot.router.registry
    assert all(registry.command_for(b.data) is not None for b in menu.buttons)
