"""The router end to end on a real database: commands, intents, flows, duplicates, roles."""

from __future__ import annotations

import asyncio

from bot.app import Yishi
from bot.router import HandlerRegistry, normalise
from handlers import default_handlers
from kernel.intents import Intent
from tests.conftest import Clock
from tests.kit import say


async def test_help_command_lists_what_a_resident_can_do(yishi: Yishi) -> None:
    [reply] = await say(yishi, "帮助")
    assert "反映问题" in reply.text and "投票" in reply.text
    assert [b.label for b in reply.buttons][:1] == ["反映问题"]


async def test_help_shows_staff_sections_by_role(yishi: Yishi) -> None:
    [moderator] = await say(yishi, "/help", sender="li")
    [worker] = await say(yishi, "菜单", sender="wang")
    assert "【社区工作者】" in moderator.text and "【网格员】" not in moderator.text
    assert "【网格员】" in worker.text and "【社区工作者】" not in worker.text


async def test_unverified_resident_is_told_how_to_verify(yishi: Yishi) -> None:
    [reply] = await say(yishi, "帮助", sender="xiaochen")
    assert "认证" in reply.text


async def test_unknown_slash_command_gets_a_clear_answer(yishi: Yishi) -> None:
    [reply] = await say(yishi, "/frobnicate now")
    assert "/frobnicate" in reply.text and "帮助" in reply.text


async def test_empty_and_oversized_messages_are_answered_not_stored(yishi: Yishi) -> None:
    [empty] = await say(yishi, "   ")
    [long] = await say(yishi, "灯" * 10_000)
    assert "没有输入内容" in empty.text
    assert "太长" in long.text or "有点长" in long.text


async def test_every_intent_reaches_its_handler(yishi: Yishi) -> None:
    # Each answer is the handler's own (a generic error reply would not do), from a
    # resident with nothing open: no ticket, no topic collecting co-signs, no meeting
    # or poll yet.
    expected = {
        "我报的事有人管吗": "您还没有反映过问题",
        "我想提个议题": "请用一两句话说说您想提的议题",
        "我支持这个议题": "目前没有正在征集附议的议题",
        "报名": "下一次协商议事日还没排定",
        "议事日几点": "一般在每月第一个周六 09:30举行",
        "投票": "现在没有进行中的投票",
        "满意": "您目前没有待评价的诉求",
    }
    for text, answer in expected.items():
        [reply] = await say(yishi, text)
        assert answer in reply.text, (text, reply.text)
        await say(yishi, "取消")  # the next message starts afresh


def test_every_intent_but_other_has_a_handler() -> None:
    served = HandlerRegistry(default_handlers()).intents
    assert {i for i in Intent if i not in served} == {Intent.OTHER}  # other: "didn't understand"


async def test_emoji_and_other_scripts_are_handled(yishi: Yishi) -> None:
    for text in ("👍👍", "سلام", "Привет", "𠀀𠀁", "\u200b\u0000"):
        replies = await say(yishi, text)
        assert replies and replies[0].text


async def test_full_width_digits_are_folded() -> None:
    assert normalise("３号楼\u0007") == "3号楼"


async def test_invisible_characters_are_dropped_and_line_breaks_kept() -> None:
    assert normalise("楼道\u200b灯坏了\ufeff") == "楼道灯坏了"  # zero-width, byte-order mark
    assert normalise("3号楼\n2单元\t东侧\u00a0门口") == "3号楼\n2单元\t东侧\u00a0门口"
    assert normalise("议事日什么时候") == "议事日什么时候"


async def test_duplicate_delivery_has_its_effect_once(yishi: Yishi) -> None:
    await say(yishi, "楼道灯坏了", mid="m1")
    await say(yishi, "3号楼2单元", mid="m2")
    first = await say(yishi, "确认提交", mid="m3")
    again = await say(yishi, "确认提交", mid="m3")
    assert first == again
    await yishi.push.drain()
    async with yishi.uow() as uow:
        pushes = await uow.pushes.for_chat("web", "wang")
    assert len(pushes) == 1, "the grid worker is told once"


async def test_concurrent_duplicates_have_one_effect(yishi: Yishi) -> None:
    await say(yishi, "楼道灯坏了", mid="c1")
    await say(yishi, "3号楼", mid="c2")
    results = await asyncio.gather(*(say(yishi, "确认提交", mid="c3") for _ in range(5)))
    assert all(r == results[0] for r in results)
    async with yishi.uow() as uow:
        assert len(await uow.pushes.for_chat("web", "wang")) == 1


async def test_conversation_expires(yishi: Yishi, clock: Clock) -> None:
    await say(yishi, "我要反映问题")
    clock.advance(minutes=31)
    [reply] = await say(yishi, "路灯不亮")
    assert "请确认" in reply.text and "路灯不亮" in reply.text, "a fresh draft, not the old one"


async def test_cancel_ends_a_conversation(yishi: Yishi) -> None:
    await say(yishi, "我要反映问题")
    [reply] = await say(yishi, "取消")
    assert "已取消" in reply.text
    [again] = await say(yishi, "取消")
    assert "没有进行中" in again.text


async def test_group_chatter_is_ignored_unless_addressed(yishi: Yishi) -> None:
    assert await say(yishi, "今天天气不错", chat="group:main", group=True) == []
    replies = await say(
        yishi, "@议事通 今天天气不错", chat="group:main", group=True, addressed=True
    )
    assert replies and "没太明白" in replies[0].text


async def test_audit_records_who_submitted(yishi: Yishi) -> None:
    await say(yishi, "垃圾没人清", mid="a1")
    await say(yishi, "东门", mid="a2")
    [filed] = await say(yishi, "确认", mid="a3")
    number = filed.text.split("诉求编号 ")[1][:14]
    async with yishi.uow() as uow:
        [entry] = await uow.audit.for_entity("ticket", number)
    assert entry.actor.startswith("resident:") and entry.action == "ticket_filed"


async def test_chinese_punctuation_is_kept_as_typed() -> None:
    assert normalise("Ｔ１２，好的！ＡＢ") == "T12，好的！AB"


async def test_after_commit_hook_runs_only_when_something_changed(yishi: Yishi) -> None:
    calls: list[dict[str, bool]] = []
    yishi.router.on_commit = lambda **kw: calls.append(kw)
    await say(yishi, "帮助")
    await say(yishi, "路灯不亮了")  # a draft: only the conversation changes
    assert calls == [], "read-only messages wake neither the push sender nor the scheduler"
    await say(yishi, "3号楼")
    await say(yishi, "确认提交")
    assert calls and calls[-1] == {"pushed": True}


async def test_unverified_resident_is_told_how_to_get_verified(yishi: Yishi) -> None:
    [reply] = await say(yishi, "附议 T1", sender="xiaochen")
    assert "认证居民身份" in reply.text and "身份证" in reply.text and "绑定码" not in reply.text
    [report] = await say(yishi, "楼道灯坏了", sender="xiaochen")
    assert "认证" not in report.text, "reporting a problem needs no verification"
