"""落实 names who carries a decision out: they are told what, by when and how to report,
the topic's proposer hears who carries it out, and the owner reports progress on their
own decision (only theirs)."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.kit import Town


async def _passed(town: Town, opening: str) -> str:
    """李书记 opens ``opening``, four neighbours vote 赞成, he closes it: the decision (D…)."""
    opened = await town.li.says(opening)
    poll = re.search(r"P\d+", opened.text)
    assert poll, opened.text
    for person in (town.zhang, town.liu, town.wang, town.chen):
        await person.says("赞成")
    closed = await town.li.says(f"结束投票 {poll.group(0)}")
    decision = re.search(r"D\d+", closed.text)
    assert decision and "通过" in closed, closed.text
    return decision.group(0)


async def _decided_topic(town: Town) -> str:
    """张阿姨's topic T1, accepted, voted through: its decision."""
    await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")
    return await _passed(town, "开启投票 T1")


async def test_the_owner_is_told_and_the_proposer_hears_who_carries_it_out(town: Town) -> None:
    ref = await _decided_topic(town)
    for person in (town.li, town.wang, town.zhang):
        await person.receives()
    assigned = await town.li.says(f"落实 {ref} 负责人 王网格员 期限 2026-12-31")
    assert assigned.text == (
        f"{ref} 已指定负责人 王网格员，期限 2026-12-31，进入落实阶段。已通知负责人和提议人。"
    ), assigned.text
    [task] = await town.wang.receives()
    assert task.text == (
        f"【落实任务】决议 {ref}“同意议题 T1《小区东门加装夜间照明》的提议”由您负责落实，"
        f"期限 2026年12月31日。有进展请发“进展 {ref} ……”，比如“进展 {ref} 已联系施工队”，"
        "会在居民群公布；全部办完请告诉社区工作者办结。"
    ), task.text
    [told] = await town.zhang.receives()
    assert told.text == (
        f"您提的议题 T1“小区东门加装夜间照明”形成的决议 {ref} 已安排落实："
        "由王网格员负责，期限 2026年12月31日。有进展会在居民群公布。"
    ), told.text
    assert await town.li.receives() == [], "the moderator was answered, not pushed"


async def test_an_owner_outside_the_register_is_left_to_the_moderator(town: Town) -> None:
    """物业公司 is nobody in the register: said so with 名册外, it is recorded by name, the
    proposer hears who carries it out, and the moderator is asked to tell the company."""
    ref = await _decided_topic(town)
    await town.zhang.receives()
    assigned = await town.li.says(f"落实 {ref} 负责人 物业公司 名册外 期限 12月31日")
    assert assigned.text == (
        f"{ref} 已指定负责人 物业公司，期限 2026-12-31，进入落实阶段。"
        "已通知提议人。“物业公司”不在居民名册里，没有给负责人发通知，请另行告知。"
    ), assigned.text
    assert [p for p in await town.zhang.receives() if "由物业公司负责" in p.text]


async def _unchanged(town: Town, ref: str) -> None:
    """The decision is as the vote left it: no owner, nobody told, nothing audited."""
    async with town.bot.uow() as uow:
        row = await uow.session.execute(
            text("SELECT status, owner, owner_id FROM decisions WHERE id = :id"),
            {"id": int(ref[1:])},
        )
        assert tuple(row.one()) == ("decided", None, None)
        audited = await uow.session.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'decision_assigned'")
        )
        assert audited.scalar_one() == 0


async def test_a_mistyped_owner_is_offered_the_names_alike_and_nothing_changes(
    town: Town,
) -> None:
    ref = await _decided_topic(town)
    for person in (town.wang, town.zhang):
        await person.receives()
    typo = await town.li.says(f"落实 {ref} 负责人 王网格圆 期限 2026-12-31")
    async with town.bot.uow() as uow:
        found = await uow.session.execute(
            text("SELECT name, id FROM residents WHERE name IN ('王网格员', '赵网格员')")
        )
        ids = {name: rid for name, rid in found.all()}
    wang_id, zhao_id = ids["王网格员"], ids["赵网格员"]
    assert typo.text == (
        "名册里没有叫“王网格圆”的人，没有指定负责人。"
        f"名字相近的有：#{wang_id} 王网格员（1号楼1单元）、#{zhao_id} 赵网格员（6号楼2单元）。"
        f"是其中一位的话请用编号指定，比如“落实 {ref} 负责人 #编号”；"
        "负责人不在名册里（比如物业公司）的话，在名字后面加“名册外”："
        f"落实 {ref} 负责人 王网格圆 名册外。"
    ), typo.text
    nobody = await town.li.says(f"落实 {ref} 负责人 钱师傅")
    assert nobody.text.startswith("名册里没有叫“钱师傅”的人，没有指定负责人。请核对名字"), (
        nobody.text
    )
    await _unchanged(town, ref)
    assert await town.wang.receives() == [] and await town.zhang.receives() == []

    picked = await town.li.says(f"落实 {ref} 负责人 #{wang_id} 期限 2026-12-31")
    assert picked.text.startswith(f"{ref} 已指定负责人 王网格员，"), picked.text
    [task] = await town.wang.receives()
    assert task.text.startswith(f"【落实任务】决议 {ref}"), task.text


async def test_namesakes_are_listed_apart_and_the_one_meant_is_picked_by_number(
    town_on_both: Town,
) -> None:
    """Three 王芳 in the register: where each lives tells two apart; the two of 3号楼2单元
    are told apart by their masked phones. Nobody is picked until the moderator says which."""
    from consultation.residents import rows_from, save_row

    town = town_on_both
    ref = await _decided_topic(town)
    await town.zhang.receives()
    async with town.bot.uow() as uow:
        rows = rows_from(
            [
                "name,phone,building,unit,room,verified",
                "王芳,13811112222,3号楼,2单元,101,是",
                "王芳,13933334444,5号楼,1单元,202,是",
                "王芳,13755556666,3号楼,2单元,402,是",
            ]
        )
        ids = [(await save_row(uow, row, actor="test"))[0].id for row in rows]
    asked = await town.li.says(f"落实 {ref} 负责人 王芳")
    a, b, c = ids
    assert asked.text == (
        f"名册里有 3 位“王芳”：#{a} 王芳（3号楼2单元，138****2222）、#{b} 王芳（5号楼1单元）、"
        f"#{c} 王芳（3号楼2单元，137****6666）。没有指定负责人，请用编号再指定一次，"
        f"比如“落实 {ref} 负责人 #编号”。"
    ), asked.text
    assert "13811112222" not in asked.text
    await _unchanged(town, ref)
    picked = await town.li.says(f"落实 {ref} 负责人 #{b}")
    assert picked.text.startswith(f"{ref} 已指定负责人 王芳，进入落实阶段。"), picked.text
    async with town.bot.uow() as uow:
        row = await uow.session.execute(
            text("SELECT owner, owner_id FROM decisions WHERE id = :id"), {"id": int(ref[1:])}
        )
        assert tuple(row.one()) == ("王芳", b)


async def test_the_owner_reports_progress_on_his_own_decision_only(town: Town) -> None:
    mine = await _decided_topic(town)
    await town.li.says(f"落实 {mine} 负责人 王网格员 期限 2026-12-31")
    theirs = await _passed(town, "开启投票 是否同意更换小区路灯")
    await town.li.says(f"落实 {theirs} 负责人 赵网格员")
    await town.group.new()

    reported = await town.wang.says(f"进展 {mine} 已联系施工队，下周安装")
    assert reported.text == f"已记录 {mine} 的进展。", reported.text
    [shown] = await town.group.new()
    assert f"【决议进展 {mine}】" in shown.text and "已联系施工队，下周安装" in shown.text
    for who, ref in ((town.wang, theirs), (town.zhao, mine), (town.zhang, mine)):
        refused = await who.says(f"进展 {ref} 已经办好了")
        assert refused.text.startswith(f"{ref} 的负责人不是您。"), refused.text
    assert await town.group.new() == [], "nobody else's progress was published"
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, after FROM audit_log WHERE action = 'decision_progress'")
        )
        [(actor, after)] = rows.all()
        wang = await uow.session.execute(text("SELECT id FROM residents WHERE name = '王网格员'"))
        wang_id = wang.scalar_one()
    assert actor == f"resident:{wang_id}" and "by_owner" in str(after), (actor, after)
