"""An emergency nobody takes is chased, and every reminder and escalation says first that
it is urgent and what it is. The walk: 30 minutes after "电梯里有人被困住了" the grid was
reminded "【提醒】R… 还没有人接单" and the moderators told "【超时未接单】R…（公共设施，
3号楼2单元）" — nothing in either said 紧急, nor that people were trapped."""

from __future__ import annotations

from kernel.messages import Reply
from tests.kit import Town


def about(number: str, pushed: list[Reply]) -> list[Reply]:
    """The pushes about ticket ``number`` alone (the morning digest, which lists it among
    the day's tasks, comes between)."""
    return [p for p in pushed if number in p.text.splitlines()[0]]


async def test_the_grid_reminder_and_the_escalation_say_urgent_and_what_first(
    town: Town,
) -> None:
    number = (await town.zhang.says("电梯里有人被困住了")).ticket
    await town.wang.receives()
    await town.li.receives()

    await town.later(minutes=23)  # 30 minutes to take it, reminded 7.5 minutes ahead
    [reminder] = about(number, await town.wang.receives())
    assert reminder.text.startswith(f"【紧急·电梯困人】{number}（3号楼2单元"), reminder.text
    assert "还没有人接单" in reminder.text and [b.label for b in reminder.buttons] == ["接单"]

    await town.later(minutes=8)
    [escalated] = about(number, await town.li.receives())
    assert escalated.text.startswith(f"【紧急·电梯困人】{number}（3号楼2单元"), escalated.text
    assert "超过接单时限" in escalated.text and "电梯里有人被困住了" in escalated.text

    assert "已接单" in await town.wang.says(f"接单 {number}")
    await town.later(hours=22, minutes=30)  # 24 hours to resolve it, reminded an hour ahead
    [due] = about(number, await town.wang.receives())
    assert due.text.startswith(f"【紧急·电梯困人】{number}"), due.text
    assert "办结时限" in due.text
    await town.li.receives()
    await town.later(minutes=60)
    late = about(number, await town.li.receives())
    assert late and all(p.text.startswith(f"【紧急·电梯困人】{number}") for p in late), late
    assert any("超过办结时限" in p.text for p in late), late


async def test_each_kind_of_danger_is_named_in_its_reminder(town: Town) -> None:
    """Gas is not a trapped lift: the reminder names the danger the ticket is about."""
    number = (await town.zhang.says("楼道里有很大的煤气味")).ticket
    await town.wang.receives()
    await town.later(minutes=23)
    [reminder] = about(number, await town.wang.receives())
    assert reminder.text.startswith(f"【紧急·燃气泄漏】{number}"), reminder.text


async def test_an_ordinary_ticket_is_reminded_as_before(town: Town) -> None:
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.wang.receives()
    await town.later(hours=3, minutes=1)
    [reminder] = about(number, await town.wang.receives())
    assert reminder.text.startswith(f"【提醒】{number} 还没有人接单"), reminder.text
    assert "紧急" not in reminder.text


# ---- filed straight to the community: no grid, still chased --------------------------------


async def test_an_emergency_with_no_grid_is_chased_with_the_moderators(town: Town) -> None:
    """The walk: someone with no address on file reported people trapped in a lift with no
    place said; it went to the community (no grid) and, not taken, nobody heard of it
    again. Its moderators are now reminded, then told again at the limit, each saying
    first that it is urgent and what it is; the reporter hears it was chased."""
    visitor = town.person("visitor")
    number = (await visitor.says("电梯里有人被困住了")).ticket
    [card] = about(number, await town.li.receives())
    assert "社区待办" in card.text

    await town.later(minutes=23)
    [reminder] = about(number, await town.li.receives())
    assert reminder.text.startswith(f"【紧急·电梯困人】{number}"), reminder.text
    assert "还没有人接单" in reminder.text and "转派" in [b.label for b in reminder.buttons]

    await town.later(minutes=8)
    [again] = about(number, await town.li.receives())
    assert again.text.startswith(f"【紧急·电梯困人】{number}"), again.text
    assert "超过接单时限" in again.text and "电梯里有人被困住了" in again.text
    told = [p.text for p in await visitor.receives()]
    assert any(number in said and "催" in said for said in told), told

    await town.later(hours=1)
    assert about(number, await town.li.receives()) == [], "each step once"
    [ticket] = await town.tickets_of("visitor")
    assert ticket.grid_id is None and ticket.status == "received"
    taken = await town.li.says(f"转派 {number} 赵网格员")
    assert "赵网格员" in taken.text, taken.text


async def test_an_emergency_with_no_grid_taken_in_time_is_not_chased(town: Town) -> None:
    number = (await town.person("visitor").says("楼道里冒烟了")).ticket
    await town.li.receives()
    await town.li.says(f"转派 {number} 赵网格员")
    await town.li.receives()
    # Taken by the worker himself (接单): given to him, it would still be chased.
    await town.zhao.says(f"接单 {number}")
    await town.later(minutes=40)
    assert about(number, await town.li.receives()) == []
    assert about(number, await town.zhao.receives())[0].text.startswith("【转派给您】")
