"""An emergency a moderator gives to a worker (分派/转派) keeps its 接单 deadline until the
worker takes it himself. The walk: 李书记 转派'd 小陈's smoke to 赵网格员, who never tapped
接单; the ticket counted as taken and nothing happened until the 办结 deadline a day later."""

from __future__ import annotations

from tests.kit import Town

SMOKE = "🔥🔥7号楼3单元楼道里冒烟了！！"


async def _given_to_zhao(town: Town) -> str:
    """小陈 (7号楼, 第二网格) reports smoke; 李书记 转派s it to 赵网格员 straight away."""
    number = (await town.xiaochen.says(SMOKE)).ticket
    await town.zhao.receives()
    await town.li.receives()
    given = await town.li.says(f"转派 {number} 赵网格员 请马上去")
    assert "赵网格员" in given, given.text
    [card] = await town.zhao.receives()
    assert "转派给您" in card.text and "接单时限" in card.text, card.text
    return number


async def test_an_emergency_given_to_a_worker_who_never_takes_it_is_chased_at_30_minutes(
    town: Town,
) -> None:
    number = await _given_to_zhao(town)
    await town.later(minutes=25)
    reminders = [p.text for p in await town.zhao.receives() if "还没有接单" in p.text]
    assert len(reminders) == 1 and "已转派给您，您还没有接单" in reminders[0], reminders
    assert number in reminders[0] and "10:30 前不接单将上报社区" in reminders[0]
    await town.later(minutes=5)
    told = [p.text for p in await town.li.receives() if "超过接单时限" in p.text]
    assert len(told) == 1 and "已转派给赵网格员，超过接单时限还没有接单" in told[0], told
    assert any("已上报社区" in p.text for p in await town.xiaochen.receives())
    # He still takes it, late: now it is his, and nothing more is chased for the response.
    taken = await town.zhao.says(f"接单 {number}")
    assert "已接单" in taken, taken.text
    assert not [k for k in await town.later(hours=1) if ":response:" in k]


async def test_a_worker_who_takes_the_given_emergency_is_not_chased_for_it(town: Town) -> None:
    number = await _given_to_zhao(town)
    taken = await town.zhao.says(f"接单 {number}")
    assert "已接单" in taken, taken.text
    assert [p for p in await town.xiaochen.receives() if "接单" in p.text]
    fired = await town.later(minutes=35)
    assert not [k for k in fired if ":response:" in k], fired
    assert not [p for p in await town.li.receives() if "超过接单时限" in p.text]


async def test_a_ticket_its_holder_took_and_handed_on_is_not_chased_for_the_response(
    town: Town,
) -> None:
    number = (await town.xiaochen.says(SMOKE)).ticket
    assert "已接单" in await town.zhao.says(f"接单 {number}")
    await town.li.says(f"转派 {number} 王网格员 他离得近")
    fired = await town.later(minutes=35)
    assert not [k for k in fired if ":response:" in k], fired


async def test_an_emergency_with_no_grid_given_to_a_worker_is_chased_until_he_takes_it(
    town: Town,
) -> None:
    number = (await town.person("visitor").says("楼道里冒烟了")).ticket
    await town.li.receives()
    await town.li.says(f"转派 {number} 赵网格员")
    await town.li.receives()
    await town.later(minutes=30)
    told = [p.text for p in await town.li.receives() if "超过接单时限" in p.text]
    assert len(told) == 1 and "已转派给赵网格员" in told[0] and number in told[0], told
