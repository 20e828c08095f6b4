"""A place needs a building, a unit or a known landmark: a sentence that only says
something happened at a door ("他家狗天天在我门口拉屎") names none, so the draft asks
where (a visitor with no address) or takes the resident's registered home. The tester's
dispute was filed with 位置 "家狗天天在我门口"."""

from __future__ import annotations

import pytest

from consultation.ticket_parsing import parse_place
from tests.kit import Town

ASK = "问题在哪里"


@pytest.mark.parametrize(
    "said",
    [
        "跟邻居吵架了 他家狗天天在我门口拉屎",
        "对门老是把垃圾堆在我家门口",
        "楼上那家天天在我们门口抽烟 烟味熏得受不了",
        "隔壁的电动车老停在我家旁边充电",
    ],
)
async def test_a_door_in_a_sentence_is_no_place_and_the_draft_asks(
    model_town: Town, said: str
) -> None:
    visitor = model_town.person("visitor")
    asked = await visitor.says(said)
    for _ in range(3):  # the category or the other party, if asked first
        if "请确认" in asked or ASK in asked:
            break
        if "对方是几号楼几室" in asked:
            asked = await visitor.says("不知道")
        elif asked.labels:
            asked = await visitor.taps(asked.labels[0], asked)
    assert ASK in asked and "位置：" not in asked, asked.text


async def test_the_registered_home_is_the_place_of_a_residents_dispute(
    model_town: Town,
) -> None:
    town = model_town
    asked = await town.liu.says("跟邻居吵架了 他家狗天天在我门口拉屎")
    card = await town.liu.says("5号楼1单元202") if "对方是几号楼几室" in asked else asked
    assert "位置：5号楼1单元102室" in card, card.text
    assert "家狗" not in card.text.split("问题：")[0], card.text


@pytest.mark.parametrize(
    ("said", "spot"),
    [
        ("东门门口的井盖松了", "东门"),
        ("快递驿站旁边堆满了纸箱", "快递驿站旁边"),
        ("幸福路路口的红绿灯坏了", "幸福路路口"),
        ("超市门口有个坑", "超市门口"),
    ],
)
def test_a_named_landmark_is_still_a_place(said: str, spot: str) -> None:
    assert parse_place(said).spot == spot
