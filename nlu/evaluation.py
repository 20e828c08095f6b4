"""Held-out evaluation: accuracy, per-label precision/recall, confusion matrix.

Pure Python so that the regression test and ``yishi`` need no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kernel.intents import INTENT_LABELS
from nlu.classifier import TrainedClassifier
from nlu.corpus import Example


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Figures for one evaluation run; ``confusion[expected][predicted]`` counts."""

    total: int
    correct: int
    confusion: dict[str, dict[str, int]]
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def recall(self, label: str) -> float:
        row = self.confusion[label]
        n = sum(row.values())
        return row[label] / n if n else 0.0

    def precision(self, label: str) -> float:
        n = sum(self.confusion[e][label] for e in INTENT_LABELS)
        return self.confusion[label][label] / n if n else 0.0


def evaluate_examples(classifier: TrainedClassifier, examples: Sequence[Example]) -> EvalReport:
    confusion = {e: dict.fromkeys(INTENT_LABELS, 0) for e in INTENT_LABELS}
    misses: list[Miss] = []
    for ex in examples:
        top, p = classifier.rank(ex.text)[0]
        confusion[ex.intent][top.value] += 1
        if top.value != ex.intent:
            misses.append(Miss(ex.text, ex.intent, top.value, p))
    correct = sum(confusion[label][label] for label in INTENT_LABELS)
    return EvalReport(total=len(examples), correct=correct, confusion=confusion, misses=misses)


_SHORT = {
    "report_issue": "rep",
    "query_status": "qry",
    "propose_topic": "prop",
    "second_topic": "sec",
    "join_meeting": "join",
    "meeting_info": "minf",
    "vote": "vote",
    "feedback": "fdbk",
    "help": "help",
    "other": "oth",
}


def format_report(report: EvalReport, *, misses: bool = True) -> str:
    """Plain-text report (pasted into nlu/README.md)."""
    lines = [f"held-out examples: {report.total}", f"accuracy: {report.accuracy:.4f}", ""]
    lines.append(f"{'label':<14} {'precision':>9} {'recall':>7} {'n':>5}")
    for label in INTENT_LABELS:
        n = sum(report.confusion[label].values())
        lines.append(
            f"{label:<14} {report.precision(label):>9.3f} {report.recall(label):>7.3f} {n:>5}"
        )
    lines += ["", "confusion matrix (rows: expected, columns: predicted)"]
    lines.append(" " * 14 + "".join(f"{_SHORT[c]:>6}" for c in INTENT_LABELS))
    for label in INTENT_LABELS:
        row = report.confusion[label]
        lines.append(f"{label:<14}" + "".join(f"{row[c]:>6}" for c in INTENT_LABELS))
    if misses:
        lines += ["", f"misclassified ({len(report.misses)}):"]
        for m in report.misses:
            lines.append(f"  [{m.expected} → {m.predicted} {m.confidence:.2f}] {m.text}")
    return "\n".join(lines)
