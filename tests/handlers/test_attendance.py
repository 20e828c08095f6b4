"""Being 到会 is something the hall confirms: the moderator's 签到, or a resident's own 签到
with the sign-in code shown in the hall. A bare 签到 from the sofa made anyone an
attendee, and a 范围:到会 poll's electorate grew with them (the hall could be outvoted
from home). Each reads as a conversation on the demo community, on the meeting's day."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from storage.audit import AuditRepository
from tests.kit import Town

#: 09:20 in Shanghai on the meeting's day (M202612 starts at 09:30).
UNDER_WAY = datetime(2026, 12, 5, 1, 20, tzinfo=UTC)


async def _meeting_with_t1(town: Town) -> None:
    """M202612 with 张阿姨's T1 on its agenda; 王网格员 signed up 线上."""
    await town.li.says("创建议事日")
    await town.zhang.says("我想提个议题：3号楼停车位太少，建议把东侧空地改成停车位")
    await town.zhang.says("确认提交")
    await town.li.says("审核 T1 通过")
    await town.liu.says("附议 T1")
    assert "第 1 项" in await town.li.says("议程 M202612 T1 30分钟")
    online = await town.wang.says("线上报名")
    assert "线上报名成功" in online, online.text


async def test_a_bare_sign_in_from_home_is_no_vote_in_the_hall(one_cosign: Town) -> None:
    town = one_cosign
    await _meeting_with_t1(town)
    town.clock.now = UNDER_WAY
    assert "已为 刘大爷 签到" in await town.li.says("签到 刘大爷")
    assert "已为 张阿姨 签到" in await town.li.says("签到 张阿姨")
    opened = await town.li.says("开启投票 T1 M202612 范围:到会", in_group=True)
    assert "到会签到人员，应投 2 人" in opened, opened.text

    # 王网格员, signed up 线上, at home: attending online, which is no 到会.
    home = await town.wang.says("签到")
    assert "线上参加 M202612" in home and "签到成功" not in home, home.text
    refused = await town.wang.says("投票 P1 赞成")
    assert "只限到会签到" in refused and "已投" not in refused, refused.text

    # 赵网格员 never signed up: told how to sign in, and signed in as nothing.
    told = await town.zhao.says("签到")
    assert told.text == "请在会场找工作人员签到，或输入会场公布的签到码，比如“签到 123456”。"
    refused = await town.zhao.says("投票 P1 赞成")
    assert "只限到会签到" in refused, refused.text

    voted = await town.liu.says("投票 P1 赞成")
    assert "已投 1/2" in voted, voted.text


async def test_the_halls_code_makes_a_resident_present(one_cosign: Town) -> None:
    town = one_cosign
    await _meeting_with_t1(town)
    early = await town.li.says("签到码 M202612")
    assert "不在今天" in early, early.text
    town.clock.now = UNDER_WAY
    shown = await town.li.says("签到码 M202612")
    found = re.search(r"签到码：(\d{6})", shown.text)
    assert found and shown.private, shown.text
    pin = found.group(1)
    assert (await town.li.says("签到码 M202612")).text == shown.text  # the same all meeting

    wrong = f"{(int(pin) + 1) % 1_000_000:06d}"
    missed = await town.zhao.says(f"签到 {wrong}")
    assert "签到码不对" in missed, missed.text
    # Guessing is slowed down: after five wrong codes even the right one waits a while.
    for _ in range(4):
        assert "签到码不对" in await town.liu.says(f"签到 {wrong}")
    assert "签到码不对" in await town.liu.says(f"签到 {wrong}")
    waits = await town.liu.says(f"签到 {pin}")
    assert "过几分钟再试" in waits, waits.text
    present = await town.zhao.says(f"签到 {pin}")
    assert "签到成功" in present, present.text
    assert "已经签过到" in await town.zhao.says(f"签到 {pin}")
    # 王网格员 signed in online, then came to the hall after all: present now.
    await town.wang.says("签到")
    assert "签到成功" in await town.wang.says(f"签到 {pin}")

    opened = await town.li.says("开启投票 T1 M202612 范围:到会", in_group=True)
    assert "应投 2 人" in opened, opened.text
    assert "已投 1/2" in await town.zhao.says("投票 P1 赞成")

    # The moderator typing the code signs himself in, never a resident named 123456.
    himself = await town.li.says(f"签到 {pin}")
    assert "签到成功" in himself, himself.text

    async with town.bot.uow() as uow:
        entries = await uow.get(AuditRepository).for_entity("meeting", "M202612")
    assert any(e.action == "checkin_code_made" for e in entries)
    assert all(pin not in repr(e) for e in entries), "the code is never written down"

    town.clock.now = datetime(2026, 12, 5, 1, 35, tzinfo=UTC)  # a quarter of an hour on
    assert "签到成功" in await town.liu.says(f"签到 {pin}")

    town.clock.now = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)  # 14:00, the meeting long over
    late = await town.zhang.says(f"签到 {pin}")
    assert "只在开会期间有效" in late, late.text
