from __future__ import annotations

import pytest

from nlu.normalize import normalize
from nlu.slots import parse_vote_choice


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("赞成", {"choice": "yes"}),
        ("我投同意票👍", {"choice": "yes"}),
        ("不同意", {"choice": "no"}),
        ("反对，费用太高", {"choice": "no"}),
        ("不赞成", {"choice": "no"}),
        ("不反对", {"choice": "yes"}),
        ("弃权", {"choice": "abstain"}),
        ("贊成", {"choice": "yes"}),
        ("YES", {"choice": "yes"}),
        ("投2", {"choices": ["2"]}),
        ("P3 投2号", {"choices": ["2"]}),
        ("选A和C", {"choices": ["A", "C"]}),
        ("选a、b、d", {"choices": ["A", "B", "D"]}),
        ("AC", {"choices": ["A", "C"]}),
        ("我选2和3", {"choices": ["2", "3"]}),
        ("方案二", {"choices": ["2"]}),
        ("第一个", {"choices": ["1"]}),
        ("3号楼漏水了", {}),
        ("今天天气不错", {}),
    ],
)
def test_parse_vote_choice(text: str, expected: dict[str, object]) -> None:
    assert parse_vote_choice(normalize(text)) == expected
