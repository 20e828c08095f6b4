"""Training is reproducible: the same corpus gives a byte-identical model file."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.corpus import TRAIN_PATH, load_corpus
from nlu.model import LinearModel

pytest.importorskip("sklearn")


def test_training_twice_gives_identical_files(tmp_path: Path) -> None:
    from nlu.trainer import dump, fit

    subset = load_corpus(TRAIN_PATH)[:400]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    dump(fit(subset), a)
    dump(fit(subset), b)
    assert a.read_bytes() == b.read_bytes()
    model = LinearModel.load(a)
    assert model.labels[0] == "report_issue"
    assert len(model.weights) > 100


def test_corpus_generation_is_reproducible() -> None:
    from nlu.corpus.generate import SEED, generate_split

    first = generate_split("heldout", SEED, set())[:50]
    assert first == generate_split("heldout", SEED, set())[:50]
