"""What a message after a rating is (nlu.comment): a comment, a new matter, or unsure."""

from __future__ import annotations

import pytest

from nlu.comment import AfterRating, after_rating


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8号楼楼下的健身器材坏了", AfterRating.NEW),
        ("3号楼门口的井盖坏了 有个洞", AfterRating.NEW),
        ("我有个建议 小区能不能建个老年食堂", AfterRating.NEW),
        ("小区能不能装个充电桩", AfterRating.NEW),
        ("师傅态度很好", AfterRating.COMMENT),
        ("就是慢了点", AfterRating.COMMENT),
        ("挺好的 就是慢了点", AfterRating.COMMENT),
        ("垃圾清得很干净", AfterRating.COMMENT),
        ("建议下次早点来", AfterRating.UNSURE),
        ("楼道灯还是不亮", AfterRating.UNSURE),
    ],
)
def test_after_a_rating(text: str, expected: AfterRating) -> None:
    assert after_rating(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼道灯还是不亮", AfterRating.COMMENT),
        ("门口的垃圾还是没清干净", AfterRating.COMMENT),
        ("8号楼楼下的健身器材坏了", AfterRating.UNSURE),
        ("我有个建议 小区能不能建个老年食堂", AfterRating.NEW),
    ],
)
def test_after_unsatisfied_what_is_wrong_is_the_answer(text: str, expected: AfterRating) -> None:
    assert after_rating(text, complaining=True) is expected


@pytest.mark.parametrize("complaining", [False, True])
def test_a_problem_in_another_place_is_new_even_said_with_again(complaining: bool) -> None:
    """ "又堵了" speaks of the repair, but not in another place than the rated ticket's."""
    text = "8号楼的下水道又堵了"
    assert after_rating(text, complaining=complaining, elsewhere=True) is AfterRating.NEW
    assert after_rating(text, complaining=complaining) is not AfterRating.NEW
    # No problem in the words: a comment wherever it points.
    assert after_rating("8号楼的师傅也很好", elsewhere=True) is AfterRating.COMMENT
