"""The committed model must keep its figures on the unseen test set: a regression fails here."""

from __future__ import annotations

from kernel.intents import INTENT_LABELS
from nlu import TrainedClassifier
from nlu.corpus import evaluation_set
from nlu.evaluation import (
    TARGET_ACCURACY,
    TARGET_RECALL,
    TARGET_REPORT_RECALL,
    evaluate_examples,
)


def test_unseen_test_set_meets_the_targets(classifier: TrainedClassifier) -> None:
    report = evaluate_examples(classifier, evaluation_set())
    assert report.total >= 950
    assert report.accuracy >= TARGET_ACCURACY
    for label in INTENT_LABELS:
        assert report.recall(label) >= TARGET_RECALL, label
    assert report.recall("report_issue") >= TARGET_REPORT_RECALL


def test_the_issues_examples_are_understood(classifier: TrainedClassifier) -> None:
    """Messages issue 17 quotes from the sets the team never saw (not in the corpus)."""
    expected = {
        "有人在小区里乱发小广告，贴得到处都是": "report_issue",
        "今天早上放出来的自来水是黄的，跟铁锈水一样": "report_issue",
        "暖气不热，家里才16度": "report_issue",
        "小区河边的护栏断了一根，小孩在那边玩太吓人": "report_issue",
        "车棚的顶被风刮掉了": "report_issue",
        "灯修好了 谢谢": "feedback",
        "下水道通了，好用了": "feedback",
        "漏水问题解决了 太感谢了": "feedback",
        "确认出席": "join_meeting",
        "本月议题清单": "meeting_info",
        "赞成": "vote",
    }
    got = {text: classifier.classify(text, slots=False).intent.value for text in expected}
    assert got == expected
