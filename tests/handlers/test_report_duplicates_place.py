"""A draft is offered an open ticket to follow only when both are in the same building
(or, with no building, at the same spot) AND about the same thing. The walk: 刘大爷's
"6号楼门口的路灯杆歪了" was offered 4号楼门口的井盖, and "2号楼门口的路面塌了一个坑" was
offered 6号楼门口的路灯杆: different buildings, and 门口 says where, not what."""

from __future__ import annotations

from tests.kit import Answer, Speaker, Town

OFFERED = "已有人反映"


async def filed(who: Speaker, said: str) -> str:
    card = await who.says(said)
    assert "请确认" in card, card.text
    done = await who.taps("确认提交", card)
    if "通知您" in done:
        done = await who.says("要")
    return done.ticket


def offered(answer: Answer) -> bool:
    return OFFERED in answer or "您已经反映过" in answer


async def test_the_walk_other_buildings_by_the_same_door_are_not_offered(
    model_town: Town,
) -> None:
    town = model_town
    await filed(town.liu, "4号楼门口的路灯坏了，晚上黑漆漆的")
    pole = await town.zhang.says("6号楼门口的路灯杆歪了")
    assert not offered(pole) and "位置：6号楼门口" in pole, pole.text
    await town.zhang.taps("确认提交", pole)
    road = await town.chen.says("2号楼门口的路面塌了一个坑")
    assert not offered(road) and "位置：2号楼门口" in road, road.text


async def test_the_same_thing_in_the_same_building_is_still_offered(model_town: Town) -> None:
    town = model_town
    number = await filed(town.liu, "6号楼门口的路灯杆歪了")
    again = await town.zhang.says("6号楼门口那根路灯杆歪得厉害")
    assert f"{OFFERED} {number}" in again, again.text


async def test_the_same_door_of_the_same_building_about_another_thing_is_not(
    model_town: Town,
) -> None:
    town = model_town
    await filed(town.liu, "6号楼门口的路灯杆歪了")
    road = await town.zhang.says("6号楼门口的路面塌了一个坑")
    assert not offered(road), road.text


async def test_a_spot_with_no_building_matches_only_the_same_spot_and_thing(
    model_town: Town,
) -> None:
    town = model_town
    number = await filed(town.liu, "东门的路灯坏了")
    same = await town.zhang.says("东门路灯不亮了")
    assert f"{OFFERED} {number}" in same, same.text
    await town.zhang.says("取消")
    gate = await town.zhang.says("东门的门禁坏了")
    assert not offered(gate), gate.text
    await town.zhang.says("取消")
    in_building = await town.zhang.says("5号楼东门的路灯坏了")
    assert not offered(in_building), in_building.text
