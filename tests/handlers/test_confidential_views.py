"""A confidential category (邻里纠纷) as each person sees it, by the one rule
(consultation/confidentiality.py): the people handling it — a grid worker, a department's
contact — see neither the complainant's name nor his home's room number, anywhere in
chat (the pushed task, a ticket looked up, 我的任务, the morning digest); they see the
building and unit and the other party's room, where they go to settle it. A moderator
sees it whole, and so does the complainant."""

from __future__ import annotations

from storage.tickets import DepartmentRepository
from tests.kit import Town

#: 刘大爷's registered home (the demo's register): the room that would give him away.
HOME_ROOM = "102"


async def _dispute(town: Town) -> str:
    """刘大爷 (5号楼1单元102) reports his upstairs neighbour, as the tester did."""
    asked = await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    assert "对方是几号楼几室" in asked, asked.text
    card = await town.liu.says("5号楼1单元202")
    assert "位置：5号楼1单元102室" in card, "the complainant sees his own home"
    filed = await town.liu.taps("确认提交", card)
    return filed.ticket


def _hidden(text: str) -> None:
    assert "刘大爷" not in text and f"{HOME_ROOM}室" not in text, text
    assert "5号楼1单元102" not in text, text


async def test_the_grid_worker_sees_neither_the_complainants_name_nor_his_room(
    town: Town,
) -> None:
    """The tester: the task pushed to 赵网格员 read 位置：5号楼1单元102室 … 反映人：刘大爷."""
    number = await _dispute(town)
    [task] = await town.zhao.receives()
    assert task.text.startswith(f"【新诉求】{number}"), task.text
    _hidden(task.text)
    assert "位置：5号楼1单元（门牌号保密）" in task.text, task.text
    assert "对方是几号楼几室：5号楼1单元202" in task.text, "where the worker goes"
    assert "反映人：（保密）" in task.text

    looked_up = await town.zhao.says(number)
    assert "邻里纠纷" in looked_up and "5号楼1单元（门牌号保密）" in looked_up, looked_up.text
    _hidden(looked_up.text)
    tasks = await town.zhao.says("我的任务")
    assert number in tasks and "5号楼1单元（门牌号保密）" in tasks, tasks.text
    _hidden(tasks.text)

    await town.zhao.taps("接单", task)
    await town.liu.receives()
    more = await town.liu.says(number)  # the complainant sees his own ticket whole
    assert "5号楼1单元102室" in more, more.text


async def test_the_moderator_sees_it_whole(town: Town) -> None:
    number = await _dispute(town)
    await town.zhao.receives()
    looked_up = await town.li.says(number)
    assert "5号楼1单元102室" in looked_up, looked_up.text
    listing = await town.li.says("所有诉求")
    assert number in listing and "5号楼1单元102室" in listing, listing.text


async def test_the_morning_digest_withholds_the_room(town: Town) -> None:
    number = await _dispute(town)
    await town.zhao.receives()
    await town.later(hours=23)  # the next morning, 08:30 and after
    digests = [p for p in await town.zhao.receives() if number in p.text]
    assert digests, "赵网格员's digest lists the dispute"
    [digest] = digests
    assert "5号楼1单元（门牌号保密）" in digest.text, digest.text
    _hidden(digest.text)


async def test_a_department_sent_the_dispute_sees_no_complainant(town: Town) -> None:
    """Past its resolution limit the dispute goes to 司法所 (社区吹哨、部门报到)."""
    async with town.bot.uow() as uow:
        sun = next(r for r in await uow.residents.with_role("department") if r.name == "孙科长")
        assert sun.id is not None
        await uow.get(DepartmentRepository).add_member("司法所", sun.id)
        await uow.commit()
    number = await _dispute(town)
    await town.zhao.receives()
    await town.later(days=12)  # 120 working hours and more
    pushed = [p for p in await town.sun.receives() if number in p.text]
    assert pushed and pushed[0].text.startswith("【部门报到】"), [p.text for p in pushed]
    _hidden(pushed[0].text)
    assert "5号楼1单元（门牌号保密）" in pushed[0].text, pushed[0].text
    tasks = await town.sun.says("我的任务")
    assert number in tasks, tasks.text
    _hidden(tasks.text)
