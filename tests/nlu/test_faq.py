"""The community's FAQ file (nlu.faq): shipped default, the demo's, and a moderator's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.faq import FaqError, load_faq

DEMO = Path(__file__).parents[2] / "bot" / "demo_faq.toml"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("物业费多少钱", "物业费"),
        ("物业电话是多少？", "物业服务中心"),
        ("快递柜在哪", "快递柜"),
        ("开居住证明要带什么材料", "身份证"),
        ("社区医院几点开门", "卫生服务站"),
        ("居委会几点上班？", "对外办公"),
    ],
)
def test_the_shipped_default_answers_everyday_questions(question: str, words: str) -> None:
    answer = load_faq().answer(question)
    assert answer is not None and words in answer


@pytest.mark.parametrize("text", ["快递柜坏了", "物业费收得太高了，乱收费", "明天会下雨吗", "你好"])
def test_a_report_or_an_unknown_question_is_not_answered(text: str) -> None:
    assert load_faq().answer(text) is None


def test_the_demo_community_has_its_own() -> None:
    answer = load_faq(DEMO).answer("物业费多少钱")
    assert answer is not None and "1.2 元" in answer


def test_a_moderators_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.toml"
    path.write_text(
        '[[faq]]\nkeywords = ["游泳馆"]\nanswer = "游泳馆在体育公园，9点开门。"\n', encoding="utf-8"
    )
    assert load_faq(path).answer("附近有游泳馆吗？") == "游泳馆在体育公园，9点开门。"
    path.write_text('[[faq]]\nanswer = "没有关键词"\n', encoding="utf-8")
    with pytest.raises(FaqError, match="entry 1 needs keywords"):
        load_faq(path)
