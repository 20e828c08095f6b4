"""The committed model must keep its held-out figures: a regression fails here."""

from __future__ import annotations

from kernel.intents import INTENT_LABELS
from nlu import TrainedClassifier
from nlu.corpus import HELDOUT_PATH, TRAIN_PATH, load_corpus
from nlu.evaluation import evaluate_examples
from nlu.normalize import normalize


def test_heldout_accuracy_and_recall(classifier: TrainedClassifier) -> None:
    report = evaluate_examples(classifier, load_corpus(HELDOUT_PATH))
    assert report.total >= 1000
    assert report.accuracy >= 0.95
    for label in INTENT_LABELS:
        assert report.recall(label) >= 0.85, label


def test_corpus_is_balanced_and_splits_do_not_overlap() -> None:
    train = load_corpus(TRAIN_PATH)
    heldout = load_corpus(HELDOUT_PATH)
    for label in INTENT_LABELS:
        assert sum(e.intent == label for e in train) >= 300
        assert sum(e.intent == label for e in heldout) >= 100
    assert not {normalize(e.text) for e in train} & {normalize(e.text) for e in heldout}
