"""``python -m nlu.train [OUT]``: retrain the shipped intent model from the shipped corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from nlu.cli import train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="训练意图模型 / train the intent model")
    parser.add_argument("out", nargs="?", type=Path, default=None, help="model JSON to write")
    args = parser.parse_args(argv)
    train(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
