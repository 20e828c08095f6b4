"""A topic taken to its consultation day, and what its requeue audited: shared by the
tests of decisions and of anonymous polls' minimum."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.kit import Town


async def on_the_agenda_and_met(town: Town) -> None:
    """T1 (陈委员's) qualifies, goes on M202612's agenda, and the meeting begins."""
    await town.li.says("创建议事日")
    await town.chen.says("我想提个议题：3号楼东侧空地改成停车位，晚上回来经常没地方停")
    await town.chen.says("确认提交")
    assert "T1 已通过审核" in await town.li.says("审核 T1 通过")
    await town.liu.says("附议 T1")
    assert "排进 M202612 议程" in await town.li.says("议程 M202612 T1 30分钟")
    town.clock.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 10:00 on the day


async def requeued(town: Town) -> list[tuple[str, dict[str, object], dict[str, object]]]:
    async with town.bot.uow() as uow:
        entries = await uow.audit.for_entity("topic", "T1")
    found = [e for e in entries if e.action == "topic_requeued"]
    return [(e.actor, e.before or {}, e.after or {}) for e in found]
