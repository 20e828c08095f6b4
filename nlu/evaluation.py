"""Evaluation that can't flatter: accuracy, per-intent precision/recall, the
confusion matrix, accuracy per style of writing, and how many test messages
also occur in training (with the accuracy on the others).

Pure Python so that the regression test and ``yishi`` need no scikit-learn.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kernel.intents import INTENT_LABELS, Intent
from nlu.corpus import Example
from nlu.normalize import normalize

TARGET_ACCURACY = 0.95
TARGET_RECALL = 0.90
TARGET_REPORT_RECALL = 0.97


class Ranker(Protocol):
    def rank(self, text: str) -> list[tuple[Intent, float]]: ...


@dataclass(frozen=True, slots=True)
class Miss:
    text: str
    expected: str
    predicted: str
    confidence: float
    author: str = ""
    style: str = ""


@dataclass
class EvalReport:
    """Figures for one evaluation run; ``confusion[expected][predicted]`` counts."""

    total: int
    correct: int
    confusion: dict[str, dict[str, int]]
    misses: list[Miss] = field(default_factory=list)
    by_style: dict[str, tuple[int, int]] = field(default_factory=dict)  # style → (correct, n)
    authors: int = 0
    seen_in_training: int = 0
    seen_correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def unseen_accuracy(self) -> float:
        """Accuracy on the messages whose text training never had."""
        n = self.total - self.seen_in_training
        return (self.correct - self.seen_correct) / n if n else 0.0

    def recall(self, label: str) -> float:
        row = self.confusion[label]
        n = sum(row.values())
        return row[label] / n if n else 0.0

    def precision(self, label: str) -> float:
        n = sum(self.confusion[e][label] for e in INTENT_LABELS)
        return self.confusion[label][label] / n if n else 0.0

    def support(self, label: str) -> int:
        return sum(self.confusion[label].values())

    def targets_met(self) -> bool:
        return (
            self.accuracy >= TARGET_ACCURACY
            and all(self.recall(label) >= TARGET_RECALL for label in INTENT_LABELS)
            and self.recall("report_issue") >= TARGET_REPORT_RECALL
        )


def evaluate_examples(
    classifier: Ranker,
    examples: Sequence[Example],
    *,
    training_texts: Iterable[str] = (),
) -> EvalReport:
    """Classify every example; ``training_texts`` lets the report count overlaps."""
    trained = {normalize(t) for t in training_texts}
    confusion = {e: dict.fromkeys(INTENT_LABELS, 0) for e in INTENT_LABELS}
    misses: list[Miss] = []
    style_n: Counter[str] = Counter()
    style_ok: Counter[str] = Counter()
    seen = seen_ok = 0
    for ex in examples:
        top, p = classifier.rank(ex.text)[0]
        ok = top.value == ex.intent
        confusion[ex.intent][top.value] += 1
        for style in ex.style.split("+") if ex.style else ["-"]:
            style_n[style] += 1
            style_ok[style] += ok
        if normalize(ex.text) in trained:
            seen += 1
            seen_ok += ok
        if not ok:
            misses.append(Miss(ex.text, ex.intent, top.value, p, ex.author, ex.style))
    correct = sum(confusion[label][label] for label in INTENT_LABELS)
    return EvalReport(
        total=len(examples),
        correct=correct,
        confusion=confusion,
        misses=misses,
        by_style={s: (style_ok[s], n) for s, n in sorted(style_n.items())},
        authors=len({ex.author for ex in examples if ex.author}),
        seen_in_training=seen,
        seen_correct=seen_ok,
    )


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


def format_report(report: EvalReport, *, title: str = "evaluation", misses: bool = True) -> str:
    """Plain-text report (pasted into nlu/README.md)."""
    lines = [
        f"{title}: {report.total} messages"
        + (f" by {report.authors} authors" if report.authors else ""),
        f"accuracy: {report.accuracy:.4f}",
    ]
    if report.seen_in_training:
        lines.append(
            f"texts also in training: {report.seen_in_training}; "
            f"accuracy on the other {report.total - report.seen_in_training}: "
            f"{report.unseen_accuracy:.4f}"
        )
    lines += ["", f"{'intent':<14} {'precision':>9} {'recall':>7} {'n':>5}"]
    for label in INTENT_LABELS:
        lines.append(
            f"{label:<14} {report.precision(label):>9.3f} {report.recall(label):>7.3f}"
            f" {report.support(label):>5}"
        )
    lines += ["", "confusion matrix (rows: expected, columns: predicted)"]
    lines.append(" " * 14 + "".join(f"{_SHORT[c]:>6}" for c in INTENT_LABELS))
    for label in INTENT_LABELS:
        row = report.confusion[label]
        lines.append(f"{label:<14}" + "".join(f"{row[c]:>6}" for c in INTENT_LABELS))
    if report.by_style and list(report.by_style) != ["-"]:
        lines += ["", "accuracy by style"]
        for style, (ok, n) in sorted(report.by_style.items(), key=lambda s: -s[1][1]):
            lines.append(f"  {style:<16} {ok / n:.3f}  ({ok}/{n})")
    lines += [
        "",
        f"targets (accuracy ≥ {TARGET_ACCURACY}, every recall ≥ {TARGET_RECALL}, "
        f"report_issue recall ≥ {TARGET_REPORT_RECALL}): "
        + ("met" if report.targets_met() else "NOT met"),
    ]
    if misses:
        lines += ["", f"misclassified ({len(report.misses)}):"]
        for m in report.misses:
            who = f" ({m.author.split()[0]}, {m.style})" if m.author else ""
            lines.append(f"  [{m.expected} → {m.predicted} {m.confidence:.2f}] {m.text}{who}")
    return "\n".join(lines)


def by_author_folds(examples: Sequence[Example], folds: int) -> list[list[int]]:
    """Indices of examples split into folds by author (no author in two folds).

    Authors are dealt round-robin in sorted order, largest first, so folds are
    of similar size and the split never depends on hash order.
    """
    sizes: Counter[str] = Counter(ex.author for ex in examples)
    fold_of: dict[str, int] = {}
    for n, (author, _) in enumerate(sorted(sizes.items(), key=lambda a: (-a[1], a[0]))):
        fold_of[author] = n % folds
    parts: dict[int, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        parts[fold_of[ex.author]].append(i)
    return [parts[k] for k in range(folds)]
