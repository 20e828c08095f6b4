"""``python -m nlu.evaluate [MODEL]``: figures on the held-out split."""

from __future__ import annotations

import argparse
from pathlib import Path

from nlu.cli import evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="评估意图模型 / evaluate on held-out")
    parser.add_argument("model", nargs="?", type=Path, default=None, help="model JSON to read")
    parser.add_argument("--no-misses", action="store_true", help="omit misclassified list")
    args = parser.parse_args(argv)
    evaluate(args.model, show_misses=not args.no_misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
