"""Where a sentence about a topic stands: only explicit words co-sign."""

from __future__ import annotations

import pytest

from nlu.stance import disagrees, explicit_cosign, withdraws_cosign


@pytest.mark.parametrize(
    "text",
    [
        "附议 T3",
        "我附议T3",
        "支持T3",
        "我也支持 T3！",
        "T3 我附议",
        "附议一下T3吧",
        "T3这个议题我支持",
    ],
)
def test_explicit_cosigns(text: str) -> None:
    assert explicit_cosign(text) and not disagrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "T3这个议题我不太赞同",
        "我不支持T3",
        "反对T3",
        "T3不错",
        "T3",
        "T3这个议题怎么样了",
        "我支持T3，不过停车位不够",
        "取消附议 T3",
        "我没附议T3",
    ],
)
def test_anything_else_that_names_a_topic_is_no_cosign(text: str) -> None:
    assert not explicit_cosign(text)


@pytest.mark.parametrize(
    "text", ["T3这个议题我不太赞同", "我不支持T3", "反对T3", "这个T3我觉得没必要", "T3我不怎么同意"]
)
def test_disagreement(text: str) -> None:
    assert disagrees(text)


@pytest.mark.parametrize(
    "text", ["取消附议 T3", "撤回对T3的附议", "我不附议T3了", "T3的附议我要撤回", "撤销附议"]
)
def test_withdrawing(text: str) -> None:
    assert withdraws_cosign(text)
