from __future__ import annotations

import time

import pytest

from kernel.intents import Intent, IntentClassifier
from nlu import TrainedClassifier, load_classifier


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("3号楼的电梯又坏了，物业也不管😡", Intent.REPORT_ISSUE),
        ("樓道燈壞了好幾天了", Intent.REPORT_ISSUE),  # traditional
        ("R20261122-0007处理得怎么样了", Intent.QUERY_STATUS),
        ("我想提个议题：加装电梯", Intent.PROPOSE_TOPIC),
        ("附议T12", Intent.SECOND_TOPIC),
        ("报名参加下周六的议事会", Intent.JOIN_MEETING),
        ("协商议事日几点开始？", Intent.MEETING_INFO),
        ("P3 选A和C", Intent.VOTE),
        ("非常满意，师傅很负责👍", Intent.FEEDBACK),
        ("怎么用", Intent.HELP),
        ("早上好🌹", Intent.OTHER),
    ],
)
def test_examples(classifier: TrainedClassifier, text: str, intent: Intent) -> None:
    assert classifier.classify(text).intent is intent


def test_result_shape(classifier: TrainedClassifier) -> None:
    port: IntentClassifier = classifier  # structural: mypy checks the protocol
    result = port.classify("投票P3：赞成")
    assert result.intent is Intent.VOTE
    assert 0.0 < result.confidence <= 1.0
    assert result.alternatives[0][0] is result.intent
    assert len(result.alternatives) == 3
    assert [p for _, p in result.alternatives] == sorted(
        (p for _, p in result.alternatives), reverse=True
    )
    assert result.slots == {"poll": "P3", "choice": "yes"}


def test_slots_follow_intent(classifier: TrainedClassifier) -> None:
    report = classifier.classify("我要报修：5栋2单元501楼上漏水，麻烦明天下午3点前来看看")
    assert report.intent is Intent.REPORT_ISSUE
    assert report.slots == {
        "building": "5",
        "unit": "2",
        "room": "501",
        "category": "公共设施",
        "datetime": "2026-12-29T15:00:00+08:00",
        "date_only": False,
    }
    feedback = classifier.classify("R20261122-0007 评价 ★★★★★")
    assert feedback.slots["rating"] == "satisfied"
    assert feedback.slots["ticket"] == "R20261122-0007"
    assert "choice" not in classifier.classify("我赞成加装电梯这个议题，附议").slots


def test_intent_alone_is_the_same_decision_without_slots(classifier: TrainedClassifier) -> None:
    """What the router asks for: the same intent, confidence and alternatives, no slots."""
    for text in ("我要报修：5栋2单元501楼上漏水", "R20261122-0007 评价 ★★★★★", "楼下吵"):
        full, alone = classifier.classify(text), classifier.classify(text, slots=False)
        assert full.slots and alone.slots == {}
        assert (alone.intent, alone.confidence, alone.alternatives) == (
            full.intent,
            full.confidence,
            full.alternatives,
        )


@pytest.mark.parametrize("text", ["", "   ", "🙂", "a", "？？？", "x" * 2000, "\u200b"])
def test_odd_input_never_breaks(classifier: TrainedClassifier, text: str) -> None:
    result = classifier.classify(text)
    assert result.text == text
    assert isinstance(result.intent, Intent)


def test_empty_is_other(classifier: TrainedClassifier) -> None:
    assert classifier.classify("").intent is Intent.OTHER


def test_fast_enough(classifier: TrainedClassifier) -> None:
    texts = ["3号楼电梯坏了", "附议T12", "协商议事日几点开始", "满意"] * 50
    t0 = time.perf_counter()
    for text in texts:
        classifier.classify(text)
    assert (time.perf_counter() - t0) / len(texts) < 0.005  # generous: CI machines are slow


def test_load_classifier_accepts_path_and_zone() -> None:
    from nlu.model import MODEL_PATH

    c = load_classifier(MODEL_PATH, tz="Europe/Berlin")
    assert c.classify("明天开会吗").slots["datetime"].endswith(("+01:00", "+02:00"))
