"""The labelled corpus shipped with Yishi, and which part is used for what.

- ``residents_train.tsv``: hand-written messages by the training authors
  (``written/train/``); the model learns from these.
- ``residents_test.tsv``: hand-written messages by other authors
  (``written/test/``), written before any tuning; only evaluation reads it.
- ``train.jsonl`` and ``heldout.jsonl``: the earlier template-generated corpus
  (:mod:`nlu.corpus.generate`). Both are extra training data now, never
  evaluation: their phrasing comes from one generator, so scoring on them
  measures the templates, not residents.

See ``README.md`` in this directory for how the messages were written and labelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nlu.corpus.written import read_tsv, tsv_path
from nlu.normalize import normalize

HERE = Path(__file__).parent
TRAIN_PATH = HERE / "train.jsonl"
HELDOUT_PATH = HERE / "heldout.jsonl"
GENERATED_PATHS = (TRAIN_PATH, HELDOUT_PATH)
WRITTEN_TRAIN_PATH = tsv_path("train")
TEST_PATH = tsv_path("test")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message; ``author``, ``style`` and ``source`` say where it came from."""

    text: str
    intent: str
    author: str = ""
    style: str = ""
    source: str = ""


def load_corpus(path: Path) -> list[Example]:
    """Read a JSONL file of {"text", "intent"} objects (the generated corpus)."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                examples.append(
                    Example(
                        text=str(row["text"]),
                        intent=str(row["intent"]),
                        style="generated",
                        source=f"generated:{path.name}",
                    )
                )
    return examples


def load_written(path: Path) -> list[Example]:
    """Read a compiled TSV of the hand-written corpus."""
    return [Example(r.text, r.intent, r.author, r.style, r.source) for r in read_tsv(path)]


def distinct(examples: list[Example]) -> list[Example]:
    """The first example of each normalized text (a set counts a message once)."""
    seen: set[str] = set()
    kept: list[Example] = []
    for example in examples:
        key = normalize(example.text)
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept


def shipped_training() -> list[Example]:
    """What the shipped model learns from: the written training set, then the generated one."""
    examples = load_written(WRITTEN_TRAIN_PATH)
    for path in GENERATED_PATHS:
        examples.extend(load_corpus(path))
    return examples


def evaluation_set(path: Path = TEST_PATH) -> list[Example]:
    """The unseen test set, each distinct message once."""
    return distinct(load_written(path))
