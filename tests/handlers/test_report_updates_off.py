"""关闭通知: the way back from 开启通知. A resident (bound or not) who says 关闭通知, or
"不要再通知我了", "别给我发通知了", "不用通知我", gets no more progress notices on the
tickets they filed and still open nor on their next reports — kept with the account,
audited — and is told in one line how to have them again. A danger they report is
followed up all the same, and a finished ticket is still put to them to rate: a rating
question is no progress notice.

Transcripts on the demo community (tests/kit.py); a visitor is a web chat browser that
never sent 绑定.
"""

from __future__ import annotations

import pytest

from storage.tickets import TicketRepository
from tests.kit import Town

QUESTION = "处理进展要通知您吗？"
OFF = "好的，已关闭通知"
BACK_ON = "想收的话发“开启通知”"


async def test_a_resident_turns_them_off_for_the_open_ticket_and_the_next_report(
    town: Town,
) -> None:
    """The walk: 张阿姨 said "不要再通知我了" and was told "没太明白"; the lamp's notices
    kept coming."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    off = await town.zhang.says("不要再通知我了")
    assert off.text.startswith(f"{OFF}，{number} 和以后反映的问题不再推送进展"), off.text
    assert BACK_ON in off and off.labels == ["开启通知"], off.text
    await town.zhang.receives()
    await town.wang.says(f"接单 {number}")
    await town.wang.says(f"处理中 {number} 电工下午来换")
    assert [p.text for p in await town.zhang.receives() if number in p.text] == []

    second = await town.zhang.says("东门的垃圾桶满了没人清")
    assert QUESTION not in second and "请确认" in second, second.text
    filed = await town.zhang.taps("确认提交", second)
    assert "您选择了不接收通知" in filed and filed.labels == ["开启通知"], filed.text

    async with town.bot.uow() as uow:
        [kept] = await uow.audit.for_entity("identity", "web:zhang")
        on_ticket = await uow.audit.for_entity("ticket", number)
        identity = await uow.identities.ensure("web", "zhang")
    assert identity.wants_updates is False
    assert (kept.action, kept.actor, kept.before) == (
        "updates_preference_set",
        "resident:1",  # 张阿姨, bound: the audit names the resident
        {"wants_updates": None},
    )
    assert kept.after is not None and kept.after["wants_updates"] is False
    assert [e.actor for e in on_ticket if e.action == "ticket_updates_off"] == ["resident:1"]

    # 开启通知 takes it all back: both tickets are told of their progress again.
    on = await town.zhang.taps("开启通知", off)
    assert "已开启通知" in on and number in on and filed.ticket in on, on.text
    await town.wang.says(f"办结 {number} 灯已换好")
    assert any(number in p.text for p in await town.zhang.receives())


@pytest.mark.parametrize("words", ["关闭通知", "别给我发通知了", "不用通知我", "通知就不用了"])
async def test_a_visitor_turns_them_off_in_their_own_words(town: Town, words: str) -> None:
    who = "w-0000000000000f01"
    visitor = town.person(who)
    await visitor.says("楼道灯坏了")
    asked = await visitor.says("3号楼")
    await visitor.taps("要，通知我", asked)
    number = (await visitor.says("确认提交")).ticket
    off = await visitor.says(words)
    assert off.text.startswith(f"{OFF}，{number}"), off.text
    await visitor.receives()
    await town.wang.says(f"接单 {number}")
    assert await visitor.receives() == []

    card = await visitor.says("东门的垃圾桶满了没人清")
    assert QUESTION not in card and "请确认" in card, card.text
    assert "您选择了不接收通知" in await visitor.says("确认提交")
    again = await visitor.says("关闭通知")
    assert again.text.startswith("通知本来就是关着的") and BACK_ON in again, again.text


@pytest.mark.parametrize(
    ("words", "quiet"),
    [("别给我发通知了", True), ("不用通知我", True), ("关闭通知", True), ("还是通知我吧", False)],
)
async def test_said_to_the_question_they_are_its_answer(
    town: Town, words: str, quiet: bool
) -> None:
    """At "处理进展要通知您吗？" these words answer it (the draft goes on to its card); they
    were asked the question again, or answered beside the draft ("草稿还在")."""
    who = "w-0000000000000f02"
    visitor = town.person(who)
    await visitor.says("楼道灯坏了")
    assert QUESTION in await visitor.says("3号楼")
    card = await visitor.says(words)
    assert "请确认" in card and "草稿还在" not in card and QUESTION not in card, card.text
    filed = await visitor.says("确认提交")
    assert ("您选择了不接收通知" in filed) is quiet, filed.text
    async with town.bot.uow() as uow:
        identity = await uow.identities.ensure("web", who)
    assert identity.wants_updates is (not quiet)


async def test_a_bare_no_keeps_its_meaning(town: Town) -> None:
    """A bare "不用" names no notices: alone, or after the rating's invitation to comment, it is
    what it was, and the notices stay as they were."""
    number, ask = await resolved_for(town)
    rated = await town.zhang.taps("满意", ask)
    assert "想补充意见" in rated, rated.text
    closing = await town.zhang.says("不用了")
    assert OFF not in closing.text and "关闭通知" not in closing.text, closing.text
    bare = await town.zhang.says("不用")
    assert OFF not in bare.text, bare.text
    async with town.bot.uow() as uow:
        identity = await uow.identities.ensure("web", "zhang")
        tk = await uow.get(TicketRepository).by_number(number)
    assert identity.wants_updates is None and tk is not None and tk.wants_updates


async def resolved_for(town: Town) -> tuple[str, object]:
    """张阿姨's lamp, taken and fixed by 王网格员: its number and the rating question."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.later(hours=1)  # the filing's own dialogue is over
    await town.wang.says(f"接单 {number}")
    await town.wang.says(f"办结 {number} 灯已换好")
    [ask] = [p for p in await town.zhang.receives() if "请您评价" in p.text]
    return number, ask


async def test_the_rating_question_still_comes_and_a_danger_is_followed(town: Town) -> None:
    """Chosen: a finished ticket is still put to the resident to rate (once, at the end),
    and a danger they report — before or after 关闭通知 — is followed up as it goes."""
    danger = await town.zhang.says("3号楼电梯里有人被困住了")
    urgent = danger.ticket
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    off = await town.zhang.says("关闭通知")
    assert number in off and urgent not in off.text, off.text
    assert "办结时会请您评价一次" in off and "紧急情况照常通知" in off, off.text
    await town.zhang.receives()

    await town.wang.says(f"接单 {urgent}")
    assert any(urgent in p.text for p in await town.zhang.receives()), "a danger is followed"
    again = await town.zhang.says("5号楼楼道里着火了 有烟")
    await town.zhang.receives()
    await town.zhao.says(f"接单 {again.ticket}")
    assert any(again.ticket in p.text for p in await town.zhang.receives())

    await town.later(hours=1)
    await town.wang.says(f"接单 {number}")
    assert await town.zhang.receives() == []
    await town.wang.says(f"办结 {number} 灯已换好")
    [ask] = await town.zhang.receives()
    assert "请您评价" in ask.text and number in ask.text, ask.text
    rated = await town.zhang.says("满意")
    assert f"谢谢您的评价（满意）！{number} 已归档" in rated, rated.text


async def test_said_in_the_group_it_is_answered_privately(town: Town) -> None:
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    off = await town.zhang.says("不要再通知我了", in_group=True, addressed=True)
    assert off.private and number in off and OFF in off, off.text
    assert all(number not in p.text for p in await town.group.all())


async def test_help_says_how_to_turn_them_off_and_on(town: Town) -> None:
    for who in ("zhang", "w-0000000000000f03"):
        said = (await town.person(who).says("帮助")).text
        assert "关闭通知" in said and "开启通知" in said, said


async def test_a_draft_that_turns_out_a_danger_is_followed(town: Town) -> None:
    """A report begun after 关闭通知 (to be filed quiet, as said) becomes an emergency: the
    urgent ticket is followed up all the same."""
    visitor = town.person("w-0000000000000f04")
    await visitor.says("关闭通知")
    card = await visitor.says("3号楼的电梯坏了")
    assert "请确认" in card and QUESTION not in card, card.text
    danger = await visitor.says("电梯里有人被困住了")
    number = danger.ticket
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and tk.urgent and "电梯坏了" in tk.description, tk
    await visitor.receives()
    await town.wang.says(f"接单 {number}")
    assert any(number in p.text for p in await visitor.receives())


async def test_said_while_a_draft_waits_it_counts_for_that_draft(town: Town) -> None:
    """关闭通知 said beside a draft (its card shown): the draft, filed next, is quiet too —
    the reply said "以后反映的问题不再推送进展"."""
    card = await town.zhang.says("3号楼2单元的楼道灯坏了")
    off = await town.zhang.says("不要再通知我了")
    assert off.text.startswith(OFF) and "草稿还在" in off, off.text
    filed = await town.zhang.taps("确认提交", card)
    assert "您选择了不接收通知" in filed, filed.text
    await town.wang.says(f"接单 {filed.ticket}")
    assert await town.zhang.receives() == []
