"""What a message is on its own (nlu.dialogue): cancels, emergencies, small talk,
questions and English, read from the words alone."""

from __future__ import annotations

import pytest

from nlu.dialogue import (
    emergency_kind,
    from_english,
    is_cancel,
    is_question,
    says_nothing_more,
    small_talk,
    without_greeting,
)


@pytest.mark.parametrize(
    "text",
    [
        "取消",
        "算了",
        "不用了",
        "不说了",
        "先不报了",
        "搞错了",
        "不要了",
        "算了不说了",
        "算了，不说了",
        "算了吧。",
    ],
)
def test_cancelling_words(text: str) -> None:
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["算了，电梯还是坏的", "不用了的灯也坏了", "不要在楼道堆杂物"])
def test_a_report_with_a_cancel_word_in_it_is_no_cancel(text: str) -> None:
    assert not is_cancel(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2号楼电梯里困了人！快来", "lift"),
        ("电梯里有个老人出不来", "lift"),
        ("电梯困人了，快打119", "lift"),
        ("楼道里冒烟了", "fire"),
        ("有个小孩被困在阳台上了", "trapped"),
        ("3楼厨房着火了", "fire"),
        ("闻到很重的煤气味", "gas"),
        ("电线冒火花了", "electric"),
        ("楼下有个老人摔倒了起不来", "hurt"),
        ("水管爆了，水一直往屋里灌", "flood"),
        ("7号楼1单元的楼道窗户玻璃碎了 怕掉下来砸到人", "falling"),
        ("东门的广告牌松了 快掉下来了", "falling"),
        ("空调外机松了 随时会掉", "falling"),
        ("外墙瓷砖掉下来了，差点砸到人", "falling"),
        ("4号楼门口的井盖被人挪开了", "manhole"),
        ("小区东边井盖没了", "manhole"),
        ("路边少了个井盖", "manhole"),
        ("楼上高空抛物砸到车了", "hurt"),
        # Everyday words, fillers and all (the walk drafted each as an ordinary report).
        ("电梯里好像还关着个人在喊呢", "lift"),
        ("3号楼电梯关着人了", "lift"),
        ("电梯停了 里面有人在拍门", "lift"),
        ("楼上家里在冒黑烟", "fire"),
        ("楼道里烟很大", "fire"),
        ("看到窗户里有火苗", "fire"),
        ("闻到一股烧焦味", "fire"),
        ("厨房有一股气味 好像是煤气", "gas"),
        ("有小孩卡在防盗窗上了", "trapped"),
        ("阳台外面挂着个孩子", "trapped"),
        ("那个 有个小孩啊 卡在窗户上了", "trapped"),
        ("对了 里面还困着人呢", "trapped"),
        ("楼下有个老人倒在地上", "hurt"),
        ("我妈叫不醒了", "hurt"),
        ("孩子的头卡在护栏里了", "trapped"),
        ("楼道里烟很大 熏死了", "fire"),
        ("有人在阳台上放鞭炮，落在别人家遮阳棚上烧着了", "fire"),
        ("我家煤气灶打不着火了闻着还有点味儿是不是漏气了", "gas"),
    ],
)
def test_emergencies(text: str, kind: str) -> None:
    assert emergency_kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "2号楼电梯坏了",
        "3号楼2单元的楼道灯坏了好几天了",
        "电梯什么时候修好",
        "东门垃圾没人清",
        # An ordinary 井盖 or window report: nothing about to fall, no open hole.
        "5号楼门口的井盖一踩就响",
        "东门门口的井盖松了",
        "窗户关不上",
        "楼道窗户玻璃碎了",
        "楼道里的墙皮一块一块掉下来，地上都是白粉",
        # Words that look like one: no person shut in, no fire, nobody at the window.
        "电梯门关不上",
        "电梯关了人都上不去",
        "电梯里有人叫外卖",
        "烟头乱扔",
        "楼下有个冒烟的烧烤摊 呛死了",
        "有人在楼道抽烟 烟很大",
        "楼道堆满杂物 有火灾隐患",
        "煤气灶打不着火了",
        "垃圾房一股气味",
        "风筝卡在防盗窗上",
        "有人把衣服挂在阳台外面",
        "垃圾桶倒在地上",
        "这个屋里关着灯",
        "电梯坏了好几天 有人喊了物业也没人来",
        "奶奶挂在阳台的衣服被风吹跑了",
        "阳台上挂着孩子的衣服",
        "有人把剩饭倒在地上",
        "我没意识到这个问题",
        "楼下好多烟花",
        "楼下烧考的烟太大了",
        "锅炉房那边整夜冒黑烟，呛得人睁不开眼",
        "建议为独居老人安装烟雾报警器，列入议题",
        "就是我之前提交的那个电梯烧焦味的诉求显示已分派但是一直没人来",
        "我这个煤气啊点不着火了打了好几下都不着是不是煤气没了还是坏了",
    ],
)
def test_everyday_problems_are_no_emergency(text: str) -> None:
    assert emergency_kind(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("谢谢", "thanks"),
        ("谢谢你们！", "thanks"),
        ("辛苦了", "thanks"),
        ("👍", "emoji"),
        ("好的", "ack"),
        ("你们真棒", "praise"),
        ("好的，谢谢", "thanks"),
    ],
)
def test_small_talk(text: str, kind: str) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", ["你好，3号楼的灯坏了", "谢谢你们把灯修好了但是又坏了", "投2"])
def test_a_message_with_more_in_it_is_no_small_talk(text: str) -> None:
    assert small_talk(text) is None


def test_questions() -> None:
    assert is_question("物业费多少钱") and is_question("社区医院几点开门")
    assert not is_question("3号楼的灯坏了")


def test_english() -> None:
    assert from_english("Hello, the elevator in building 5 is broken") == "5号楼电梯坏了"
    assert from_english("People are trapped in the lift!") == "困人电梯"
    assert from_english("Thank you!") == "谢谢"
    assert from_english("3号楼 light broken") is None  # Chinese is read as it is
    assert from_english("ok") is None


def test_nothing_more_to_add_in_the_words_people_use() -> None:
    for text in ("没有", "没了", "不用了", "没有了，谢谢", "没有。", "就这样", "算了"):
        assert says_nothing_more(text), text
    for text in ("没有修好", "灯还是不亮", "谢谢", "没有人来"):
        assert not says_nothing_more(text), text


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("你好 我们楼7号楼1单元的楼道窗户玻璃碎了", "我们楼7号楼1单元的楼道窗户玻璃碎了"),
        ("您好，在吗？5号楼电梯坏了", "5号楼电梯坏了"),
        ("请问一下 东门的灯什么时候修", "东门的灯什么时候修"),
        ("麻烦问一下，东门的灯坏了", "东门的灯坏了"),
        ("网格员你好！灯坏了", "灯坏了"),
        ("喂，灯坏了", "灯坏了"),
        ("喂猫的人太多了", "喂猫的人太多了"),
        ("麻烦你们看看5号楼的灯", "麻烦你们看看5号楼的灯"),
        ("你好", "你好"),
    ],
)
def test_greetings_before_what_is_said_are_left_out(text: str, rest: str) -> None:
    assert without_greeting(text) == rest
