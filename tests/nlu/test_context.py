from __future__ import annotations

import pytest

from kernel.intents import Intent
from nlu.context import interpret_in_context, parse_confirm


@pytest.mark.parametrize(
    ("text", "expected", "intent", "slots"),
    [
        ("同意", "vote", Intent.VOTE, {"choice": "yes"}),
        ("不同意！", "vote", Intent.VOTE, {"choice": "no"}),
        ("弃权吧", "vote", Intent.VOTE, {"choice": "abstain"}),
        ("A和C", "vote", Intent.VOTE, {"choices": ["A", "C"]}),
        ("2", "vote", Intent.VOTE, {"choices": ["2"]}),
        ("P3 赞成👍", "vote", Intent.VOTE, {"poll": "P3", "choice": "yes"}),
        ("满意", "rating", Intent.FEEDBACK, {"rating": "satisfied"}),
        ("滿意", "rating", Intent.FEEDBACK, {"rating": "satisfied"}),
        ("★★", "rating", Intent.FEEDBACK, {"rating": "unsatisfied", "score": 2, "score_max": 5}),
        ("3栋", "location", Intent.REPORT_ISSUE, {"building": "3"}),
        ("在东门", "location", Intent.REPORT_ISSUE, {"place": "东门"}),
        (
            "3号楼2单元301",
            "location",
            Intent.REPORT_ISSUE,
            {"building": "3", "unit": "2", "room": "301"},
        ),
        ("我赞成加装电梯", "vote", Intent.VOTE, {"choice": "yes"}),
        ("挺不错的", "rating", Intent.FEEDBACK, {"rating": "satisfied"}),
        ("非常满意，师傅很负责", "rating", Intent.FEEDBACK, {"rating": "satisfied"}),
        ("就在3号楼楼下", "location", Intent.REPORT_ISSUE, {"building": "3", "place": "楼下"}),
        ("好的", "confirm", Intent.OTHER, {"confirm": True}),
        ("对对对", "confirm", Intent.OTHER, {"confirm": True}),
        ("是的👌", "confirm", Intent.OTHER, {"confirm": True}),
        ("确认", "confirm", Intent.OTHER, {"confirm": True}),
        ("不对", "confirm", Intent.OTHER, {"confirm": False}),
        ("取消吧", "confirm", Intent.OTHER, {"confirm": False}),
        ("不是", "confirm", Intent.OTHER, {"confirm": False}),
    ],
)
def test_expected_answers(
    text: str, expected: str, intent: Intent, slots: dict[str, object]
) -> None:
    result = interpret_in_context(text, expected)
    assert result is not None
    assert result.intent is intent
    assert result.confidence == 1.0
    assert result.slots == slots


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼下垃圾好几天没人收", "vote"),
        ("今天天气不错", "rating"),
        ("谢谢", "location"),
        ("对不起我刚才发错了", "confirm"),
        ("是不是要开会了", "confirm"),
        ("东门那家包子铺很好吃", "location"),
        ("我赞成", "rating"),
        ("同意是同意，不过我想先问问物业费到底怎么分摊，还有一楼的住户怎么补偿", "vote"),
    ],
)
def test_non_answers_fall_through(text: str, expected: str) -> None:
    assert interpret_in_context(text, expected) is None


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError):
        interpret_in_context("好", "mood")


def test_parse_confirm_direct() -> None:
    assert parse_confirm("ok") is True
    assert parse_confirm("no") is False
    assert parse_confirm("随便聊聊") is None


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("修好了 谢谢", "satisfied"),
        ("灯修好了，谢谢", "satisfied"),
        ("下水道通了，好用了", "satisfied"),
        ("漏水问题解决了 太感谢了", "satisfied"),
        ("还是漏", "unsatisfied"),
        ("修了跟没修一样", "unsatisfied"),
    ],
)
def test_after_a_rating_prompt_words_about_the_fix_are_feedback(text: str, rating: str) -> None:
    """A rating prompt makes 修好了 谢谢 a rating, whatever the words alone would say."""
    result = interpret_in_context(text, "rating")
    assert result is not None and result.intent is Intent.FEEDBACK
    assert result.slots["rating"] == rating


@pytest.mark.parametrize(
    "text", ["谢谢", "楼上又开始装修了，吵死了", "灯修好了，但是楼道的门还是坏的，什么时候修"]
)
def test_thanks_alone_or_a_new_problem_is_no_rating(text: str) -> None:
    assert interpret_in_context(text, "rating") is None
