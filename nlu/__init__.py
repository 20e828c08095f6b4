"""Chinese understanding for Yishi: intent classification and slot extraction.

Public entry points:

- :func:`load_classifier` — the trained classifier (``classify(text) -> NluResult``);
- :mod:`nlu.slots` — individual slot parsers (vote choice, rating, place, date …);
- :func:`nlu.context.interpret_in_context` — context-first answers;
- :func:`nlu.policy.decide` — act / ask / stay quiet on low confidence;
- :mod:`nlu.cli` — ``yishi nlu``, training and evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nlu.classifier import TrainedClassifier
from nlu.model import MODEL_PATH, LinearModel
from nlu.segment import get_tokenizer
from nlu.slots import DEFAULT_TZ

__all__ = ["MODEL_PATH", "TrainedClassifier", "load_classifier"]


def load_classifier(
    path: Path | None = None,
    *,
    tz: ZoneInfo | str = DEFAULT_TZ,
    clock: Callable[[], datetime] | None = None,
    words: Mapping[str, str] | None = None,
) -> TrainedClassifier:
    """Load the exported model (default: the shipped one) and initialize jieba now,
    not on the first message. ``words`` are the community's (word → place/company)."""
    model = LinearModel.load(path or MODEL_PATH)
    get_tokenizer()
    return TrainedClassifier(model, tz=tz, clock=clock, words=words)
