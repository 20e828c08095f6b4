"""Benchmark the intent classifier: per-message latency and start-up load time.

Run: ``python benchmarks/nlu.py``. Targets: median classification < 1 ms,
model load (imports + model JSON + jieba dictionary) < 1 s in a fresh process.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
from nlu import load_classifier
classifier = load_classifier()
classifier.classify("3号楼电梯坏了")
print(time.perf_counter() - t0)
"""

# A community's model carries its words: the classifier builds its own jieba tokenizer.
_COMMUNITY_SNIPPET = """
import time
t0 = time.perf_counter()
from nlu import load_classifier
words = {f"{name}苑": "place" for name in "金桂 银杏 紫荆 丁香 海棠 玉兰 芙蓉 牡丹".split()}
words["万家物业"] = "company"
classifier = load_classifier(words=words)
classifier.classify("金桂苑3栋电梯坏了，万家物业不管")
print(time.perf_counter() - t0)
"""


def load_times(
    runs: int = 5, tmpdir: str | None = None, snippet: str = _LOAD_SNIPPET
) -> tuple[list[float], list[float]]:
    """(in-process load seconds, whole-subprocess wall seconds) per fresh process.

    ``tmpdir`` points TMPDIR (and so jieba's cache) somewhere else, e.g. empty.
    """
    env = dict(os.environ, **({"TMPDIR": tmpdir} if tmpdir else {}))
    inner: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", snippet],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        wall.append(time.perf_counter() - t0)
        inner.append(float(out.stdout.strip().splitlines()[-1]))
    return inner, wall


def classify_times() -> list[float]:
    """Seconds per classify() over the written corpus (test and training messages),
    after one warm-up pass."""
    from nlu import load_classifier
    from nlu.corpus import TEST_PATH, WRITTEN_TRAIN_PATH, load_written

    classifier = load_classifier()
    texts = [e.text for e in load_written(TEST_PATH) + load_written(WRITTEN_TRAIN_PATH)]
    for text in texts:
        classifier.classify(text)
    gc.collect()
    gc.freeze()
    times: list[float] = []
    for text in texts:
        t0 = time.perf_counter()
        classifier.classify(text)
        times.append(time.perf_counter() - t0)
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    with tempfile.TemporaryDirectory() as empty:
        cold, _ = load_times(runs=1, tmpdir=empty)  # first start ever: jieba builds its cache
    load_times(runs=1)  # make sure the normal cache exists before measuring warm starts
    inner, wall = load_times()
    community, _ = load_times(runs=3, snippet=_COMMUNITY_SNIPPET)
    times = classify_times()
    print(f"messages classified: {len(times)} (written corpus, with slot extraction)")
    print(f"classify median: {statistics.median(times) * 1000:.3f} ms")
    print(f"classify p99:    {_p(times, 0.99) * 1000:.3f} ms")
    print(f"classify max:    {max(times) * 1000:.3f} ms")
    print(
        f"load (fresh process, imports + model + jieba): median {statistics.median(inner):.3f} s, "
        f"max {max(inner):.3f} s over {len(inner)} runs"
    )
    print(f"whole process incl. interpreter start: median {statistics.median(wall):.3f} s")
    print(
        f"load with community words (own jieba tokenizer): median "
        f"{statistics.median(community):.3f} s over {len(community)} runs"
    )
    print(f"cold start (empty jieba cache, first run after install): {cold[0]:.3f} s")
    ok = (
        statistics.median(times) < 0.001
        and statistics.median(inner) < 1.0
        and statistics.median(community) < 1.0
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
