"""What a staff walk found in the grid workers' commands: 延期 read in days and weeks,
退单 to someone else, 转派 by button telling who and why, and stale buttons refused."""

from __future__ import annotations

from bot.demo import DEMO_REGISTER
from consultation.residents import rows_from, save_row
from storage.tickets import Ticket, TicketRepository
from tests.kit import Town


async def _ticket(town: Town, number: str) -> Ticket:
    async with town.bot.uow() as uow:
        found = await uow.get(TicketRepository).by_number(number)
    assert found is not None
    return found


async def _filed(town: Town, text: str = "3号楼2单元楼道灯坏了好几天了") -> str:
    """张阿姨 (3号楼, 第一网格) reports; 王网格员 gets the card."""
    await town.zhang.says(text)
    filed = await town.zhang.says("确认提交")
    if "通知您" in filed:
        filed = await town.zhang.says("要")
    await town.wang.receives()
    return filed.ticket


async def _wang_holds(town: Town) -> str:
    number = await _filed(town)
    assert "已接单" in await town.wang.says(f"接单 {number}")
    await town.zhang.receives()
    return number


async def _second_worker_in_the_first_grid(town: Town) -> None:
    """王建国, a second grid worker of 第一网格, chatting on the web as ``jianguo``."""
    header = DEMO_REGISTER.splitlines()[0]
    row = "王建国,13600001111,2号楼,1单元,102,G01,第一网格,是,grid_worker,"
    async with town.bot.uow() as uow:
        [parsed] = rows_from([header, row])
        resident, _ = await save_row(uow, parsed, actor="test")
        identity = await uow.identities.ensure("web", "jianguo", "王建国")
        identity.resident_id = resident.id
        uow.session.add(identity)


async def test_an_extension_in_days_adds_days_and_keeps_the_unit_out_of_the_reason(
    town: Town,
) -> None:
    number = await _wang_holds(town)
    before = (await _ticket(town, number)).resolution_due_at
    done = await town.wang.says(f"延期 {number} 3天 等配件")
    assert "已延期 3 天" in done and "新的办结时限" in done, done.text
    after = (await _ticket(town, number)).resolution_due_at
    assert (after - before).days >= 3, "three (working) days, not three hours"
    [told] = await town.zhang.receives()
    assert "原因：等配件" in told.text and "天" not in told.text.split("原因：")[1].split("。")[0]


async def test_working_days_hours_and_weeks_are_read(town: Town) -> None:
    number = await _wang_holds(town)
    due = (await _ticket(town, number)).resolution_due_at
    for typed, said, at_least in (
        ("8小时 等电工", "已延期 8 小时", 0),
        ("2个工作日 等物业", "已延期 2 个工作日", 2),
        ("一周 等厂家", "已延期 1 周", 7),
    ):
        done = await town.wang.says(f"延期 {number} {typed}")
        assert said in done, done.text
        later = (await _ticket(town, number)).resolution_due_at
        assert later > due and (later - due).days >= at_least, typed
        due = later


async def test_an_unreadable_amount_gets_the_usage_and_changes_nothing(town: Town) -> None:
    number = await _wang_holds(town)
    due = (await _ticket(town, number)).resolution_due_at
    for typed in ("3x 等配件", "0天 等配件", "等配件要3天"):
        refused = await town.wang.says(f"延期 {number} {typed}")
        assert f"请写延期多久，如“延期 {number} 3天 等配件”" in refused, refused.text
    assert (await _ticket(town, number)).resolution_due_at == due
    assert await town.zhang.receives() == []


async def test_a_reason_without_an_amount_is_asked_how_long_not_given_a_day(town: Town) -> None:
    number = await _wang_holds(town)
    due = (await _ticket(town, number)).resolution_due_at
    asked = await town.wang.says(f"延期 {number} 等配件")
    assert "延期多久" in asked, asked.text
    assert (await _ticket(town, number)).resolution_due_at == due
    done = await town.wang.says("2天")
    assert "已延期 2 天" in done, done.text
    [told] = await town.zhang.receives()
    assert "原因：等配件。" in told.text


async def test_the_extend_button_asks_how_long_and_why(town: Town) -> None:
    number = await _wang_holds(town)
    asked = await town.wang.says(f"延期 {number}")
    assert "延期多久，为什么" in asked, asked.text
    done = await town.wang.says("3天 等厂家配件")
    assert "已延期 3 天" in done, done.text
    asked = await town.wang.says(f"延期 {number} 5小时")
    assert "原因" in asked
    assert "已延期 5 小时" in await town.wang.says("电工下午才到")


async def test_the_grids_only_worker_returns_it_to_the_community_with_the_reason(
    town: Town,
) -> None:
    number = await _wang_holds(town)
    await town.li.receives()
    done = await town.wang.says(f"退单 {number} 不是我们网格的事")
    assert "已退单" in done, done.text
    assert await town.wang.receives() == [], "never back to the worker who returned it"
    [card] = await town.li.receives()
    assert "【退单待接】" in card.text and number in card.text
    assert "王网格员退单，原因：不是我们网格的事" in card.text, card.text
    assert (await _ticket(town, number)).level == "community"


async def test_a_returned_ticket_goes_to_the_grids_other_workers(town: Town) -> None:
    await _second_worker_in_the_first_grid(town)
    number = await _wang_holds(town)
    await town.li.receives()
    await town.jianguo.receives()
    await town.wang.says(f"退单 {number} 我这周在外培训")
    assert await town.wang.receives() == []
    [card] = await town.jianguo.receives()
    assert "【退单待接】" in card.text and "原因：我这周在外培训" in card.text
    assert await town.li.receives() == [], "the grid still has someone to take it"
    assert "已接单" in await town.jianguo.taps("接单", card)


async def test_a_reassign_by_tap_says_who_sent_it_and_the_reason_follows(town: Town) -> None:
    number = await _wang_holds(town)
    await town.zhao.receives()
    [card] = [r for r in await town.wang.says(f"转派 {number}")]
    done = await town.wang.taps("赵网格员", card)
    assert "已转派给赵网格员" in done and "不填了" in done.labels, done.text
    [task] = await town.zhao.receives()
    assert "【转派给您】" in task.text and "王网格员转派给您" in task.text, task.text
    assert "已转给赵网格员" in await town.wang.says("他们网格的电工今天在")
    [line] = await town.zhao.receives()
    assert line.text == f"【转派原因】{number} 王网格员：他们网格的电工今天在", line.text


async def test_no_reason_after_a_tap_sends_nothing_more(town: Town) -> None:
    number = await _wang_holds(town)
    pick = await town.wang.says(f"转派 {number}")
    done = await town.wang.taps("赵网格员", pick)
    [task] = await town.zhao.receives()
    assert "王网格员转派给您" in task.text
    assert "好的" in await town.wang.taps("不填了", done)
    assert await town.zhao.receives() == []


async def test_the_same_reassign_twice_is_told_and_sends_nothing(town: Town) -> None:
    number = await _wang_holds(town)
    await town.li.says(f"转派 {number} 赵网格员 请处理")
    await town.zhao.receives()
    await town.zhang.receives()
    again = await town.li.says(f"转派 {number} 赵网格员 请处理")
    assert again.text == f"{number} 已经在赵网格员手上了。", again.text
    assert await town.zhao.receives() == [] and await town.zhang.receives() == []


async def test_a_person_who_is_no_grid_worker_is_not_taken_for_the_reason(town: Town) -> None:
    number = await _wang_holds(town)
    pick = await town.wang.says(f"转派 {number} 陈委员")
    assert pick.text.startswith("陈委员不是网格员"), pick.text
    assert "赵网格员" in pick.labels and all("陈委员" not in b for b in (pick.button("赵网格员"),))
    assert (await _ticket(town, number)).holder_id is not None


async def test_unsatisfied_with_a_departments_work_goes_back_to_it_with_the_reason(
    town: Town,
) -> None:
    await town.liu.says("5号楼门口垃圾好几天没人清了")
    number = (await town.liu.says("确认提交")).ticket
    await town.zhao.says(f"接单 {number}")
    await town.later(hours=73)  # past the resolution limit: sent to 街道环卫所 (孙科长)
    await town.sun.receives()
    await town.li.receives()
    assert "已办结" in await town.sun.says(f"办结 {number} 已清运")
    await town.liu.receives()
    reopened = await town.liu.says(f"不满意 {number}")
    assert "已重新交办" in reopened, reopened.text
    [card] = await town.sun.receives()
    assert "【重新处理】" in card.text and "—" not in card.text, card.text
    assert [b.label for b in card.buttons] == ["处理中", "办结"], "a department's two moves"
    assert [p for p in await town.li.receives() if "【重新处理】" in p.text]
    await town.liu.says("门口还是很脏，没冲洗")
    [line] = await town.sun.receives()
    assert line.text == f"【居民不满意的原因】{number}：门口还是很脏，没冲洗", line.text
    assert "进展" in await town.sun.says(f"处理中 {number}")


async def test_a_reopened_ticket_that_missed_both_limits_still_counts_as_late(
    town: Town,
) -> None:
    number = await _filed(town)
    await town.later(hours=5)  # past the 4 h response limit: escalated to the community
    assert "已接单" in await town.wang.says(f"接单 {number}")
    await town.later(hours=73)  # past the resolution limit too
    assert "已办结" in await town.wang.says(f"办结 {number} 换好了")
    await town.zhang.says(f"不满意 {number}")
    assert "已办结" in await town.li.says(f"办结 {number} 整套灯具换了")
    await town.zhang.says(f"满意 {number}")
    stats = await town.li.says("诉求统计 2026-11")
    assert "办结 1 件" in stats, stats.text
    assert "按时响应率 0.0%，按时办结率 0.0%" in stats, stats.text


async def test_a_reopened_ticket_still_open_past_a_missed_limit_is_counted_late(
    town: Town,
) -> None:
    number = await _filed(town)
    assert "已接单" in await town.wang.says(f"接单 {number}")
    await town.later(hours=80)  # resolved late
    assert "已办结" in await town.wang.says(f"办结 {number} 换好了")
    await town.zhang.says(f"不满意 {number}")
    stats = await town.li.says("诉求统计 2026-11")
    assert "按时响应率 100.0%，按时办结率 0.0%" in stats, stats.text


async def test_stale_buttons_on_a_closed_ticket_are_refused_at_the_first_tap(town: Town) -> None:
    await town.zhang.says("3号楼2单元楼道灯坏了好几天了")
    await town.zhang.says("确认提交")
    [card] = await town.wang.receives()
    number = (await town.wang.taps("接单", card)).ticket
    assert "已办结" in await town.wang.says(f"办结 {number} 换好了")
    await town.zhang.says(f"满意 {number}")
    closed = f"{number} 已办结。问题又出现的话，请居民重新反映。"
    for label in ("上报", "转派", "处理中", "延期"):
        tapped = await town.wang.says(f"{label} {number}")
        assert tapped.text == closed, (label, tapped.text)
        assert not tapped.labels, "no names to pick"
    typed = await town.wang.says(f"上报 {number} 需要物业处理")
    assert typed.text == closed, typed.text
    assert await town.li.receives() == []


async def test_a_worker_saying_on_my_way_takes_the_task_pushed_to_him(model_town: Town) -> None:
    """ "收到，马上去" / "好的收到" / "马上到" right after a task card were "没太明白": with one
    task waiting for him it is taken (接单); with several he is asked which, a button each;
    接单 alone offers them the same way."""
    town = model_town
    number = await _filed(town)
    taken = await town.wang.says("收到，马上去")
    assert taken.text.startswith(f"已接单 {number}。"), taken.text
    assert (await _ticket(town, number)).status == "assigned"
    assert any(number in p.text for p in await town.zhang.receives()), "the resident is told"
    assert "没有等您接单的任务" in await town.wang.says("接单")
    assert number in await town.wang.says("看看我的任务？"), "看看 and ？ around 我的任务"
    assert "已接单" not in await town.zhao.says("好的收到"), "another grid's worker takes nothing"

    first = await _filed(town, "1号楼门口的路灯不亮了")
    second = await _filed(town, "2号楼门口的垃圾没人清")
    for said in ("好的收到", "接单"):
        which = await town.wang.says(said)
        assert which.text.startswith("有 2 件任务等着接单，您接哪一件？"), (said, which.text)
        assert sorted(which.labels) == sorted([f"接单 {first}", f"接单 {second}"])
        assert (await _ticket(town, first)).holder_id is None, "nothing taken unasked"
    done = await town.wang.taps(f"接单 {second}", which)
    assert done.text.startswith(f"已接单 {second}。"), done.text
    last = await town.wang.says("马上到")
    assert last.text.startswith(f"已接单 {first}。"), last.text


async def test_a_resident_saying_got_it_takes_no_task(model_town: Town) -> None:
    await _filed(model_town)
    said = await model_town.zhang.says("好的收到")
    assert "已接单" not in said and "只有" not in said, said.text
