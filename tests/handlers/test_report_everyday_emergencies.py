"""Emergencies said in everyday words are emergencies. The walk (an outside walk, the
private chat, 张阿姨 and 刘大爷 in the demo) had "电梯里好像还关着个人在喊呢" and "3号楼电梯
关着人了" drafted as ordinary 电梯 reports, "楼上家里在冒黑烟" asked "这属于哪一类问题？",
"有小孩卡在防盗窗上了" drafted as 治安消防 — no advice, no urgent ticket — and, said after
刘大爷's 5号楼 电梯 draft, the trapped person became item ② of "您说了两件事". Now each is
told what to do at once and filed urgent unasked; said during a draft about the same lift,
it is that lift's emergency, its place said back to be corrected. Ordinary words that look
like one (电梯门关不上, 烟头乱扔, a barbecue's smoke: 环境, not fire) are drafted as before."""

from __future__ import annotations

import pytest

from kernel.texts import t
from tests.kit import Town

LIU_LIFT = (
    "喂 那个我跟你说啊就是我们5号楼那个电梯啊又坏了我老伴腿脚不好上不去楼"
    "你们能不能赶紧找人来修一下啊谢谢啊"
)

EVERYDAY_EMERGENCIES = [
    # The walk's own words.
    ("电梯里好像还关着个人在喊呢", "lift"),
    ("3号楼电梯关着人了", "lift"),
    ("楼上家里在冒黑烟", "fire"),
    ("有小孩卡在防盗窗上了", "trapped"),
    # Lifts: someone shut in, calling out, stuck in it.
    ("电梯关了个老人 快来人", "lift"),
    ("3号楼电梯停了 有人在里面喊", "lift"),
    ("喂 那个 电梯里啊 有人在喊救命呢", "lift"),
    ("我妈困在电梯里了", "lift"),
    ("有人卡在电梯里了", "lift"),
    # Fire: smoke, flames, a burning smell.
    ("楼道里烟很大", "fire"),
    ("对面楼窗户冒着黑烟呢", "fire"),
    ("看到楼下车库有火苗", "fire"),
    ("哦对了 闻到一股烧焦味 好像是楼下", "fire"),
    ("有人在楼道抽烟 烟头把纸箱点着了", "fire"),
    ("楼下烧烤摊着火了", "fire"),
    # Gas.
    ("楼道里一股煤气味", "gas"),
    ("厨房有一股气味 好像是燃气", "gas"),
    # Someone caught or hanging at a window, its grille or a balcony.
    ("有个孩子挂在阳台外面", "trapped"),
    ("那个 有个小孩啊 悬在窗户外面", "trapped"),
    ("阳台外面挂着个孩子", "trapped"),
    # Someone collapsed.
    ("楼下有个大爷 啊 倒在地上了", "hurt"),
    ("我老伴叫不醒了", "hurt"),
    ("花园里有人晕过去了", "hurt"),
]


@pytest.mark.parametrize(("words", "kind"), EVERYDAY_EMERGENCIES)
async def test_an_emergency_in_everyday_words_is_advised_and_filed_urgent(
    town: Town, words: str, kind: str
) -> None:
    urgent = await town.zhang.says(words)
    first, *_ = urgent.replies
    assert first.text.startswith(t(f"emergency.{kind}")), urgent.text
    assert "已按紧急诉求受理" in urgent and "请确认" not in urgent, urgent.text
    assert "这属于哪一类问题" not in urgent and urgent.labels == [], urgent.labels
    [ticket] = await town.tickets_of("zhang")
    assert ticket.urgent and ticket.description in words  # a 喂 before it left out
    [task] = await town.wang.receives()  # 3号楼 (her home, or named): 第一网格
    assert task.text.startswith(f"【新诉求】{ticket.number}（紧急）"), task.text


ORDINARY = [
    "电梯门关不上",
    "电梯门老是关着 上不了楼",
    "电梯关了人都上不去",
    "电梯里有人叫外卖 电梯门老被卡着",
    "楼道里有人乱扔烟头",
    # A barbecue stall's smoke is a matter for 环境, not a fire.
    "楼下有个冒烟的烧烤摊 呛死了",
    "饭店油烟太大 窗户都不敢开",
    "有人在楼道抽烟 烟很大",
    "楼道堆满杂物 有火灾隐患",
    "煤气灶打不着火了",
    "垃圾房一股气味",
    "风筝卡在防盗窗上了",
    "孩子的衣服挂在防盗窗上了 够不着",
    "垃圾桶倒在地上没人扶",
]


@pytest.mark.parametrize("words", ORDINARY)
async def test_ordinary_words_that_look_like_an_emergency_are_no_alarm(
    town: Town, words: str
) -> None:
    answer = await town.zhang.says(words)
    advice = [t(f"emergency.{k}") for k in ("lift", "trapped", "fire", "gas", "hurt")]
    assert not any(a in answer.text for a in advice), answer.text
    assert "紧急" not in answer, answer.text
    assert await town.tickets_of("zhang") == []
    assert await town.wang.receives() == []


@pytest.mark.parametrize(
    ("then", "kind"),
    [
        ("哦对了电梯里好像还关着个人在喊呢", "lift"),
        ("对了 里面还困着人呢", "trapped"),
        ("哎 电梯里有人在喊救命", "lift"),
    ],
)
async def test_an_emergency_said_after_a_lift_draft_is_that_lifts_emergency(
    model_town: Town, then: str, kind: str
) -> None:
    """Not item ② of "您说了两件事": filed at once, urgent, at the lift the draft was about
    (5号楼, not 刘大爷's home), said back; "不是5号楼，是6号楼" moves it there."""
    town = model_town
    draft = await town.liu.says(LIU_LIFT)
    assert "请确认" in draft and "位置：5号楼" in draft, draft.text
    urgent = await town.liu.says(then)
    assert urgent.replies[0].text.startswith(t(f"emergency.{kind}")), urgent.text
    assert "两件事" not in urgent and urgent.labels == [], urgent.text
    number = urgent.ticket
    assert f"已按紧急诉求受理，编号 {number}" in urgent, urgent.text
    assert "地点先按 5号楼 记下了，如果不是5号楼，请马上告诉我在哪儿。" in urgent, urgent.text
    [ticket] = await town.tickets_of("liu")
    assert ticket.urgent and ticket.building == "5号楼" and ticket.category == "公共设施"
    assert ticket.description.endswith(then), ticket.description
    [task] = await town.zhao.receives()  # 5号楼: 第二网格
    assert task.text.startswith(f"【新诉求】{number}（紧急）"), task.text

    moved = await town.liu.says("不是5号楼，是6号楼")
    assert f"{number} 的地点已改为 6号楼" in moved, moved.text
    [ticket] = await town.tickets_of("liu")
    assert ticket.building == "6号楼"


async def test_an_ordinary_word_after_a_lift_draft_is_no_emergency(model_town: Town) -> None:
    town = model_town
    await town.liu.says(LIU_LIFT)
    more = await town.liu.says("哦对了电梯门也关不上")
    assert "紧急" not in more and "96333" not in more, more.text
    assert await town.tickets_of("liu") == []
