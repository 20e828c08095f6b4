from __future__ import annotations

from nlu.normalize import normalize
from nlu.slots import parse_ids


def test_all_identifier_kinds() -> None:
    text = normalize("R20261122-0007 和 T12、P3，会议M202612")
    assert parse_ids(text) == {
        "ticket": "R20261122-0007",
        "topic": "T12",
        "poll": "P3",
        "meeting": "M202612",
    }


def test_lower_case_fullwidth_and_chinese_neighbours() -> None:
    assert parse_ids(normalize("查一下ｒ20261122-7的进度")) == {"ticket": "R20261122-0007"}
    assert parse_ids(normalize("附议t5吧")) == {"topic": "T5"}
    assert parse_ids(normalize("我投p3赞成")) == {"poll": "P3"}


def test_no_false_ids_inside_words() -> None:
    assert parse_ids(normalize("wifi5G信号差，mp3放不了")) == {}
