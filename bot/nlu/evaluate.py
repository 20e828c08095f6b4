"""``python -m bot.nlu.evaluate``: the same as ``python -m nlu.evaluate``."""

from nlu.evaluate import main

if __name__ == "__main__":
    raise SystemExit(main())
