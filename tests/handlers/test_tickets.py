"""A ticket's whole life through the router, as resident (zhang), grid worker (wang) and
moderator (li), with the controllable clock driving both escalation steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from consultation.roles import Role
from kernel.intents import KeywordClassifier
from kernel.messages import Location, Reply
from storage.tickets import Ticket, TicketRepository
from tests.conftest import Clock, make_settings
from tests.kit import TICKET_NUMBER as NUMBER
from tests.kit import Town, pushes, say


async def ticket(yishi: Yishi, number: str) -> Ticket:
    async with yishi.uow() as uow:
        found = await uow.get(TicketRepository).by_number(number)
    assert found is not None
    return found


async def file_ticket(yishi: Yishi, text: str, who: str = "zhang") -> str:
    [draft] = await say(yishi, text, who)
    assert "请确认" in draft.text, draft.text
    [filed] = await say(yishi, "确认提交", who)
    found = NUMBER.search(filed.text)
    assert found, filed.text
    return found.group(0)


async def run_timers(yishi: Yishi, clock: Clock) -> list[str]:
    async with yishi.uow() as uow:
        return await yishi.ticket_timers.run_due(uow, clock())


async def test_whole_life_with_reopening(yishi: Yishi, clock: Clock) -> None:
    [draft] = await say(yishi, "3号楼2单元的楼道灯坏了好几天了")
    assert "公共设施" in draft.text and "3号楼2单元" in draft.text
    [filed] = await say(yishi, "确认提交")
    number = NUMBER.search(filed.text).group(0)  # type: ignore[union-attr]
    assert number == "R20261122-0001" and "第一网格" in filed.text
    [again] = await say(yishi, "确认提交")
    async with yishi.uow() as uow:
        assert await uow.get(TicketRepository).by_number("R20261122-0002") is None
    assert "R20261122-0002" not in again.text

    [task] = await pushes(yishi, "wang")
    assert number in task.text and "楼道灯" in task.text
    assert [b.label for b in task.buttons] == ["接单", "处理中", "办结", "上报", "转派"]
    assert await pushes(yishi, "li") == [], "not urgent: the moderators aren't disturbed"

    [ok] = await say(yishi, task.buttons[0].data, "wang")
    assert "已接单" in ok.text
    told = await pushes(yishi, "zhang")
    assert "已由王网格员接单" in told[-1].text, "not 网格员王网格员: the title is in the name"

    [ask] = await say(yishi, f"处理中 {number}", "wang")
    assert "进展" in ask.text
    await say(yishi, "已联系电工，明天上午来换", "wang")
    assert "明天上午来换" in (await pushes(yishi, "zhang"))[-1].text

    [status] = await say(yishi, number)
    assert "处理中" in status.text and "王网格员" in status.text
    assert "135" not in status.text, "the holder's phone is never shown"

    await say(yishi, f"办结 {number} 灯已换好", "wang")
    rate = (await pushes(yishi, "zhang"))[-1]
    assert "请您评价" in rate.text and [b.label for b in rate.buttons] == [
        "满意",
        "基本满意",
        "不满意",
    ]
    [reopened] = await say(yishi, "不满意")  # context first: the flow knows which ticket
    assert "重新" in reopened.text
    [noted] = await say(yishi, "灯还是一闪一闪的")
    assert "记下" in noted.text
    tk = await ticket(yishi, number)
    assert tk.status == "reopened" and tk.reopen_count == 1 and tk.holder_id is None
    assert tk.rating_comment == "灯还是一闪一闪的"
    *_, card, reason = await pushes(yishi, "wang")
    assert "重新处理" in card.text and reason.text.endswith("：灯还是一闪一闪的"), reason.text

    await say(yishi, f"接单 {number}", "wang")
    await say(yishi, f"办结 {number} 换了整套灯具", "wang")
    rate_again = (await pushes(yishi, "zhang"))[-1]
    [thanks] = await say(yishi, rate_again.buttons[0].data)
    assert "谢谢" in thanks.text
    [late] = await say(yishi, rate_again.buttons[2].data)  # the old 不满意, tapped after
    assert late.text == f"{number} 您已经评价过了（满意），谢谢！问题要是又出现了，直接再跟我说。"
    tk = await ticket(yishi, number)
    assert tk.status == "closed" and tk.rating == "满意"

    async with yishi.uow() as uow:
        history = [e.action for e in await uow.get(TicketRepository).history(tk.id or 0)]
    assert history == [
        "filed",
        "accepted",
        "progress",
        "resolved",
        "reopened",
        "commented",
        "accepted",
        "resolved",
        "rated",
    ]
    [mine] = await say(yishi, "我的诉求")
    assert number in mine.text and "已评价" in mine.text


async def test_both_escalation_steps_with_the_clock(yishi: Yishi, clock: Clock) -> None:
    number = await file_ticket(yishi, "5号楼门口垃圾好几天没人清了", "liu")
    assert (await ticket(yishi, number)).category == "环境卫生"
    assert await run_timers(yishi, clock) == []
    clock.advance(hours=3, minutes=5)  # response limit 4 h, warned an hour before
    fired = await run_timers(yishi, clock)
    assert fired == [f"ticket.warn:{number}:response:0"]
    assert "还没有人接单" in (await pushes(yishi, "zhao"))[-1].text
    clock.advance(hours=1)
    assert await run_timers(yishi, clock) == [f"ticket.escalate:{number}:response:0"]
    assert await run_timers(yishi, clock) == [], "each step fires once"
    assert "超过接单时限" in (await pushes(yishi, "li"))[-1].text
    assert "上报社区" in (await pushes(yishi, "liu"))[-1].text
    tk = await ticket(yishi, number)
    assert tk.status == "escalated" and tk.level == "community"

    [ok] = await say(yishi, f"接单 {number}", "zhao")
    assert "已接单" in ok.text
    clock.advance(hours=43)  # resolution limit 48 h from filing (now 47:05)
    assert await run_timers(yishi, clock) == [f"ticket.warn:{number}:resolution:0"]
    assert "办结时限" in (await pushes(yishi, "zhao"))[-1].text
    clock.advance(hours=1)
    assert await run_timers(yishi, clock) == [f"ticket.escalate:{number}:resolution:0"]
    tk = await ticket(yishi, number)
    assert tk.level == "department" and tk.department == "街道环卫所"
    assert "街道环卫所" in (await pushes(yishi, "liu"))[-1].text
    assert "部门报到" in (await pushes(yishi, "sun"))[-1].text, "孙科长 is 街道环卫所's contact"
    [overdue] = await say(yishi, "超期诉求", "li")
    assert number in overdue.text and "部门" in overdue.text and "赵网格员" in overdue.text


async def test_extension_needs_a_reason_and_moves_the_deadline(yishi: Yishi, clock: Clock) -> None:
    number = await file_ticket(yishi, "6号楼电梯坏了", "liu")
    await say(yishi, f"接单 {number}", "zhao")
    [ask] = await say(yishi, f"延期 {number} 24", "zhao")
    assert "原因" in ask.text
    [done] = await say(yishi, "等厂家配件", "zhao")
    assert "已延期" in done.text
    assert "等厂家配件" in (await pushes(yishi, "liu"))[-1].text
    clock.advance(hours=71)
    assert await run_timers(yishi, clock) == [], "the old deadline no longer applies"
    [back] = await say(yishi, f"退单 {number}", "zhao")
    assert "原因" in back.text
    await say(yishi, "不归我们网格管", "zhao")
    assert "不归我们网格管" in (await pushes(yishi, "liu"))[-1].text
    assert (await ticket(yishi, number)).holder_id is None


async def test_urgent_ticket_reaches_grid_and_community_at_once(yishi: Yishi) -> None:
    advice, filed = await say(yishi, "2号楼电梯坏了，困人了！")  # filed at once, unasked
    assert "96333" in advice.text
    found = NUMBER.search(filed.text)
    assert found, filed.text
    number = found.group(0)
    tk = await ticket(yishi, number)
    assert (
        tk.urgent and tk.response_due_at - tk.received_at <= tk.resolution_due_at - tk.received_at
    )
    assert (tk.response_due_at - tk.received_at).total_seconds() == 30 * 60
    assert "紧急" in (await pushes(yishi, "wang"))[-1].text
    assert number in (await pushes(yishi, "li"))[-1].text


async def test_duplicate_is_offered_and_followed(yishi: Yishi) -> None:
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    [offer] = await say(yishi, "3号楼的灯不亮了", "chen")
    assert f"已有人反映 {number}" in offer.text
    [followed] = await say(yishi, offer.buttons[0].data, "chen")
    assert "已关注" in followed.text
    await say(yishi, f"接单 {number}", "wang")
    assert "接单" in (await pushes(yishi, "chen"))[-1].text, "followers get the same updates"
    [status] = await say(yishi, number, "chen")
    assert "张阿姨" not in status.text

    second = await file_ticket(yishi, "东门路灯不亮", "liu")
    [merged] = await say(yishi, f"合并诉求 {second} {number}", "li")
    assert "已把" in merged.text
    assert (await ticket(yishi, second)).duplicate_of == number
    assert number in (await pushes(yishi, "liu"))[-1].text


async def test_confirming_when_offered_a_duplicate_files_the_draft_not_the_word(
    yishi: Yishi,
) -> None:
    """Found walking the web chat: a photo, then 确认提交 typed at "已有人反映…要关注它吗"
    became the draft's problem text ("问题：确认提交")."""
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    [offer] = await say(yishi, "3号楼楼道灯坏了，晚上黑乎乎的", "liu")
    assert f"已有人反映 {number}" in offer.text
    [photo] = await say(yishi, "", "liu", image_url="https://img.example/2.jpg")
    assert "1 张" in photo.text
    [draft] = await say(yishi, "确认提交", "liu")
    assert "问题：3号楼楼道灯坏了，晚上黑乎乎的" in draft.text and "确认提交" in draft.text
    assert "问题：确认提交" not in draft.text
    [filed] = await say(yishi, "确认提交", "liu")
    async with yishi.uow() as uow:
        [tk] = await uow.get(TicketRepository).of_reporter("web", "liu", None)
    assert tk.number in filed.text and tk.number != number
    assert tk.description == "3号楼楼道灯坏了，晚上黑乎乎的"


async def test_guest_can_report_and_is_asked_where_and_whether_to_update(
    yishi: Yishi,
) -> None:
    [where] = await say(yishi, "垃圾桶满了没人清", "stranger")
    assert "在哪里" in where.text and "认证" not in where.text and "绑定" not in where.text
    [updates] = await say(yishi, "4号楼", "stranger")
    assert "通知" in updates.text
    [draft] = await say(yishi, "要", "stranger")
    assert "4号楼" in draft.text
    [filed] = await say(yishi, "确认", "stranger")
    number = NUMBER.search(filed.text).group(0)  # type: ignore[union-attr]
    await say(yishi, f"接单 {number}", "wang")
    assert number in (await pushes(yishi, "stranger"))[-1].text


async def test_category_questions_photos_and_locations(yishi: Yishi) -> None:
    [question] = await say(yishi, "楼上装修噪音太大了", "liu")
    assert "持续多久" in question.text
    [draft] = await say(yishi, "一个星期了，每天早上七点", "liu")
    assert "噪音扰民" in draft.text and "一个星期" in draft.text
    [photo] = await say(yishi, "", "liu", image_url="https://img.example/1.jpg")
    assert "1 张" in photo.text
    [moved, *_] = await say(yishi, "", "liu", location=Location(31.8, 117.2, "幸福里东门"))
    assert "幸福里东门" in moved.text
    await say(yishi, "确认提交", "liu")
    async with yishi.uow() as uow:
        [tk] = await uow.get(TicketRepository).of_reporter("web", "liu", None)
    assert tk.photos == ["https://img.example/1.jpg"] and tk.spot == "幸福里东门"


async def test_bad_input_changes_nothing(yishi: Yishi) -> None:
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    before = await ticket(yishi, number)
    [empty] = await say(yishi, "")
    [long] = await say(yishi, "灯" * 10_000)
    [photo] = await say(yishi, "", image_url="https://img.example/2.jpg")
    # (The photo started a draft, kept for its words: the answer says it waits.)
    [unknown, kept] = await say(yishi, "R20261122-0999")
    [foreign] = await say(yishi, number, "liu")
    [worker_foreign] = await say(yishi, f"接单 {number}", "zhao")
    [resident_worker] = await say(yishi, f"接单 {number}", "liu")
    assert "没有输入" in empty.text and "有点长" in long.text and "图片" in photo.text
    assert "没有找到" in unknown.text and "草稿还在" in kept.text
    assert "不是您反映" in foreign.text
    assert "不属于您负责的网格" in worker_foreign.text
    assert "网格员" in resident_worker.text
    after = await ticket(yishi, number)
    assert (after.status, after.holder_id, after.updated_at) == (
        before.status,
        before.holder_id,
        before.updated_at,
    )
    async with yishi.uow() as uow:
        assert await uow.get(TicketRepository).by_number("R20261122-0002") is None


async def test_unrated_ticket_closes_itself(yishi: Yishi, clock: Clock) -> None:
    number = await file_ticket(yishi, "3号楼门禁坏了")
    await say(yishi, f"接单 {number}", "wang")
    await say(yishi, f"办结 {number} 门禁已修好", "wang")
    clock.advance(hours=73)
    assert f"ticket.autoclose:{number}:rating:0" in await run_timers(yishi, clock)
    tk = await ticket(yishi, number)
    assert tk.status == "closed" and tk.rating is None
    assert "未评价" in (await pushes(yishi, "zhang"))[-1].text


async def test_hand_up_and_reassign(yishi: Yishi) -> None:
    number = await file_ticket(yishi, "3号楼下水管漏水")
    await say(yishi, f"接单 {number}", "wang")
    await say(yishi, f"上报 {number} 需要物业和住建一起处理", "wang")
    handed_up = (await pushes(yishi, "li"))[-1].text
    assert "王网格员上报社区：需要物业和住建一起处理" in handed_up and "网格员王" not in handed_up
    [pick] = await say(yishi, f"转派 {number}", "li")
    zhao = next(b for b in pick.buttons if b.label == "赵网格员")
    [done] = await say(yishi, zhao.data, "li")
    assert "赵网格员" in done.text
    assert "转派给您" in (await pushes(yishi, "zhao"))[-1].text
    tk = await ticket(yishi, number)
    assert tk.dispatched and tk.status == "assigned"


async def test_statistics_for_moderators(yishi: Yishi, clock: Clock) -> None:
    first = await file_ticket(yishi, "3号楼楼道灯坏了")
    await file_ticket(yishi, "5号楼门口垃圾没清", "liu")
    await say(yishi, f"接单 {first}", "wang")
    await say(yishi, f"办结 {first} 换好了", "wang")
    await say(yishi, f"满意 {first}")
    [stats] = await say(yishi, "诉求统计 2026-11", "li")
    assert "收集 2 件" in stats.text and "办结 1 件" in stats.text and "反馈 1 件" in stats.text
    assert "满意率 100.0%" in stats.text and "第一网格" in stats.text
    [refused] = await say(yishi, "诉求统计", "zhang")
    assert "社区工作者" in refused.text


async def test_ten_workers_accept_at_once_sqlite(yishi: Yishi) -> None:
    await _ten_workers(yishi)


async def _ten_workers(yishi: Yishi) -> None:
    import asyncio

    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    async with yishi.uow() as uow:
        grid = await uow.residents.grid_by_code("G01")
        assert grid is not None and grid.id is not None
        from storage.models import Resident

        for i in range(10):
            person = await uow.residents.add(Resident(name=f"网格员{i}", verified=True))
            assert person.id is not None
            await uow.residents.grant(person.id, Role.GRID_WORKER.value, grid.id)
            await uow.identities.bind("web", f"w{i}", person.id)
    replies = await asyncio.gather(*(say(yishi, f"接单 {number}", f"w{i}") for i in range(10)))
    texts = [r[0].text for r in replies]
    assert sum("已接单" in x for x in texts) == 1, texts
    assert sum("已被" in x for x in texts) == 9, texts
    assert (await ticket(yishi, number)).holder_id is not None


async def test_ten_workers_accept_at_once_postgres(pg_url: str, clock: Clock) -> None:
    from bot.demo import seed_demo
    from kernel.intents import KeywordClassifier
    from tests.conftest import make_settings

    bot = Yishi(make_settings(pg_url), classifier=KeywordClassifier(), clock=clock)
    try:
        await seed_demo(bot.uow)
        await _ten_workers(bot)
    finally:
        await bot.stop()


async def test_escalation_reaches_only_that_departments_people(yishi: Yishi, clock: Clock) -> None:
    """A 公共设施 ticket goes to 街道城建办: 孙科长 (街道环卫所) hears nothing, and with no
    城建办 contact registered the moderators are told to call them and register one."""
    number = await file_ticket(yishi, "3号楼楼道灯坏了好几天了")
    assert (await ticket(yishi, number)).category == "公共设施"
    await say(yishi, f"接单 {number}", "wang")
    before = len(await pushes(yishi, "sun"))
    clock.advance(hours=73)  # resolution limit 72 h
    fired = await run_timers(yishi, clock)
    assert f"ticket.escalate:{number}:resolution:0" in fired
    assert (await ticket(yishi, number)).department == "街道城建办"
    assert len(await pushes(yishi, "sun")) == before
    told = [p.text for p in await pushes(yishi, "li")]
    assert any("还没有登记街道城建办的联系人" in x and number in x for x in told), told

    from consultation.residents import rows_from, save_row

    async with yishi.uow() as uow:
        [row] = rows_from(["name,building,department", "周主任,街道办事处,街道城建办"])
        zhou, _ = await save_row(uow, row, actor="test")
        assert zhou.id is not None
        await uow.identities.bind("web", "zhou", zhou.id)
    second = await file_ticket(yishi, "6号楼电梯按钮坏了", "liu")
    await say(yishi, f"接单 {second}", "zhao")
    clock.advance(hours=73)
    await run_timers(yishi, clock)
    [card] = [p for p in await pushes(yishi, "zhou") if second in p.text]
    assert "部门报到" in card.text
    assert len(await pushes(yishi, "sun")) == before


async def test_a_fresh_confirm_after_filing_gets_the_number(yishi: Yishi, clock: Clock) -> None:
    """ "确认" typed again (a new message, not a redelivery) names the ticket filed a moment
    ago instead of "没听懂"; later, or anything else, is routed as usual."""
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    for again in ("确认", "确认提交"):
        [reply] = await say(yishi, again)
        assert reply.text == f"这条已经提交过了（{number}），不用重复提交。"
    [cancel] = await say(yishi, "取消")
    # 取消 does not pretend to withdraw the ticket, nor say nothing is being handled.
    assert cancel.text.startswith(f"{number} 已经提交，会照常处理，“取消”不会撤回它。")
    await say(yishi, "7号楼楼道灯坏了")  # a new draft after the settled step
    [second] = await say(yishi, "确认提交")
    other = NUMBER.search(second.text)
    assert other and other.group(0) != number
    clock.advance(minutes=11)
    [late] = await say(yishi, "确认")
    assert "已经提交过了" not in late.text
    async with yishi.uow() as uow:
        assert len(await uow.get(TicketRepository).of_reporter("web", "zhang", None)) >= 2


async def test_a_new_problem_right_after_filing_starts_a_new_draft(yishi: Yishi) -> None:
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    [draft] = await say(yishi, "5号楼门口垃圾好几天没人清了")
    assert "请确认" in draft.text and "环境卫生" in draft.text and number not in draft.text
    [photo] = await say(yishi, "", image_url="https://example.invalid/p.jpg")
    assert "照片" in photo.text


async def test_a_moderator_lists_the_open_tickets_longest_waiting_first(yishi: Yishi) -> None:
    first = await file_ticket(yishi, "3号楼楼道灯坏了")
    second = await file_ticket(yishi, "5号楼门口垃圾没人清理", "liu")
    [listing] = await say(yishi, "所有诉求", "li")
    assert "在办诉求（2 件" in listing.text
    assert listing.text.index(first) < listing.text.index(second)
    [refused] = await say(yishi, "所有诉求", "zhang")
    assert first not in refused.text and second not in refused.text


async def test_her_own_report_is_not_offered_to_her_as_someone_elses(yishi: Yishi) -> None:
    """Found in the browser: 张阿姨 reported the same light again and was told "已有人反映
    R…，要关注它吗" about her own ticket."""
    number = await file_ticket(yishi, "3号楼楼道灯坏了")
    [again] = await say(yishi, "3号楼楼道灯坏了，还是不亮")
    assert f"您已经反映过 {number}" in again.text and "已有人反映" not in again.text
    assert [b.label for b in again.buttons] == ["查看进度", "不是同一件事，继续提交"]
    [status, *_] = await say(yishi, again.buttons[0].data)
    assert number in status.text


@pytest.mark.parametrize(
    ("local", "promise"),
    [
        # Monday 13:30 in Shanghai: the category's 4 working hours end at 17:30.
        (datetime(2026, 11, 23, 5, 30, tzinfo=UTC), "4 小时内会有人接单"),
        # Monday 10:00: the lunch break is no working time.
        (datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "按工作时间算，最晚 11月23日 15:30 前"),
        # Monday 18:15, after work: the next working day's, not "4 小时" (the walk's case).
        (datetime(2026, 11, 23, 10, 15, tzinfo=UTC), "最晚 11月24日 14:00 前会有人接单"),
        # Sunday morning: Monday's.
        (datetime(2026, 11, 22, 2, 0, tzinfo=UTC), "最晚 11月23日 14:00 前会有人接单"),
    ],
)
async def test_the_promise_on_filing_is_the_tickets_own_deadline(
    sqlite_url: str, local: datetime, promise: str
) -> None:
    """On working time, as `yishi run` counts it (the suite's other tests count plain
    hours): 08:30–12:00 and 13:30–17:30 on China's working days."""
    clock = Clock(local)
    working = {"working_hours": ["08:30-12:00", "13:30-17:30"]}
    bot = Yishi(
        make_settings(sqlite_url, tickets=working), classifier=KeywordClassifier(), clock=clock
    )
    await seed_demo(bot.uow, clock())
    town = Town(bot, clock)
    try:
        draft = await town.liu.says("3号楼2单元楼道灯坏了")
        filed = await town.liu.taps("确认提交", draft)
        assert promise in filed, filed.text
    finally:
        await bot.stop()


async def test_only_the_offered_ticket_can_be_followed_at_the_duplicate_prompt(
    town: Town,
) -> None:
    """The walk followed 张阿姨's emergency (and read her room) by typing its number at
    another ticket's duplicate prompt."""
    hers = (
        await town.zhang.taps("确认提交", await town.zhang.says("5号楼门口垃圾堆了三天"))
    ).ticket
    lamp = (await town.liu.taps("确认提交", await town.liu.says("3号楼2单元楼道灯坏了"))).ticket
    offer = await town.chen.says("3号楼2单元楼道灯坏了")
    assert lamp in offer, offer.text
    refused = await town.chen.says(f"关注 {hers}")
    assert refused.text == f"编号 {hers} 不是您反映或关注的诉求，您看不到也不能评价它。"
    assert "不是您反映或关注" in await town.chen.says(hers), "still not hers to read"
    followed = await town.chen.says(f"关注 {lamp}")
    assert followed.text.startswith(f"好的，已关注 {lamp}")


async def test_ticket_times_are_written_as_dates_on_the_communitys_clock(town: Town) -> None:
    """Every time a ticket shows reads as replies write dates (12月3日 00:35), on the
    community's clock: 00:35 on 3 December in Shanghai is still 2 December in UTC."""
    town.clock.now = datetime(2026, 12, 2, 16, 35, tzinfo=UTC)
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    [card] = await town.wang.receives()
    assert "接单时限：12月3日 04:35；办结时限：12月6日 00:35" in card.text, card.text
    status = await town.zhang.says(number)
    assert "最近更新：12月3日 00:35 已受理" in status, status.text
    tasks = await town.wang.says("我的任务")
    assert "办结时限 12月6日 00:35" in tasks, tasks.text
    town.clock.advance(minutes=20)
    accepted = await town.wang.taps("接单", card)
    assert number in accepted
    done = await town.wang.says(f"延期 {number} 1天 要等配件")
    assert f"{number} 已延期 1 天，新的办结时限：12月7日 00:35。" in done, done.text
    assert "12月3日 00:55 延期" in await town.zhang.says(number)
    listing = await town.li.says("在办诉求")
    assert "处理人：王网格员｜办结时限 12月7日 00:35" in listing, listing.text


@pytest.mark.parametrize("typed", ["确人提交", "确认体交"])
async def test_a_typo_of_the_confirm_button_files_the_draft_not_the_typo(
    town: Town, typed: str
) -> None:
    """Typed with one character wrong, 确认提交 is still the button: the draft is filed as
    written, instead of "问题：确人提交"."""
    draft = await town.liu.says("5号楼2单元楼道灯坏了")
    assert "请确认" in draft, draft.text
    filed = await town.liu.says(typed)
    assert "已受理，诉求编号" in filed, filed.text
    async with town.bot.uow() as uow:
        [tk] = await uow.get(TicketRepository).of_reporter("web", "liu", None)
    assert tk.description == "5号楼2单元楼道灯坏了"


async def test_a_typo_at_the_duplicate_prompt_is_the_button_it_misses(town: Town) -> None:
    """At "已有人反映 R…，要关注它吗？" a near miss of a word the prompt offers (确人提交,
    关注他) is that word (which words, and which near misses: tests/kernel/test_flows.py)."""
    number = (await town.zhang.taps("确认提交", await town.zhang.says("3号楼楼道灯坏了"))).ticket
    offer = await town.chen.says("3号楼楼道灯坏了，晚上黑乎乎的")
    assert f"已有人反映 {number}" in offer, offer.text
    draft = await town.chen.says("确人提交")  # mine is another one: shown to confirm
    assert "问题：3号楼楼道灯坏了，晚上黑乎乎的" in draft and "确认提交" in draft.labels, draft.text
    assert "确人" not in draft.text

    offer = await town.liu.says("3号楼楼道灯不亮了")
    assert f"已有人反映 {number}" in offer, offer.text
    followed = await town.liu.says("关注他")
    assert followed.text == f"好的，已关注 {number}，有进展会通知您。"


async def test_a_typo_of_the_topic_drafts_confirm_files_the_topic(town: Town) -> None:
    draft = await town.zhang.says("我想提个议题：楼下广场舞太吵，晚上九点以后还在跳")
    assert "请确认您的议题" in draft, draft.text
    filed = await town.zhang.says("确认提角")
    assert "议题 T1 已提交" in filed, filed.text


async def resolved_ticket(town: Town) -> tuple[str, Reply]:
    """张阿姨's corridor light, resolved by 王网格员: its number and the rating question."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.wang.says(f"接单 {number}")
    await town.wang.says(f"办结 {number} 已更换灯泡")
    [ask] = [p for p in await town.zhang.receives() if "请您评价" in p.text]
    return number, ask


@pytest.mark.parametrize("nothing", ["没有", "没了", "不用了", "没有了，谢谢"])
async def test_no_comment_after_a_rating_gets_a_closing_word(town: Town, nothing: str) -> None:
    number, ask = await resolved_ticket(town)
    rated = await town.zhang.taps("满意", ask)
    assert f"{number} 已归档" in rated and "没有的话发“没有”" in rated, rated.text
    closing = await town.zhang.says(nothing)
    assert closing.text == "好的，谢谢！", closing.text


async def test_a_late_tap_after_the_rating_time_is_answered_and_so_is_no_comment(
    town: Town,
) -> None:
    """The rating question went unanswered and the ticket was archived unrated; a tap on
    its old 满意 button days later was told "目前是“已评价”，办结后才能评价" and its "没有"
    got "没太明白"."""
    number, ask = await resolved_ticket(town)
    await town.later(hours=73)
    assert any("您未评价" in p.text for p in await town.zhang.receives())
    late = await town.zhang.taps("满意", ask)
    assert late.text == (
        f"{number} 已经过了评价时间，自动归档了，这次不用再评价。问题要是还在，直接跟我说就行。"
    ), late.text
    closing = await town.zhang.says("没有")
    assert closing.text == "好的，谢谢！", closing.text
    # The problem back after all: a report of its own, not a comment on the archived one.
    again = await town.zhang.taps("不满意", ask)
    assert "已经过了评价时间" in again
    report = await town.zhang.says("3号楼2单元的楼道灯又坏了")
    assert "请确认" in report or "您已经反映过" in report, report.text


async def test_a_second_tap_after_rating_is_answered_and_so_is_no_comment(town: Town) -> None:
    number, ask = await resolved_ticket(town)
    await town.zhang.taps("满意", ask)
    assert (await town.zhang.says("没有")).text == "好的，谢谢！"
    twice = await town.zhang.taps("基本满意", ask)
    assert f"{number} 您已经评价过了（满意）" in twice, twice.text
    assert (await town.zhang.says("不用了")).text == "好的，谢谢！"


async def test_another_units_light_is_not_offered_as_the_same_problem(town: Town) -> None:
    """The walk: 刘大爷's “3号楼2单元楼道的灯晚上一直不亮” was offered R…0001, the
    light of 3号楼1单元 — another stairwell, another light."""
    first = await town.zhang.says("3号楼1单元楼道灯坏了")
    one = (await town.zhang.taps("确认提交", first)).ticket
    second = await town.liu.says("3号楼2单元楼道的灯晚上一直不亮")
    assert "已有人反映" not in second and "请确认" in second, second.text
    two = (await town.liu.taps("确认提交", second)).ticket
    assert two and two != one
    third = await town.chen.says("3号楼2单元的楼道灯不亮了")
    assert f"已有人反映 {two}" in third and one not in third, third.text


def _full_width(text: str) -> str:
    """As a Chinese IME types it in 全角 mode: Ｒ２０２６１１２２－０００１."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_a_ticket_number_typed_full_width_or_with_a_space_is_that_ticket(
    town: Town,
) -> None:
    """The walk: Ｒ２０２６１２０４－０００１ showed her newest ticket, no word of it.
    The full-width hyphen was not folded as its digits were."""
    first = (await town.zhang.taps("确认提交", await town.zhang.says("4号楼灯坏了"))).ticket
    await town.zhang.taps("确认提交", await town.zhang.says("6号楼门口垃圾满了"))
    for typed in (
        _full_width(first),
        f"查询 {_full_width(first)}",
        first.lower().replace("-", " "),
    ):
        shown = await town.zhang.says(typed)
        assert shown.text.startswith(f"{first}（公共设施）"), (typed, shown.text)
        assert "垃圾" not in shown, shown.text


async def test_a_ticket_number_typed_wrong_is_never_another_ticket(town: Town) -> None:
    await town.zhang.taps("确认提交", await town.zhang.says("4号楼灯坏了"))
    shown = await town.zhang.says("查询 R2026112-01")
    assert "没认出来" in shown and "4号楼" not in shown, shown.text
