"""The exported linear model and its pure-Python scorer.

Training happens offline with scikit-learn; at run time the model is a JSON
file of per-feature weight vectors. Scoring one message is a few hundred dict
look-ups and additions followed by a softmax, so the bot needs neither
scikit-learn nor numpy, loads in milliseconds and answers in well under 1 ms.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).parent / "model" / "intent_model.json"
FORMAT = "yishi-linear-v1"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """Multinomial logistic regression over binary features."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    meta: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format: {data.get('format')!r}")
        return cls(
            labels=tuple(data["labels"]),
            bias=tuple(float(b) for b in data["bias"]),
            weights={f: tuple(w) for f, w in data["weights"].items()},
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        with path.open(encoding="utf-8") as handle:
            return cls.from_json(json.load(handle))

    @property
    def dictionary(self) -> dict[str, str]:
        """Community words the model was trained with (word → tag), if any."""
        return {str(w): str(t) for w, t in dict(self.meta.get("dictionary") or {}).items()}

    def probabilities(self, features: set[str]) -> list[tuple[str, float]]:
        """Labels with softmax probabilities, best first (ties by label order)."""
        found = self.weights.get
        # Each label's score is its bias plus the weights of the features present,
        # summed column by column in C (zip, sum) rather than in a Python loop.
        vectors = filter(None, map(found, features))
        scores = list(map(sum, zip(self.bias, *vectors, strict=True)))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        ranked = sorted(zip(self.labels, exps, strict=True), key=lambda p: -p[1])
        return [(label, e / total) for label, e in ranked]
