"""Offline training: scikit-learn logistic regression → exported JSON weights.

scikit-learn is a dev dependency only; it is imported inside :func:`fit`. The
export is deterministic (fixed solver, sorted features, rounded weights,
sorted JSON keys), so the same corpus always yields byte-identical files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kernel.intents import INTENT_LABELS
from nlu.corpus import Example
from nlu.features import extract
from nlu.model import FORMAT
from nlu.normalize import normalize

C = 2.0  # inverse L2 strength; 3-fold sweep inside train.jsonl was flat (0.995–0.997) for 0.5–8
MIN_COUNT = 2  # drop features seen in fewer training messages: noise, and file size
DECIMALS = 3
PRUNE = 0.05  # drop features whose largest |weight| is below this: half the file, same accuracy


def featurize(examples: Sequence[Example]) -> list[set[str]]:
    return [extract(normalize(e.text)) for e in examples]


def fit(examples: Sequence[Example], *, c: float = C, seed: int = 0) -> dict[str, Any]:
    """Train on examples and return the JSON-ready model."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feature_sets = featurize(examples)
    counts = Counter(f for feats in feature_sets for f in feats)
    kept = [{f: 1.0 for f in feats if counts[f] >= MIN_COUNT} for feats in feature_sets]
    vectorizer = DictVectorizer(sort=True)
    matrix = vectorizer.fit_transform(kept)
    labels = [e.intent for e in examples]
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-6, random_state=seed)
    model.fit(matrix, labels)
    order = [list(model.classes_).index(label) for label in INTENT_LABELS]
    names = vectorizer.get_feature_names_out()
    weights: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        column = [round(float(model.coef_[i][j]), DECIMALS) for i in order]
        if max(abs(w) for w in column) >= PRUNE:
            weights[str(name)] = column
    return {
        "format": FORMAT,
        "labels": list(INTENT_LABELS),
        "bias": [round(float(model.intercept_[i]), DECIMALS) for i in order],
        "weights": weights,
        "meta": {"examples": len(examples), "c": c, "min_count": MIN_COUNT, "prune": PRUNE},
    }


def dump(model: dict[str, Any], path: Path) -> None:
    """Write compactly, one feature per line so that diffs stay readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {k: v for k, v in model.items() if k != "weights"}
    lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1] + ', "weights": {']
    items = sorted(model["weights"].items())
    for n, (name, column) in enumerate(items):
        sep = "," if n < len(items) - 1 else ""
        key = json.dumps(name, ensure_ascii=False)
        lines.append(f"{key}: {json.dumps(column, separators=(',', ':'))}{sep}")
    lines.append("}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
