"""社区吹哨、部门报到 in the 工作台: 孙科长 (街道环卫所) does on his department's tickets what he
does in chat — 处理中 and 办结, through the same service, audited as him — and a form
forged for another department's ticket is refused with an HTTP error, changing nothing."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.console.conftest import login_with, token_in
from tests.kit import Speaker, Town


async def _filed(who: Speaker, words: str) -> str:
    draft = await who.says(words)
    return (await who.taps("确认提交", draft)).ticket


async def _trail(town: Town, number: str) -> list[tuple[str, str]]:
    async with town.bot.uow() as uow:
        return [(e.actor, e.action) for e in await uow.audit.for_entity("ticket", number)]


async def test_a_department_reports_and_resolves_its_tickets_in_the_workbench(
    town: Town, served: TestClient
) -> None:
    rubbish = await _filed(town.liu, "5号楼门口垃圾好几天没人清了")
    lamp = await _filed(town.zhang, "3号楼楼道灯坏了好几天了")
    await town.zhao.says(f"接单 {rubbish}")
    await town.wang.says(f"接单 {lamp}")
    await town.later(hours=73)  # past the limits: each sent to its category's department
    await town.liu.receives()

    sun = await login_with(served, token_in((await town.sun.says("工作台")).text))
    status, page = await sun.page(f"/console/tickets/{rubbish}")
    assert status == 200 and "街道环卫所" in page
    assert f'action="/console/tickets/{rubbish}/progress"' in page, "处理中 is offered"
    assert f'action="/console/tickets/{rubbish}/resolve"' in page, "办结 is offered"
    assert "/accept" not in page and "/assign" not in page, "the grid's and community's own"

    status, page = await sun.post(
        f"/console/tickets/{rubbish}/progress", note="已安排环卫车明早清运"
    )
    assert status == 200 and "进展已记录" in page, page
    [told] = [p for p in await town.liu.receives() if "已安排环卫车明早清运" in p.text]
    assert "孙科长" in told.text
    heard = [p.text for p in await town.zhao.receives() if p.text.startswith("【部门进展】")]
    assert heard == [f"【部门进展】{rubbish} 街道环卫所孙科长：已安排环卫车明早清运"], heard
    status, page = await sun.post(f"/console/tickets/{rubbish}/resolve", note="已清运，门口已冲洗")
    assert status == 200 and "已办结" in page, page
    assert [p for p in await town.liu.receives() if f"{rubbish} 已办结" in p.text]

    # 刘大爷 is not satisfied: it goes back to 街道环卫所, which resolved it, to act on again.
    reopened = await town.liu.says(f"不满意 {rubbish}")
    assert "已重新交办" in reopened, reopened.text
    status, page = await sun.page(f"/console/tickets/{rubbish}")
    assert status == 200 and "/progress" in page and "/resolve" in page

    async with town.bot.uow() as uow:
        sun_id = next(r.id for r in await uow.residents.with_role("department"))
    trail = await _trail(town, rubbish)
    assert (f"resident:{sun_id}", "ticket_progress") in trail, trail
    assert (f"resident:{sun_id}", "ticket_resolved") in trail, trail

    # 街道城建办's lamp is not his: a form posted for it by hand is refused, and nothing moves.
    before = await _trail(town, lamp)
    for action, note in (("progress", "已联系"), ("resolve", "修好了")):
        status, page = await sun.post(f"/console/tickets/{lamp}/{action}", note=note)
        assert status == 404 and f"没有找到诉求 {lamp}，或者您无权查看" in page, (action, page)
    status, _ = await sun.post(f"/console/tickets/{rubbish}/accept")
    assert status == 403, "taking a ticket stays with the grid"
    assert await _trail(town, lamp) == before
    assert not [p for p in await town.zhang.receives() if "已联系" in p.text or "修好了" in p.text]
