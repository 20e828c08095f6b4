"""The router with the trained Chinese model: ask when unsure, quiet in groups, context first."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from nlu import load_classifier
from storage.tickets import TicketRepository
from tests.conftest import Clock, make_settings
from tests.kit import TICKET_NUMBER, pushes, say


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


ISSUE_COMPLAINTS = (
    "有人在小区里乱发小广告，贴得到处都是",
    "有人把车停在盲道上，还是长期停的",
    "今天早上放出来的自来水是黄的，跟铁锈水一样",
    "暖气不热，家里才16度",
    "小区河边的护栏断了一根，小孩在那边玩太吓人",
    "车棚的顶被风刮掉了",
    "有人在公共车位上装地锁，占为己有",
)


@pytest.mark.parametrize("text", ISSUE_COMPLAINTS)
async def test_everyday_complaints_start_a_report(bot: Yishi, text: str) -> None:
    """The complaints issue 17 quotes (they fell to `other`): each opens a report draft."""
    replies = await say(bot, text, sender="liu")
    assert replies and "没太明白" not in replies[0].text
    async with bot.uow() as uow:
        state = await uow.conversations.get("web", "liu", "liu", bot.clock())
    assert state is not None and state.flow == "report", text


async def test_a_complaint_in_a_group_is_not_ignored(bot: Yishi) -> None:
    replies = await say(bot, "有人把车停在盲道上，还是长期停的", chat="group:main", group=True)
    assert replies, "the bot no longer stays silent on a complaint in a group"


async def test_thanks_after_a_repair_is_feedback_not_a_report(bot: Yishi) -> None:
    for text in ("灯修好了 谢谢", "下水道通了，好用了", "漏水问题解决了 太感谢了"):
        [reply] = await say(bot, text, sender="liu")
        assert "请确认" not in reply.text and "没太明白" not in reply.text, text
        assert "评价" in reply.text, text


async def test_group_stays_quiet_on_small_talk(bot: Yishi) -> None:
    assert await say(bot, "今天天气不错", chat="group:main", group=True) == []
    assert await say(bot, "大家早上好", chat="group:main", group=True) == []


async def test_another_request_inside_a_confirmation_is_answered(bot: Yishi) -> None:
    [confirm] = await say(bot, "我想提个议题：小区停车位太少，建议把东侧空地改成停车位")
    assert "确认" in confirm.text
    status, kept = await say(bot, "我之前反映的路灯怎么样了")
    assert "议题" not in status.text and ("反映" in status.text or "编号" in status.text)
    assert "议题草稿还在" in kept.text  # a word about the draft that waits
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


async def test_a_rating_button_rates_whatever_dialogue_came_between(bot: Yishi) -> None:
    """Found in the browser: after another dialogue, the 基本满意 button got "我想确认一下，
    您是想：评价 / 查询诉求进度 / 都不是"."""
    await say(bot, "3号楼楼道灯坏了")
    [filed] = await say(bot, "确认提交")
    number = TICKET_NUMBER.search(filed.text).group(0)  # type: ignore[union-attr]
    await say(bot, f"接单 {number}", "wang")
    await say(bot, f"办结 {number} 灯已换好", "wang")
    rate = (await pushes(bot, "zhang"))[-1]
    basic = next(b for b in rate.buttons if b.label == "基本满意")
    await say(bot, "我想提个议题：小区停车位太少，建议把东侧空地改成停车位")
    [rated, *_] = await say(bot, basic.data)
    assert "都不是" not in [b.label for b in rated.buttons], rated.text
    async with bot.uow() as uow:
        found = await uow.get(TicketRepository).by_number(number)
    assert found is not None and found.status == "closed"


@pytest.mark.parametrize("words", ["确认提交", "提交", "继续"])
async def test_a_confirmation_with_no_draft_is_told_so_not_asked(bot: Yishi, words: str) -> None:
    """An old 确认提交 tapped after the draft was filed or dropped: no "您是想：" question
    with 看看能做什么 as its only choice (the walk looped on it)."""
    [reply] = await say(bot, words, sender="zhang")
    assert reply.text.startswith("现在没有待确认的草稿了"), reply.text
    [again] = await say(bot, "都不是", sender="zhang")
    assert again.text.startswith("好的，麻烦您换个说法再说一次"), again.text
