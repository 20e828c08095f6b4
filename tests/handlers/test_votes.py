"""Voting in chat, as residents do it: a tap or a word, again, in private or in the group."""

from __future__ import annotations

from sqlalchemy import text

from tests.kit import Town


async def _cast_at(town: Town, name: str) -> object:
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text(
                "SELECT v.cast_at FROM poll_voters v JOIN residents r ON r.id = v.resident_id"
                " WHERE r.name = :name"
            ),
            {"name": name},
        )
        return rows.scalar_one()


async def test_the_same_choice_again_is_said_to_stand_and_changes_nothing(town: Town) -> None:
    """A second tap on 赞成 was answered “已改票” — as if something had changed."""
    await town.li.says("开启投票 小区是否加装电梯 法定:0%")
    [invited] = await town.zhang.receives()
    first = await town.zhang.taps("赞成", invited)
    assert "已记录您对 P1 的投票：赞成" in first and "已投 1/" in first, first.text
    cast_at = await _cast_at(town, "张阿姨")

    town.clock.advance(minutes=10)
    tapped = await town.zhang.taps("赞成", invited)
    assert tapped.text == ("您在 P1 已经投过「赞成」了，不用重复投。截止前还可以改票。")
    typed = await town.zhang.says("赞成")
    assert "已经投过「赞成」" in typed and "已改票" not in typed, typed.text
    assert await _cast_at(town, "张阿姨") == cast_at, "nothing was written"
    status = await town.zhang.says("投票情况 P1")
    assert "已投 1/" in status and "赞成 1，反对 0" in status, status.text

    asked = await town.zhang.says("反对")  # a bare word over her vote is asked about
    assert "要改成「反对」吗" in asked, asked.text
    changed = await town.zhang.taps("改成反对", asked)
    assert "已改票" in changed and "反对" in changed, changed.text
    status = await town.zhang.says("投票情况 P1")
    assert "已投 1/" in status and "赞成 0，反对 1" in status, status.text


async def test_an_anonymous_vote_cast_again_says_neither_changed_nor_the_same(
    town: Town,
) -> None:
    """Cast again, an anonymous ballot was answered “已改票” also when nothing changed.
    Saying “the same as before” instead would keep (in the message's record, the web
    chat's history, a late WeChat answer) something that depends on the choice: the
    answer is one sentence for both, with no choice in it."""
    await town.li.says("开启投票 是否同意养犬公约 匿名 法定:0%")
    assert "匿名票已投出" in await town.zhang.says("反对")
    assert "匿名票已投出" in await town.liu.says("赞成")

    repeated = await town.zhang.says("投票 P1 反对", mid="zhang-again")
    changed = await town.liu.says("投票 P1 反对", mid="liu-again")
    assert repeated.text == changed.text, "a repeat and a change read the same"
    assert "已改票" not in repeated and "以最后一次的选择为准" in repeated, repeated.text
    assert "反对" not in repeated and "赞成" not in repeated, repeated.text
    async with town.bot.uow() as uow:
        kept = [
            (await uow.inbound.get("web", who, mid))
            for who, mid in (("zhang", "zhang-again"), ("liu", "liu-again"))
        ]
    assert all(k is not None for k in kept)
    assert kept[0].reply == kept[1].reply  # type: ignore[union-attr]

    closed = await town.li.says("结束投票 P1")  # two votes: participation only
    assert "参与 2 人，不足 5 人" in closed and "反对" not in closed, closed.text


async def test_a_vote_typed_in_the_group_is_answered_to_the_voter_alone(town: Town) -> None:
    """“反对” typed in the residents' group was answered in the group: everyone saw the
    receipt (a named poll's says the choice). Now it is for the voter alone, as a tap on
    the poll's button already was; the group hears nothing of it."""
    await town.li.says("开启投票 是否同意养犬公约 法定:0%", in_group=True)
    await town.group.new()
    typed = await town.zhang.says("反对", in_group=True)
    assert typed.private and "已记录您对 P1 的投票：反对" in typed, typed
    again = await town.zhang.says("投票 P1 反对", in_group=True, addressed=True)
    assert again.private and "已经投过「反对」" in again, again
    refused = await town.xiaochen.says("赞成", in_group=True)  # not verified: told privately
    assert refused.private and "认证居民身份" in refused, refused
    assert await town.group.new() == []

    await town.li.says("开启投票 是否同意更换物业 匿名 法定:0%", in_group=True)
    await town.group.new()
    secret = await town.liu.says("投票 P2 赞成", in_group=True)
    assert secret.private and "匿名票已投出" in secret and "赞成" not in secret, secret
    assert await town.group.new() == []
    draft = await town.wang.says("3号楼2单元的楼道灯坏了", in_group=True, addressed=True)
    assert draft.private and "确认提交" in draft.labels, "drafted in his own chat"
    aside = await town.wang.says("投票 P2 反对", in_group=True)
    assert aside.private and "草稿" not in aside, "no draft waits in the group"
    assert "请确认" in await town.wang.says("继续"), "the draft waits in his own chat"
    assert await town.group.new() == []
    status = await town.zhang.says("投票情况 P1", in_group=True, addressed=True)
    assert not status.private, "what the poll stands at is the group's to see"
