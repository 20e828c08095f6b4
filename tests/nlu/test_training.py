"""Training: pure Python, reproducible byte for byte, and a community's labels count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kernel.intents import Intent
from nlu.classifier import TrainedClassifier
from nlu.corpus import WRITTEN_TRAIN_PATH, Example, load_written
from nlu.model import LinearModel
from nlu.segment import Segmenter
from nlu.trainer import dump, fit

ROOT = Path(__file__).resolve().parents[2]


def _subset() -> list[Example]:
    return load_written(WRITTEN_TRAIN_PATH)[::6]


def test_training_twice_gives_identical_files(tmp_path: Path) -> None:
    subset = _subset()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    dump(fit(subset, epochs=3), a)
    dump(fit(subset, epochs=3), b)
    assert a.read_bytes() == b.read_bytes()
    model = LinearModel.load(a)
    assert model.labels[0] == "report_issue"
    assert len(model.weights) > 100


def test_training_needs_neither_scikit_learn_nor_numpy(tmp_path: Path) -> None:
    """Production may retrain (yishi nlu train) with only the runtime dependencies."""
    script = f"""
import sys
sys.modules["sklearn"] = None  # importing it would fail
sys.modules["numpy"] = None
from pathlib import Path
from nlu.corpus import WRITTEN_TRAIN_PATH, load_written
from nlu.trainer import dump, fit
dump(fit(load_written(WRITTEN_TRAIN_PATH)[::20], epochs=2), Path({str(tmp_path / "m.json")!r}))
print("ok")
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "ok"
    assert LinearModel.load(tmp_path / "m.json").weights


def test_weights_make_a_few_labels_count() -> None:
    subset = _subset()
    taught = Example("我要吹哨", "report_issue")
    plain = TrainedClassifier(LinearModel.from_json(fit([*subset, taught], epochs=4)))
    weighted = TrainedClassifier(
        LinearModel.from_json(fit([*subset, taught], epochs=4, weights=[1.0] * len(subset) + [5.0]))
    )
    p_plain = dict(plain.rank("我要吹哨"))
    p_weighted = dict(weighted.rank("我要吹哨"))
    assert p_weighted[Intent.REPORT_ISSUE] > p_plain[Intent.REPORT_ISSUE]
    assert p_weighted[Intent.REPORT_ISSUE] >= 0.6


def test_community_words_are_saved_with_the_model_and_used_when_serving() -> None:
    words = {"金桂苑": "place", "万家物业": "company"}
    model = LinearModel.from_json(fit(_subset(), epochs=2, segmenter=Segmenter(words)))
    assert model.dictionary == words
    served = TrainedClassifier(model)
    cut = served.segmenter.cut("金桂苑的万家物业不管事")
    assert cut == ["金桂苑", "的", "万家物业", "不管", "事"]
