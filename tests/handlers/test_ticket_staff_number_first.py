"""A grid worker's message that starts with the number of a ticket he can act on is about
that ticket. The walk: 赵网格员, holding a ticket, wrote "R… 水阀已经关了 物业在修" and was
asked to confirm a new 物业服务 complaint at his own flat; "R… 办好了" and
"r… 接单" were then added to that draft."""

from __future__ import annotations

from tests.kit import Town


async def _reported(town: Town, text: str) -> str:
    """小陈 (7号楼, 第二网格) reports; 赵网格员 gets the card."""
    await town.xiaochen.says(text)
    filed = await town.xiaochen.says("确认提交")
    if "通知您" in filed:
        filed = await town.xiaochen.says("要")
    await town.zhao.receives()
    return filed.ticket


async def _zhao_holds(town: Town) -> str:
    number = await _reported(town, "7号楼3单元楼道水管漏水了，地上都是水")
    assert "已接单" in await town.zhao.says(f"接单{number}")
    await town.xiaochen.receives()
    return number


async def test_a_note_written_number_first_is_progress_the_reporter_is_told(
    town: Town,
) -> None:
    number = await _zhao_holds(town)
    done = await town.zhao.says(f"{number} 水阀已经关了 物业在修")
    assert f"已更新 {number} 的进展，居民已收到通知。" in done, done.text
    assert "请确认" not in done.text
    told = [p.text for p in await town.xiaochen.receives()]
    assert f"{number} 处理进展：水阀已经关了 物业在修（赵网格员）" in told, told
    assert not await town.tickets_of("zhao"), "no complaint of his own"


async def test_done_written_number_first_is_resolve_asking_for_the_result(town: Town) -> None:
    number = await _zhao_holds(town)
    asked = await town.zhao.says(f"{number} 办好了")
    assert "请简单说明处理结果" in asked, asked.text
    assert "已办结" in await town.zhao.says("换了新水阀，地面清理了")
    [rate] = [p for p in await town.xiaochen.receives() if "请您评价" in p.text]
    assert "换了新水阀，地面清理了" in rate.text
    again = await _zhao_holds(town)
    resolved = await town.zhao.says(f"{again} 处理好了，管子接上了")
    assert f"{again} 已办结" in resolved, resolved.text


async def test_take_written_number_first_in_lower_case_is_take(town: Town) -> None:
    number = await _reported(town, "7号楼3单元楼道水管漏水了，地上都是水")
    taken = await town.zhao.says(f"{number.lower()} 接单")
    assert f"已接单 {number}" in taken, taken.text


async def test_number_first_goes_to_the_ticket_while_his_own_draft_waits(town: Town) -> None:
    number = await _zhao_holds(town)
    draft = await town.zhao.says("6号楼2单元门口的路灯不亮了")
    assert "请确认" in draft or "确认提交" in draft, draft.text
    done = await town.zhao.says(f"{number} 水阀已经关了 物业在修")
    assert "已更新" in done, done.text
    assert "水阀" not in (await town.zhao.says("确认提交")).text


async def test_a_question_number_first_is_still_a_question(town: Town) -> None:
    number = await _zhao_holds(town)
    asked = await town.zhao.says(f"{number} 怎么样了")
    assert "已更新" not in asked.text and number in asked, asked.text
    assert not await town.xiaochen.receives()
