"""An emergency said again by the same person, while their urgent ticket of that kind is
open, is the same emergency — whatever was said in between ("取消", "我的诉求"): added to
that ticket, never filed again. "不用" just after one neither withdraws it nor is added to
it. Only a person trapped in a lift is that emergency: a lift that sticks is a report."""

from __future__ import annotations

from sqlalchemy import text

from nlu.dialogue import emergency_kind
from tests.kit import Town


async def notes_audited(town: Town) -> list[str]:
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT after FROM audit_log WHERE action = 'ticket_noted' ORDER BY id")
        )
        return [str(after) for (after,) in rows.all()]


# ---- 1. the same emergency, said again after something else ----------------------------------


async def test_the_same_emergency_after_cancel_or_my_tickets_goes_to_the_first_ticket(
    town: Town,
) -> None:
    """The walk: 陈委员's lift entrapment R…0014 was taken; then "取消" → the same text
    filed R…0016, "我的诉求" → R…0017, "电梯还没人来 人还困在里面" → R…0018 (placed at his
    home, 2号楼, though the lift is in 3号楼), each pushed to the grid again."""
    number = (await town.chen.says("3号楼电梯里有人被困住了")).ticket
    await town.wang.receives()
    await town.li.receives()
    await town.wang.says(f"接单 {number}")
    await town.chen.receives()

    cancelled = await town.chen.says("取消")
    assert number in cancelled and "不会撤回" in cancelled, cancelled.text

    again = await town.chen.says("3号楼电梯里有人被困住了")
    assert "96333" in again, "what to do at once still comes first"
    assert f"您说的已补充到 {number}，网格员王网格员和社区都已收到，正在赶过去" in again, again.text
    assert "已按紧急诉求受理" not in again.text
    [pushed] = await town.wang.receives()
    assert pushed.text.startswith(f"【居民补充】{number}（紧急）"), pushed.text

    mine = await town.chen.says("我的诉求")
    assert number in mine
    still = await town.chen.says("电梯还没人来 人还困在里面")
    assert f"您说的已补充到 {number}" in still and "正在赶过去" in still, still.text
    [pushed] = await town.wang.receives()
    assert "人还困在里面" in pushed.text

    [ticket] = await town.tickets_of("chen")
    assert ticket.number == number and ticket.building == "3号楼" and ticket.room is None
    assert ticket.description == "3号楼电梯里有人被困住了"
    noted = await notes_audited(town)
    assert len(noted) == 2 and "人还困在里面" in noted[1], noted


async def test_the_same_emergency_again_before_anyone_took_it_says_it_waits(
    town: Town,
) -> None:
    """Not taken yet: the repeat says who was told and that it waits to be taken — never
    "正在赶过去", never a second ticket."""
    number = (await town.liu.says("6号楼电梯困人了快来")).ticket
    await town.liu.says("取消")
    again = await town.liu.says("6号楼电梯困人了快来")
    assert f"您说的已补充到 {number}" in again and "还在等人接单" in again, again.text
    assert "正在赶过去" not in again.text
    assert len(await town.tickets_of("liu")) == 1


async def test_another_lift_or_the_same_one_hours_later_is_its_own_ticket(town: Town) -> None:
    """A lift in another building is another emergency; so is one five hours on (the
    first ticket still open but no longer "just now")."""
    first = (await town.liu.says("6号楼电梯困人了快来")).ticket
    await town.liu.says("取消")
    other = await town.liu.says("5号楼电梯里有人被困住了")
    assert other.ticket != first and "已按紧急诉求受理" in other, other.text
    await town.liu.says("取消")
    await town.later(hours=5)
    later = await town.liu.says("6号楼电梯困人了快来")
    assert later.ticket not in (first, other.ticket) and "已按紧急诉求受理" in later
    assert len(await town.tickets_of("liu")) == 3


async def test_no_thanks_just_after_an_emergency_neither_withdraws_nor_adds_to_it(
    town: Town,
) -> None:
    """The walk: 刘大爷's R…0003, then "不用" was added to it as a supplement (with the
    safety advice again). Now he is told it can't be withdrawn here, and how to say it was
    a false alarm, which is then passed on to whoever has it."""
    number = (await town.liu.says("6号楼电梯困人了快来")).ticket
    await town.zhao.receives()
    no = await town.liu.says("不用")
    assert f"{number} 是紧急诉求，不能在这里撤回" in no and "误报了" in no, no.text
    assert "96333" not in no.text and "补充到" not in no.text
    assert await notes_audited(town) == []
    assert await town.zhao.receives() == []

    false_alarm = await town.liu.says("误报了")
    assert f"已补充到 {number}" in false_alarm and "96333" not in false_alarm.text
    [told] = await town.zhao.receives()
    assert number in told.text and "误报了" in told.text
    [ticket] = await town.tickets_of("liu")
    assert ticket.status == "received", "still for a worker to check and close"


# ---- 2. a lift that sticks is no one trapped ---------------------------------------------------

STUCK_LIFTS = (
    "5号楼电梯老是卡住",
    "电梯门关不上",
    "电梯经常卡顿",
    "3号楼电梯坏了，卡在3楼不动了",
    "电梯按钮卡住了",
    "电梯里有人抽烟",
)
TRAPPED = (
    "电梯困人了",
    "6号楼电梯里有人被困住了",
    "电梯卡住了，我被关在里面了",
    "我被困在电梯里了",
    "电梯卡住了 我孙子在里面出不来",
    "电梯停在半空 里面有人",
    "有人关在电梯里了",
    "电梯还没人来 人还困在里面",
    "3号楼电梯坏了有人出不来",
)


def test_only_a_person_trapped_is_a_lift_emergency() -> None:
    assert [s for s in STUCK_LIFTS if emergency_kind(s) is not None] == []
    assert [s for s in TRAPPED if emergency_kind(s) != "lift"] == []


async def test_a_lift_that_keeps_sticking_is_drafted_as_an_ordinary_report(
    model_town: Town,
) -> None:
    """The walk: "5号楼电梯老是卡住" was filed at once as 电梯困人, urgent, with the advice
    for people trapped and no card to confirm."""
    town = model_town
    card = await town.zhang.says("5号楼电梯老是卡住")
    assert "请确认" in card and "5号楼" in card, card.text
    assert "96333" not in card.text and "紧急" not in card.text
    assert await town.tickets_of("zhang") == []
    filed = await town.zhang.taps("确认提交", card)
    [ticket] = await town.tickets_of("zhang")
    assert ticket.number == filed.ticket and not ticket.urgent and ticket.category == "公共设施"
