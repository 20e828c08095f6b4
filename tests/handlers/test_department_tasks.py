"""社区吹哨、部门报到 in chat: a department's contact (孙科长, 街道环卫所) finds the tickets
sent to his department under 我的任务, the longest waiting first, and reports on them with
the two things a department may do: 处理中 and 办结."""

from __future__ import annotations

from kernel.messages import Reply
from tests.kit import Speaker, Town


async def _filed(who: Speaker, words: str) -> str:
    draft = await who.says(words)
    assert "请确认" in draft, draft.text
    return (await who.taps("确认提交", draft)).ticket


def _about(number: str, replies: list[Reply]) -> Reply:
    [found] = [r for r in replies if number in r.text]
    return found


async def test_a_department_lists_and_acts_on_the_tickets_sent_to_it(town: Town) -> None:
    rubbish = await _filed(town.liu, "5号楼门口垃圾好几天没人清了")
    town.clock.advance(hours=1)
    lamp = await _filed(town.zhang, "3号楼楼道灯坏了好几天了")
    town.clock.advance(hours=1)
    bins = await _filed(town.zhang, "3号楼垃圾桶满了没人清运，味道很大")
    await town.zhao.says(f"接单 {rubbish}")
    await town.wang.says(f"接单 {lamp}")
    await town.wang.says(f"接单 {bins}")
    assert (await town.sun.says("我的任务")).text == "目前没有转到本部门的诉求。"

    await town.later(hours=73)  # past every resolution limit: sent to the departments
    pushed = _about(rubbish, await town.sun.receives())
    assert pushed.text.startswith("【部门报到】") and [b.label for b in pushed.buttons] == [
        "处理中",
        "办结",
    ]
    tasks = await town.sun.says("我的任务")
    header, *cards = tasks.replies
    assert header.text == "转到本部门的诉求（2 件，等得最久的在前）：", header.text
    assert [c.text.split("｜")[0] for c in cards] == [
        f"{rubbish}（已超期）",
        f"{bins}（已超期）",
    ], "oldest first, overdue marked; 公共设施 (the lamp) is 街道城建办's"
    assert "环境卫生｜5号楼" in cards[0].text and "5号楼门口垃圾好几天没人清了" in cards[0].text
    assert [(b.label, b.data) for b in cards[0].buttons] == [
        ("处理中", f"处理中 {rubbish}"),
        ("办结", f"办结 {rubbish}"),
    ]
    for name in ("刘大爷", "张阿姨", "139", "138"):
        assert name not in tasks.text, "the department sees the problem, not who reported it"

    asked = await town.sun.taps("处理中", Reply(cards[0].text, buttons=cards[0].buttons))
    assert "进展" in asked, asked.text
    done = await town.sun.says("已安排环卫车明早清运")
    assert done.text.startswith(f"已更新 {rubbish} 的进展"), done.text
    [told] = [p for p in await town.liu.receives() if "已安排环卫车明早清运" in p.text]
    assert "孙科长" in told.text
    resolved = await town.sun.says(f"办结 {bins} 已清运，垃圾桶已清洗")
    assert resolved.text.startswith(f"{bins} 已办结"), resolved.text
    assert [p for p in await town.zhang.receives() if f"{bins} 已办结" in p.text]

    after = await town.sun.says("我的任务")
    assert rubbish in after and bins not in after, after.text
    for refused in (f"处理中 {lamp} 已联系", f"办结 {lamp} 修好了"):
        assert "不在您手上" in await town.sun.says(refused), "another department's ticket"
    staff_only = (f"上报 {rubbish} 忙不过来", f"延期 {rubbish} 24小时 等车", f"接单 {rubbish}")
    for command in staff_only:
        assert "需要网格员、社区工作者身份" in await town.sun.says(command), command


async def test_the_help_of_a_department_says_what_it_can_do(town: Town) -> None:
    helped = await town.sun.says("帮助")
    assert "【职能部门】" in helped and "“我的任务”查看转到本部门的诉求" in helped, helped.text
    assert "诉求：处理中 R20261122-0007 [进展说明]｜办结 R20261122-0007 [处理结果]｜我的任务" in (
        helped
    ), helped.text
    assert "【职能部门】" not in await town.wang.says("帮助")


async def test_the_grid_worker_holding_a_ticket_hears_what_the_department_did(
    town: Town,
) -> None:
    """赵网格员 took 刘大爷's rubbish, it went past its limit to 街道环卫所: what 孙科长 says
    and does to it reaches 赵网格员 too, in a short line; his own moves don't echo back."""
    rubbish = await _filed(town.liu, "5号楼门口垃圾好几天没人清了")
    await town.zhao.says(f"接单 {rubbish}")
    await town.zhao.says(f"处理中 {rubbish} 联系了保洁，人手不够")
    await town.later(hours=73)
    assert not [p for p in await town.zhao.receives() if "【部门进展】" in p.text], "his own"
    await town.sun.receives()  # 【部门报到】

    await town.sun.says(f"处理中 {rubbish} 已安排环卫车明早清运")
    [heard] = await town.zhao.receives()
    assert heard.text == f"【部门进展】{rubbish} 街道环卫所孙科长：已安排环卫车明早清运", heard.text
    assert not heard.buttons

    await town.sun.says(f"办结 {rubbish} 已清运，门口已冲洗")
    [heard] = await town.zhao.receives()
    assert heard.text == (
        f"【部门办结】{rubbish} 已由街道环卫所孙科长办结：已清运，门口已冲洗。已请居民评价。"
    ), heard.text
    assert await town.sun.receives() == [], "the department is answered, not pushed"
