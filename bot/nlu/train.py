"""``python -m bot.nlu.train``: the same as ``python -m nlu.train``."""

from nlu.train import main

if __name__ == "__main__":
    raise SystemExit(main())
