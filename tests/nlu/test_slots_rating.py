from __future__ import annotations

import pytest

from nlu.normalize import normalize
from nlu.slots import parse_rating


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("满意", {"rating": "satisfied"}),
        ("非常满意，师傅很负责", {"rating": "satisfied"}),
        ("基本满意", {"rating": "basic"}),
        ("还行吧", {"rating": "basic"}),
        ("不满意，还是漏水", {"rating": "unsatisfied"}),
        ("不太满意", {"rating": "unsatisfied"}),
        ("滿意", {"rating": "satisfied"}),
        ("★★★★★", {"rating": "satisfied", "score": 5, "score_max": 5}),
        ("★★★", {"rating": "basic", "score": 3, "score_max": 5}),
        ("★", {"rating": "unsatisfied", "score": 1, "score_max": 5}),
        ("5星", {"rating": "satisfied", "score": 5, "score_max": 5}),
        ("四颗星", {"rating": "satisfied", "score": 4, "score_max": 5}),
        ("打8分", {"rating": "satisfied", "score": 8, "score_max": 10}),
        ("给6分", {"rating": "basic", "score": 6, "score_max": 10}),
        ("3分", {"rating": "unsatisfied", "score": 3, "score_max": 10}),
        ("满分👍", {"rating": "satisfied", "score": 10, "score_max": 10}),
        ("5星，但是不满意", {"rating": "unsatisfied", "score": 5, "score_max": 5}),
        ("谢谢", {}),
        # A reservation makes everyday praise 基本满意; an explicit 满意 stands.
        ("挺好的 就是慢了点", {"rating": "basic"}),
        ("就是慢了点", {"rating": "basic"}),
        ("满意，就是慢了点", {"rating": "satisfied"}),
        ("修好了 谢谢", {"rating": "satisfied"}),
        # 不亮了 is no 亮了: a problem, not a fix.
        ("东门路灯不亮了", {}),
    ],
)
def test_parse_rating(text: str, expected: dict[str, object]) -> None:
    assert parse_rating(normalize(text)) == expected
