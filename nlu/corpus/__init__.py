"""The labelled corpus kept in the repository: ``train.jsonl`` and ``heldout.jsonl``.

Both files are generated once by :mod:`nlu.corpus.generate` and committed;
training reads only ``train.jsonl``, evaluation only ``heldout.jsonl``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
TRAIN_PATH = HERE / "train.jsonl"
HELDOUT_PATH = HERE / "heldout.jsonl"


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled message."""

    text: str
    intent: str


def load_corpus(path: Path) -> list[Example]:
    """Read a JSONL file of {"text", "intent"} objects."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                examples.append(Example(text=str(row["text"]), intent=str(row["intent"])))
    return examples
