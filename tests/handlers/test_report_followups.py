"""What residents say after a report — while the draft is open, or just after filing —
is kept: an emergency of another kind is its own urgent ticket, more about the same one
goes to that ticket and its holder, a detail is added to the draft (never put in place of
what was said), and a bare 嗯 or 👍 is never taken for a description or a confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tests.conftest import Clock, town_with
from tests.kit import Town


@pytest.fixture
async def long_memory_town(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    """A report said again is offered as a duplicate for 10 days (past every limit)."""
    rules = {"working_hours": [], "duplicate_window_hours": 240}
    async for found in town_with(sqlite_url, clock, tickets=rules):
        yield found


# ---- 1. a second emergency ------------------------------------------------------------------


async def test_a_different_emergency_after_the_first_is_its_own_urgent_ticket(
    town: Town,
) -> None:
    """The walk: smoke said after people trapped in the lift got "R…0001 已按紧急处理" —
    a ticket about the lift only; nobody was told about the fire."""
    lift = await town.chen.says("6号楼电梯里有人被困住了")
    first = lift.ticket
    await town.zhao.receives()
    await town.li.receives()

    smoke = await town.chen.says("楼道里也冒烟了，好像着火了")
    second = smoke.ticket
    assert second != first and "119" in smoke and "湿毛巾" in smoke, smoke.text
    assert f"已按紧急诉求受理，编号 {second}" in smoke
    assert f"您刚才报的 {first}（6号楼电梯里有人被困住了）也在照常处理" in smoke, smoke.text
    assert f"地点先按刚才 {first} 的位置 6号楼 记下了" in smoke
    (fire,) = [tk for tk in await town.tickets_of("chen") if tk.number == second]
    assert fire.urgent and fire.building == "6号楼" and "冒烟" in fire.description
    [card] = await town.zhao.receives()
    assert card.text.startswith(f"【新诉求】{second}（紧急）") and "冒烟" in card.text
    assert any(second in p.text for p in await town.li.receives()), "the community too"


async def test_more_about_the_same_emergency_goes_to_its_ticket_and_its_holder(
    town: Town,
) -> None:
    """The walk: "快来人啊 我孙子在里面" just after the lift got "抱歉，我没太明白"."""
    town.bot.router.community.duty_phone = "0551-6288 0000"
    lift = await town.liu.says("6号楼电梯里有人被困住了")
    number = lift.ticket
    await town.zhao.receives()
    await town.li.receives()
    await town.zhao.says(f"接单 {number}")

    more = await town.liu.says("快来人啊 我孙子在里面")
    assert "没太明白" not in more.text
    assert "96333" in more and "120" in more and "社区值班电话：0551-6288 0000" in more
    assert f"您说的已补充到 {number}，网格员赵网格员和社区都已收到，正在赶过去" in more, more.text
    [update] = await town.zhao.receives()
    assert update.text.startswith(f"【居民补充】{number}（紧急）"), update.text
    assert "居民刚补充：快来人啊 我孙子在里面" in update.text
    assert any(number in p.text and "我孙子" in p.text for p in await town.li.receives())
    [ticket] = await town.tickets_of("liu")
    assert ticket.description == "6号楼电梯里有人被困住了"
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, after FROM audit_log WHERE action = 'ticket_noted'")
        )
        [(actor, after)] = rows.all()
    assert actor.startswith("resident:") and "我孙子在里面" in str(after)
    detail = await town.liu.says(number)
    assert "居民补充情况" in detail or "我孙子" in detail, detail.text


# ---- 2 and 3. what is said next is added to the draft -----------------------------------------


async def test_a_place_said_after_the_card_goes_to_the_place_not_the_problem(town: Town) -> None:
    """The walk: 下水道堵了 → 环境卫生 → 就在我们楼后面 was filed as 问题：就在我们楼后面."""
    await town.zhang.says("下水道堵了")
    await town.zhang.says("环境卫生")
    card = await town.zhang.says("就在我们楼后面")
    assert "问题：下水道堵了\n" in card and "位置：3号楼后面" in card, card.text
    await town.zhang.taps("确认提交", card)
    [ticket] = await town.tickets_of("zhang")
    assert ticket.description == "下水道堵了" and ticket.spot == "后面"


async def test_a_bare_yes_or_an_old_button_is_never_the_problem(town: Town) -> None:
    """The walk had 问题：要, and 问题：继续提交 from an old duplicate prompt's button."""
    await town.zhang.says("我想反映个问题")
    asked = await town.zhang.says("要")
    assert "是什么问题" in asked and "问题：要" not in asked, asked.text
    card = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    assert "问题：3号楼2单元的楼道灯坏了好几天了\n" in card
    again = await town.zhang.says("继续提交")  # an older 不是同一件事，继续提交 tapped
    assert "问题：3号楼2单元的楼道灯坏了好几天了\n" in again, again.text


async def test_the_answer_to_a_categorys_question_is_its_own_line(town: Town) -> None:
    """The walk read 问题：楼上邻居家漏水…不理\\n对方是几号楼几室？（我们会为您保密）就楼上 202."""
    await town.chen.says("楼上邻居家漏水，找他好几次都不理")
    asked = await town.chen.says("邻里纠纷")
    assert "对方是几号楼几室" in asked, asked.text
    card = await town.chen.says("就楼上 202")
    assert "问题：楼上邻居家漏水，找他好几次都不理\n对方是几号楼几室：就楼上 202" in card, card.text
    await town.chen.taps("确认提交", card)
    [ticket] = await town.tickets_of("chen")
    assert ticket.description == "楼上邻居家漏水，找他好几次都不理"
    assert list(ticket.details.values()) == ["就楼上 202"]


async def test_a_fuller_statement_or_a_detail_is_added_never_dropped(town: Town) -> None:
    """The walk: 电梯 → 电梯坏了 left 问题：电梯; 臭得很 after the place was dropped unsaid."""
    await town.liu.says("我想反映个问题")
    await town.liu.says("电梯")
    card = await town.liu.says("电梯坏了")
    assert "问题：电梯坏了\n" in card, card.text
    await town.liu.says("取消")
    await town.zhang.says("下水道堵了")
    await town.zhang.says("环境卫生")
    await town.zhang.says("就在2单元门口")
    card = await town.zhang.says("臭得很")
    assert "问题：下水道堵了；臭得很\n" in card and "2单元" in card, card.text


async def test_a_corrected_place_then_never_mind_ends_the_draft(town: Town) -> None:
    """The walk: 哦不对，是8号楼 became the problem; 门已经修好了，不用来了 asked the category."""
    await town.chen.says("下水道堵了")
    await town.chen.says("环境卫生")
    card = await town.chen.says("哦不对，是8号楼")
    assert "位置：8号楼" in card and "问题：下水道堵了\n" in card, card.text
    done = await town.chen.says("门已经修好了，不用来了")
    assert done.text == "好的，那这条就不提交了。以后有事随时找我。"
    assert await town.tickets_of("chen") == []
    assert "确认提交" not in (await town.chen.says("确认提交")).labels


# ---- 5. a bare 👍 at the card -------------------------------------------------------------------


async def test_a_thumbs_up_at_the_card_is_asked_about_not_taken_for_thanks(town: Town) -> None:
    """The walk: 👍 and 嗯 at the card got "收到您的心意啦"/"好的。有事随时找我。" and the
    resident believed it was filed."""
    await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    asked = await town.zhang.says("👍")
    assert asked.text == "这条还没有提交。要提交这条吗？", asked.text
    assert asked.labels == ["确认提交", "取消"]
    assert await town.tickets_of("zhang") == []
    filed = await town.zhang.says("嗯")  # the answer to "要提交这条吗？"
    assert "已受理" in filed and filed.ticket, filed.text
    [ticket] = await town.tickets_of("zhang")
    assert ticket.description == "3号楼2单元的楼道灯坏了好几天了"


# ---- 4. after "有新情况直接发给我" and after 关注它 ----------------------------------------------


async def test_more_after_the_own_duplicate_prompt_is_added_to_that_ticket(town: Town) -> None:
    """The walk: the prompt says "有新情况直接发给我", and the next message became a new
    draft in place of the old one."""
    filed = await town.zhang.taps("确认提交", await town.zhang.says("3号楼电梯坏了"))
    number = filed.ticket
    await town.wang.receives()
    offer = await town.zhang.says("3号楼电梯坏了，按了没反应")
    assert "有新情况直接发给我" in offer and number in offer, offer.text
    more = await town.zhang.says("晚上黑乎乎的我老伴差点摔了，赶紧来人修")
    assert more.text == f"好的，您说的已补充到 {number}，已告诉第一网格的网格员。", more.text
    [update] = await town.wang.receives()
    assert update.text.startswith(f"【居民补充】{number}") and "老伴差点摔了" in update.text
    assert len(await town.tickets_of("zhang")) == 1
    again = await town.zhang.says("今天还是不动")
    assert number in again and "补充" in again, again.text


async def test_more_after_following_a_neighbours_ticket_is_added_to_it(town: Town) -> None:
    filed = await town.zhang.taps("确认提交", await town.zhang.says("3号楼电梯坏了"))
    number = filed.ticket
    await town.wang.receives()
    offer = await town.liu.says("3号楼电梯坏了，按了没反应")
    followed = await town.liu.taps("关注它", offer)
    assert f"已关注 {number}" in followed
    more = await town.liu.says("晚上黑乎乎的我老伴差点摔了，赶紧来人修")
    assert f"您说的已补充到 {number}" in more, more.text
    [update] = await town.wang.receives()
    assert "老伴差点摔了" in update.text
    assert [tk.number for tk in await town.tickets_of("liu")] == [number], "no new one"


async def test_starting_over_a_finished_card_asks_before_putting_it_down(town: Town) -> None:
    """The walk: 刘大爷 had a complete card for the street light open and typed
    “我想反映个问题”; the card was put down unasked (“…我先替您放下了”)."""
    card = await town.liu.says("8号楼门口的路灯不亮了")
    assert "请确认" in card, card.text
    asked = await town.liu.says("我想反映个问题")
    assert "“8号楼门口的路灯不亮了”还没提交" in asked and "放下" not in asked, asked.text
    assert len(asked) == 1 and "草稿还在" not in asked, "one answer, not two sets of steps"
    filed = await town.liu.taps("确认提交", asked)
    assert filed.ticket and "路灯" in (await town.tickets_of("liu"))[0].description

    await town.liu.says("6号楼门口的垃圾桶满了")
    await town.liu.says("我想反映个问题")
    other = await town.liu.says("小区东门的井盖松了，踩上去晃")
    # Another problem: both are kept, on one card (tests/handlers/test_report_two_problems.py).
    assert "两件事" in other and "问题：6号楼门口的垃圾桶满了" in other, other.text
    assert "问题：小区东门的井盖松了，踩上去晃" in other, other.text


async def test_an_emergency_sent_twice_before_anyone_took_it_claims_nobody_is_on_the_way(
    town: Town,
) -> None:
    """The walk: "2号楼电梯困人了快来" sent twice in a row was told "…都已收到，正在赶过去"
    while nobody had taken the ticket. It is told who was notified and that it waits to
    be taken; the advice and the duty phone come first as before."""
    town.bot.router.community.duty_phone = "0551-6288 0000"
    first = await town.liu.says("6号楼电梯困人了快来")
    number = first.ticket
    again = await town.liu.says("6号楼电梯困人了快来")
    assert "96333" in again and "社区值班电话：0551-6288 0000" in again, again.text
    assert number in again and "已通知" in again and "还在等人接单" in again, again.text
    assert "正在赶过去" not in again.text and "都已收到" not in again.text
    assert len(await town.tickets_of("liu")) == 1
    # A third time, after 赵网格员 took it: still that ticket, and now he is on the way.
    await town.zhao.says(f"接单 {number}")
    third = await town.liu.says("6号楼电梯困人了快来")
    assert number in third and "网格员赵网格员" in third and "正在赶过去" in third, third.text
    assert len(await town.tickets_of("liu")) == 1


async def test_an_emergency_sent_again_after_it_was_taken_says_who_is_on_the_way(
    town: Town,
) -> None:
    """Once 赵网格员 took the ticket, "正在赶过去" is true, and said with who."""
    number = (await town.liu.says("6号楼电梯困人了快来")).ticket
    await town.zhao.says(f"接单 {number}")
    again = await town.liu.says("6号楼电梯困人了快来")
    assert number in again and "网格员赵网格员" in again and "正在赶过去" in again, again.text
    assert "还在等人接单" not in again.text
    assert len(await town.tickets_of("liu")) == 1


async def test_a_bare_no_or_a_verdict_is_never_the_problem(model_town: Town) -> None:
    """The walk's description had "不用" in it: said at the category question, a bare 不用
    or 还行 answers nothing the draft asked, and the question is asked again."""
    town = model_town
    await town.liu.says("4号楼的楼道扶手松了")
    for bare in ("不用", "还行"):
        again = await town.liu.says(bare)
        assert "这属于哪一类问题" in again, again.text
    card = await town.liu.says("公共设施")
    assert "问题：4号楼的楼道扶手松了\n" in card.text, card.text


async def test_more_about_a_ticket_at_a_department_says_the_department_was_told(
    long_memory_town: Town,
) -> None:
    """The walk: "7号楼门口的垃圾桶臭得不行" was added to a ticket sent to a department,
    nobody in the grid holding it, and the reply said "已告诉第二网格的网格员". The card
    goes to the department (孙科长, 街道环卫所), and the reply says so."""
    town = long_memory_town
    draft = await town.liu.says("7号楼门口的垃圾桶满了没人清")
    number = (await town.liu.taps("确认提交", draft)).ticket
    await town.later(hours=73)  # never taken, past its resolution limit: to 街道环卫所
    for worker in (town.sun, town.wang, town.zhao):
        await worker.receives()
    offered = await town.liu.says("7号楼门口的垃圾桶满了没人清")
    assert f"您已经反映过 {number}" in offered, offered.text
    noted = await town.liu.says("7号楼门口的垃圾桶臭得不行")
    assert f"已补充到 {number}，已告诉负责处理的街道环卫所" in noted, noted.text
    assert "网格员" not in noted.text, noted.text
    [card] = [r for r in await town.sun.receives() if number in r.text]
    assert "7号楼门口的垃圾桶臭得不行" in card.text
    assert [b.label for b in card.buttons] == ["处理中", "办结"], "what a department may do"
    workers = await town.wang.receives() + await town.zhao.receives()
    assert not [r for r in workers if "臭得不行" in r.text], "nobody in the grid holds it"
