"""认证 in chat: a moderator verifies a resident after checking who and where they are;
recorded with who and when, the resident is told, and can then co-sign and vote."""

from __future__ import annotations

from sqlalchemy import text

from tests.kit import Town


async def test_a_moderator_verifies_a_resident_who_can_then_vote(town: Town) -> None:
    refused = await town.xiaochen.says("报名")
    assert "身份证" in refused and "绑定码" not in refused, refused.text
    code = await town.li.says("生成绑定码 小陈")
    assert "还没认证" in code and "认证 小陈" in code, code.text
    done = await town.li.says("认证 小陈")
    assert "已认证小陈" in done, done.text
    [told] = await town.xiaochen.receives()
    assert "居民身份已经认证" in told.text
    again = await town.li.says("认证 小陈")
    assert "已经认证过了" in again
    await town.li.says("开启投票 是否同意加装电梯")
    voted = await town.xiaochen.says("赞成")
    assert "已记录您对 P1 的投票" in voted, voted.text
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, before, after FROM audit_log WHERE action = 'resident_verified'")
        )
        [(actor, before, after)] = rows.all()
        li = await uow.session.execute(text("SELECT id FROM residents WHERE name = '李书记'"))
    assert actor == f"resident:{li.scalar_one()}", "recorded with who"
    assert "false" in str(before).lower() and "true" in str(after).lower()


async def test_only_a_moderator_verifies(town: Town) -> None:
    refused = await town.zhang.says("认证 小陈")
    assert "已认证" not in refused
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(text("SELECT verified FROM residents WHERE name = '小陈'"))
        assert rows.scalar_one() in (False, 0)
