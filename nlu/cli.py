"""Command functions for ``yishi nlu``, training and evaluation (wired by bot.cli)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from kernel.intents import IntentClassifier
from nlu.corpus import HELDOUT_PATH, TRAIN_PATH, load_corpus
from nlu.evaluation import EvalReport, evaluate_examples, format_report
from nlu.model import MODEL_PATH, LinearModel


def run_nlu(stdin: TextIO, stdout: TextIO, classifier: IntentClassifier) -> int:
    """One message a line in, one JSON object a line out (flushed per line). Returns 0."""
    for line in stdin:
        text = line.rstrip("\r\n")
        result = classifier.classify(text)
        stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def train(
    out_path: Path | None = None,
    *,
    train_path: Path = TRAIN_PATH,
    stdout: TextIO | None = None,
) -> Path:
    """Train on ``train.jsonl`` and write the model JSON (needs scikit-learn)."""
    from nlu.trainer import dump, fit

    out = out_path or MODEL_PATH
    examples = load_corpus(train_path)
    model = fit(examples)
    dump(model, out)
    print(
        f"trained on {len(examples)} examples, {len(model['weights'])} features → {out}",
        file=stdout or sys.stdout,
    )
    return out


def evaluate(
    model_path: Path | None = None,
    *,
    heldout_path: Path = HELDOUT_PATH,
    stdout: TextIO | None = None,
    show_misses: bool = True,
) -> EvalReport:
    """Print accuracy, per-label P/R, the confusion matrix and the misses on held-out."""
    from nlu.classifier import TrainedClassifier

    classifier = TrainedClassifier(LinearModel.load(model_path or MODEL_PATH))
    report = evaluate_examples(classifier, load_corpus(heldout_path))
    print(format_report(report, misses=show_misses), file=stdout or sys.stdout)
    return report
