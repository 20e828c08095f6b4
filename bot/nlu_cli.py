"""``yishi nlu``: the router's own classifier over stdin lines."""

from __future__ import annotations

import json
from typing import TextIO

from bot.app import load_default_classifier


def run_nlu_command(stdin: TextIO, stdout: TextIO) -> int:
    """Classify each non-empty line; one JSON object per line, flushed as it goes."""
    classifier = load_default_classifier()
    for line in stdin:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        result = classifier.classify(text)
        stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
