"""Command functions for ``yishi nlu``, training and evaluation (wired by bot.cli)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kernel.intents import IntentClassifier
from nlu.classifier import TrainedClassifier
from nlu.corpus import (
    GENERATED_PATHS,
    TEST_PATH,
    WRITTEN_TRAIN_PATH,
    Example,
    evaluation_set,
    load_corpus,
    load_written,
    shipped_training,
)
from nlu.evaluation import EvalReport, by_author_folds, evaluate_examples, format_report
from nlu.model import MODEL_PATH, LinearModel
from nlu.segment import Segmenter

COMMUNITY_WEIGHT = 5.0
"""A community's own label counts as much as five shipped examples: it is the
community's words, and there are few of them next to the shipped thousands."""


def run_nlu(stdin: TextIO, stdout: TextIO, classifier: IntentClassifier) -> int:
    """One message a line in, one JSON object a line out (flushed per line). Returns 0."""
    for line in stdin:
        text = line.rstrip("\r\n")
        result = classifier.classify(text)
        stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def _out(stdout: TextIO | None) -> TextIO:
    return stdout or sys.stdout


def train(
    out_path: Path | None = None,
    *,
    examples: Sequence[Example] | None = None,
    stdout: TextIO | None = None,
) -> Path:
    """Train the shipped model on the shipped corpus (or ``examples``) and write it."""
    from nlu.trainer import dump, fit

    out = out_path or MODEL_PATH
    corpus = list(examples) if examples is not None else shipped_training()
    model = fit(corpus)
    dump(model, out)
    print(
        f"trained on {len(corpus)} examples, {len(model['weights'])} features → {out}",
        file=_out(stdout),
    )
    return out


def load_model_classifier(
    path: Path | None = None, words: Mapping[str, str] | None = None
) -> TrainedClassifier:
    """The classifier of the model file at ``path`` (default: the shipped one)."""
    return TrainedClassifier(LinearModel.load(path or MODEL_PATH), words=words)


def evaluate(
    model_path: Path | None = None,
    *,
    test_path: Path = TEST_PATH,
    stdout: TextIO | None = None,
    show_misses: bool = True,
) -> EvalReport:
    """Print the figures on the unseen test set: accuracy, per-intent P/R, the
    confusion matrix, accuracy by style, the misses."""
    classifier = load_model_classifier(model_path)
    training = [e.text for e in load_written(WRITTEN_TRAIN_PATH)]
    for path in GENERATED_PATHS:
        training += [e.text for e in load_corpus(path)]
    report = evaluate_examples(classifier, evaluation_set(test_path), training_texts=training)
    title = f"unseen test set ({test_path.name}, authors disjoint from training)"
    print(format_report(report, title=title, misses=show_misses), file=_out(stdout))
    return report


def crossvalidate(
    folds: int = 4, *, stdout: TextIO | None = None, show_misses: bool = False
) -> EvalReport:
    """Author-grouped cross-validation on the written training set (the generated
    corpus joins every fold's training). This, not the test set, is what tuning reads."""
    from nlu.trainer import fit

    written = load_written(WRITTEN_TRAIN_PATH)
    generated = [e for path in GENERATED_PATHS for e in load_corpus(path)]
    parts = by_author_folds(written, folds)
    predictions: list[Example] = []
    reports: list[EvalReport] = []
    for k, held in enumerate(parts):
        held_set = set(held)
        train_part = [e for i, e in enumerate(written) if i not in held_set] + generated
        model = LinearModel.from_json(fit(train_part))
        report = evaluate_examples(TrainedClassifier(model), [written[i] for i in held])
        reports.append(report)
        predictions.extend(written[i] for i in held)
        print(f"fold {k + 1}/{folds}: {report.accuracy:.4f} on {report.total}", file=_out(stdout))
    merged = _merge(reports)
    title = f"author-grouped {folds}-fold cross-validation on {WRITTEN_TRAIN_PATH.name}"
    print(format_report(merged, title=title, misses=show_misses), file=_out(stdout))
    return merged


def _merge(reports: Sequence[EvalReport]) -> EvalReport:
    first = reports[0]
    confusion = {e: dict.fromkeys(first.confusion[e], 0) for e in first.confusion}
    styles: Counter[str] = Counter()
    styles_ok: Counter[str] = Counter()
    for r in reports:
        for e, row in r.confusion.items():
            for p, n in row.items():
                confusion[e][p] += n
        for s, (ok, n) in r.by_style.items():
            styles[s] += n
            styles_ok[s] += ok
    return EvalReport(
        total=sum(r.total for r in reports),
        correct=sum(r.correct for r in reports),
        confusion=confusion,
        misses=[m for r in reports for m in r.misses],
        by_style={s: (styles_ok[s], n) for s, n in styles.items()},
        authors=sum(r.authors for r in reports),
    )


@dataclass(frozen=True, slots=True)
class CommunityTraining:
    """What ``yishi nlu train`` measured: before and after, on the shipped test set
    and on the community's own labelled messages."""

    before: EvalReport
    after: EvalReport
    labels_before: EvalReport | None
    labels_after: EvalReport | None
    path: Path


def train_community(
    labelled: Sequence[tuple[str, str]],
    words: Mapping[str, str],
    out_path: Path,
    *,
    current_model: Path | None = None,
    shipped: Sequence[Example] | None = None,
    test_path: Path = TEST_PATH,
    stdout: TextIO | None = None,
) -> CommunityTraining:
    """Retrain from the shipped corpus plus the community's (text, intent) labels and
    words; print accuracy before (``current_model``, else the shipped one) and after
    on the shipped evaluation set, and write the new model to ``out_path``."""
    from nlu.trainer import dump, fit

    out = _out(stdout)
    community = [Example(text, intent, source="community") for text, intent in labelled]
    counts = Counter(e.intent for e in community)
    listed = ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "none"
    print(f"community labels: {len(community)} ({listed})", file=out)
    kinds = Counter(words.values())
    print(
        f"community words: {len(words)}"
        + (" (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")" if words else ""),
        file=out,
    )
    corpus = list(shipped) if shipped is not None else shipped_training()
    test = evaluation_set(test_path)
    before_path = current_model if current_model and current_model.exists() else MODEL_PATH
    before_model = TrainedClassifier(LinearModel.load(before_path), words=words)
    before = evaluate_examples(before_model, test)
    labels_before = evaluate_examples(before_model, community) if community else None
    print(
        f"training on {len(corpus) + len(community)} messages "
        f"(shipped {len(corpus)} + community {len(community)} × {COMMUNITY_WEIGHT:g})",
        file=out,
    )
    segmenter = Segmenter(words)
    model = fit(
        [*corpus, *community],
        segmenter=segmenter,
        weights=[1.0] * len(corpus) + [COMMUNITY_WEIGHT] * len(community),
        meta={"community_labels": len(community)},
    )
    dump(model, out_path)
    after_model = TrainedClassifier(LinearModel.from_json(model), words=words)
    after = evaluate_examples(after_model, test)
    labels_after = evaluate_examples(after_model, community) if community else None
    print(f"evaluation set: {test_path.name}, {before.total} messages", file=out)
    print(f"accuracy before: {before.accuracy:.4f} ({before_path})", file=out)
    print(f"accuracy after:  {after.accuracy:.4f} ({out_path})", file=out)
    if labels_before is not None and labels_after is not None:
        print(
            f"community labels understood: before {labels_before.correct}/{labels_before.total}, "
            f"after {labels_after.correct}/{labels_after.total}",
            file=out,
        )
    print("(retraining alone moves accuracy by up to about ±0.005)", file=out)
    return CommunityTraining(before, after, labels_before, labels_after, out_path)
