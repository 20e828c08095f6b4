"""``python -m nlu.evaluate [MODEL]``: figures on the unseen test set.

``--cv N`` instead runs author-grouped N-fold cross-validation on the written
training set: that is what tuning reads, so the test set stays unseen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nlu.cli import crossvalidate, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="评估意图模型 / evaluate the intent model")
    parser.add_argument("model", nargs="?", type=Path, default=None, help="model JSON to read")
    parser.add_argument("--no-misses", action="store_true", help="omit misclassified list")
    parser.add_argument(
        "--cv", type=int, default=0, metavar="N", help="author-grouped N-fold CV instead"
    )
    args = parser.parse_args(argv)
    if args.cv:
        crossvalidate(args.cv, show_misses=not args.no_misses)
    else:
        evaluate(args.model, show_misses=not args.no_misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
