"""“处理进展要通知您吗？”: asked of someone not bound to a resident, once. The answer is
kept with their account, so their next report goes by it; the words the question's
buttons send, typed (with a slip) or 确认提交 typed there, act like the buttons.

Transcripts on the demo community (tests/kit.py); the visitor is a web chat browser that
never sent 绑定.
"""

from __future__ import annotations

from storage.models import PlatformIdentity
from tests.kit import Town

QUESTION = "处理进展要通知您吗？"


async def test_the_answer_is_remembered_for_the_next_report(town: Town) -> None:
    """The tester's walk: 要，通知我 then 取消, and the next report asked again."""
    visitor = town.person("w-5a1f0c3e9b2d7d95")
    await visitor.says("楼道灯坏了")
    asked = await visitor.says("3号楼")
    assert QUESTION in asked and asked.labels == ["要，通知我", "不用了"], asked.text
    card = await visitor.taps("要，通知我", asked)
    assert "请确认" in card, card.text
    assert "已取消" in await visitor.says("取消")

    card = await visitor.says("东门的垃圾桶满了没人清")
    assert QUESTION not in card and "请确认" in card, card.text
    filed = await visitor.taps("确认提交", card)
    assert "不接收通知" not in filed, filed.text
    await town.wang.says(f"接单 {filed.ticket}")
    told = await visitor.receives()
    assert any(filed.ticket in p.text for p in told), [p.text for p in told]


async def test_no_is_remembered_too_and_said_when_filed(town: Town) -> None:
    visitor = town.person("w-00000000000000aa")
    await visitor.says("楼道灯坏了")
    asked = await visitor.says("3号楼")
    await visitor.taps("不用了", asked)
    first = await visitor.says("确认提交")
    assert "您选择了不接收通知" in first, first.text

    card = await visitor.says("5号楼门口的路灯不亮了")
    assert QUESTION not in card and "请确认" in card, card.text
    second = await visitor.says("确认提交")
    assert "您选择了不接收通知" in second and second.ticket != first.ticket, second.text
    await town.zhao.says(f"接单 {second.ticket}")
    assert await visitor.receives() == []
    async with town.bot.uow() as uow:
        [entry] = await uow.audit.for_entity("identity", "web:w-00000000000000aa")
        identity = await uow.identities.ensure("web", "w-00000000000000aa")
    assert identity.wants_updates is False
    assert entry.after is not None and entry.action == "updates_preference_set"
    assert (entry.actor, entry.before, entry.after["wants_updates"]) == (
        "web:w-00000000000000aa",
        {"wants_updates": None},
        False,
    )


async def test_typed_button_words_at_the_question_act_like_the_buttons(town: Town) -> None:
    """确认提交 typed at the question asked it again; a button's word typed with one
    character wrong was not understood."""
    visitor = town.person("w-00000000000000bb")
    await visitor.says("楼道灯坏了")
    assert QUESTION in await visitor.says("3号楼")
    card = await visitor.says("确认提交")
    assert QUESTION not in card and "请确认" in card, card.text
    filed = await visitor.says("确认提交")
    assert "不接收通知" not in filed, filed.text
    async with town.bot.uow() as uow:
        identity = await uow.identities.ensure("web", "w-00000000000000bb")
    assert identity.wants_updates is None, "going on is not an answer to remember"

    await visitor.says("东门的垃圾桶满了没人清")
    slipped = await visitor.says("耀，通知我")  # 要 typed as 耀 (yao)
    assert QUESTION not in slipped and "请确认" in slipped, slipped.text
    async with town.bot.uow() as uow:
        identity = await uow.identities.ensure("web", "w-00000000000000bb")
    assert identity.wants_updates is True
    assert isinstance(identity, PlatformIdentity)


async def quiet_visitor(town: Town, who: str) -> str:
    """A visitor who answered 不用了 and filed 3号楼's lamp: the ticket's number."""
    visitor = town.person(who)
    await visitor.says("楼道灯坏了")
    asked = await visitor.says("3号楼")
    await visitor.taps("不用了", asked)
    filed = await visitor.says("确认提交")
    assert "您选择了不接收通知" in filed and filed.labels == ["开启通知"], filed.text
    return filed.ticket


async def test_notices_switched_back_on_in_words_reach_the_open_ticket(town: Town) -> None:
    """Once 不用了, there was no way back: "我要接收通知" was not understood. Now it is
    kept with the account and on the ticket still open, audited, and said in one line."""
    who = "w-00000000000000cc"
    number = await quiet_visitor(town, who)
    visitor = town.person(who)
    on = await visitor.says("我要接收通知")
    assert on.text == (
        f"好的，已开启通知，{number} 和以后反映的问题有进展都会发给您。不想收的话发“关闭通知”。"
    ), on.text
    await town.wang.says(f"接单 {number}")
    told = await visitor.receives()
    assert any(number in p.text for p in told), [p.text for p in told]

    card = await visitor.says("东门的垃圾桶满了没人清")
    assert QUESTION not in card and "请确认" in card, card.text
    filed = await visitor.says("确认提交")
    assert "不接收通知" not in filed, filed.text
    async with town.bot.uow() as uow:
        kept = await uow.audit.for_entity("identity", f"web:{who}")
        on_ticket = await uow.audit.for_entity("ticket", number)
    assert [e.after["wants_updates"] for e in kept if e.after] == [False, True]
    assert [e.actor for e in on_ticket if e.action == "ticket_updates_on"] == [f"web:{who}"]


async def test_the_button_under_the_quiet_filing_switches_them_on(town: Town) -> None:
    who = "w-00000000000000dd"
    visitor = town.person(who)
    await visitor.says("楼道灯坏了")
    asked = await visitor.says("3号楼")
    await visitor.taps("不用了", asked)
    filed = await visitor.says("确认提交")
    on = await visitor.taps("开启通知", filed)
    assert "已开启通知" in on and filed.ticket in on, on.text
    again = await visitor.says("开启通知")
    assert again.text == (
        "通知本来就是开着的，您反映的问题有进展会发给您。不想收的话发“关闭通知”。"
    ), again.text
    await town.wang.says(f"接单 {filed.ticket}")
    assert any(filed.ticket in p.text for p in await visitor.receives())


async def test_switching_notices_on_says_how_to_switch_them_off(town: Town) -> None:
    """开启通知 said what it did but not how to undo it: each of its answers names 关闭通知,
    and that undoes it."""
    who = "w-00000000000000ef"
    visitor = town.person(who)
    await visitor.says("我要接收通知")
    first = await visitor.says("开启通知")
    assert "不想收的话发“关闭通知”" in first, first.text
    number = await quiet_visitor(town, "w-00000000000000f0")
    quiet = town.person("w-00000000000000f0")
    on = await quiet.says("开启通知")
    assert number in on and "不想收的话发“关闭通知”" in on, on.text
    off = await quiet.says("关闭通知")
    assert "已关闭通知" in off, off.text


async def test_help_says_how_to_switch_notices_on(town: Town) -> None:
    assert "开启通知" in await town.person("w-00000000000000ee").says("帮助")


async def test_switching_notices_on_in_the_group_is_answered_privately(town: Town) -> None:
    """The answer names the sender's tickets: never shown to the group."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    on = await town.zhang.says("开启通知", in_group=True, addressed=True)
    assert on.private and "通知本来就是开着的" in on, on.text
    assert number not in on.text
