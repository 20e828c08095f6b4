from __future__ import annotations

import logging

import pytest

from nlu.normalize import normalize
from nlu.segment import cut


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("請問３號樓的電梯什麼時候修好？", "请问3号楼的电梯什么时候修好?"),
        ("議事會幾點開始", "议事会几点开始"),
        ("  HELLO   議事通 ", "hello 议事通"),
        ("我贊成👍", "我赞成👍"),
    ],
)
def test_normalize_folds_width_case_and_traditional(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    "word", ["协商议事日", "加装电梯", "网格员", "附议", "高空抛物", "消防通道"]
)
def test_user_dictionary_keeps_community_words_whole(word: str) -> None:
    assert word in cut(f"关于{word}的事情")


def test_jieba_is_quiet(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        cut("楼下的路灯坏了")
    assert not [r for r in caplog.records if r.name.startswith("jieba")]
    assert capsys.readouterr().err == ""
