"""转派 as staff type it: the worker by the name the buttons show, and the reason, which
reaches the new holder and the audit — also when the name is picked by a tap. Staff who
may no longer act on a ticket are told so in staff terms, never as a resident."""

from __future__ import annotations

from bot.demo import DEMO_REGISTER
from consultation.residents import rows_from, save_row
from storage.tickets import TicketRepository
from tests.kit import Town


async def _zhao_holds_a_ticket(town: Town) -> str:
    """刘大爷 (5号楼, 第二网格) reports a broken light; 赵网格员 takes it."""
    await town.liu.says("5号楼2单元楼道灯坏了好几天了")
    filed = await town.liu.says("确认提交")
    if "通知您" in filed:
        filed = await town.liu.says("要")
    number = filed.ticket
    assert "已接单" in await town.zhao.says(f"接单 {number}")
    await town.wang.receives()
    return number


async def _reassigned_notes(town: Town, number: str) -> list[str | None]:
    async with town.bot.uow() as uow:
        ticket = await uow.get(TicketRepository).by_number(number)
        assert ticket is not None and ticket.id is not None
        history = await uow.get(TicketRepository).history(ticket.id)
        audit = await uow.audit.for_entity("ticket", number)
    audited = [e for e in audit if e.action == "ticket_reassigned"]
    assert len(audited) == len([e for e in history if e.action == "reassigned"])
    return [e.note for e in history if e.action == "reassigned"]


async def test_a_name_and_a_reason_reach_the_new_holder(town: Town) -> None:
    number = await _zhao_holds_a_ticket(town)
    done = await town.zhao.says(f"转派 {number} 王网格员 这边是第一网格管的灯")
    assert "已转派给王网格员" in done, done.text
    [card] = await town.wang.receives()
    assert "转派给您" in card.text and "这边是第一网格管的灯" in card.text, card.text
    assert await _reassigned_notes(town, number) == ["这边是第一网格管的灯"]


async def test_an_unknown_name_gets_the_buttons_and_keeps_the_reason(town: Town) -> None:
    number = await _zhao_holds_a_ticket(town)
    pick = await town.zhao.says(f"转派 {number} 钱网格员 这边是第一网格管的灯")
    assert "钱网格员" in pick and "这边是第一网格管的灯" in pick, pick.text
    assert "王网格员" in pick.labels
    done = await town.zhao.taps("王网格员", pick)
    assert "已转派给王网格员" in done, done.text
    [card] = await town.wang.receives()
    assert "这边是第一网格管的灯" in card.text, card.text
    assert await _reassigned_notes(town, number) == ["这边是第一网格管的灯"]


async def test_a_surname_alone_names_the_one_worker(town: Town) -> None:
    number = await _zhao_holds_a_ticket(town)
    done = await town.zhao.says(f"转派 {number} 王 灯归第一网格")
    assert "已转派给王网格员" in done, done.text
    assert await _reassigned_notes(town, number) == ["灯归第一网格"]


async def test_the_help_shows_the_name_form(town: Town) -> None:
    shown = await town.wang.says("帮助")
    assert "转派 R20261122-0007 [王网格员 原因]" in shown, shown.text
    assert "网格员编号" not in shown.text


async def test_staff_who_handed_a_ticket_on_are_told_so_in_staff_terms(town: Town) -> None:
    number = await _zhao_holds_a_ticket(town)
    await town.zhao.says(f"转派 {number} 王网格员 这边是第一网格管的灯")
    again = await town.zhao.says(f"转派 {number} 5")
    assert "已转给王网格员处理" in again, again.text
    assert "您反映或关注" not in again.text
    looked = await town.zhao.says(number)
    assert "已转给王网格员处理" in looked and "您反映或关注" not in looked.text, looked.text


async def test_another_grids_ticket_is_named_by_its_grid_only(town: Town) -> None:
    number = await _zhao_holds_a_ticket(town)
    looked = await town.wang.says(number)
    assert "不在您的网格" in looked and "第二网格" in looked, looked.text
    assert "您反映或关注" not in looked.text
    assert "楼道灯" not in looked.text and "刘大爷" not in looked.text


async def test_a_name_two_workers_share_offers_those_two_with_the_reason(town: Town) -> None:
    header = DEMO_REGISTER.splitlines()[0]
    wang_jianguo = "王建国,13600001111,2号楼,1单元,102,G01,第一网格,是,grid_worker,"
    async with town.bot.uow() as uow:
        [row] = rows_from([header, wang_jianguo])
        await save_row(uow, row, actor="test")
    number = await _zhao_holds_a_ticket(town)
    pick = await town.zhao.says(f"转派 {number} 王 灯归第一网格")
    assert "不止一位" in pick and "灯归第一网格" in pick, pick.text
    assert sorted(pick.labels) == ["王建国", "王网格员"], pick.labels
    done = await town.zhao.taps("王建国", pick)
    assert "已转派给王建国" in done, done.text
    assert await _reassigned_notes(town, number) == ["灯归第一网格"]
