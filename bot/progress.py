"""Progress of a long import or export, on stderr, only when a person is watching.

On a terminal the line is rewritten in place a few times a second; piped or in a
log (cron, CI) nothing is written, so the output stays exactly the data.
"""

from __future__ import annotations

import time
from typing import TextIO


class ProgressMeter:
    """``progress(done)`` after each row; :meth:`close` ends the line."""

    def __init__(
        self, stream: TextIO, label: str, total: int | None = None, *, every: float = 0.2
    ) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.every = every
        self.active = stream.isatty()
        self._shown = 0.0
        self._done = 0

    def __call__(self, done: int) -> None:
        self._done = done
        if not self.active:
            return
        now = time.monotonic()
        if now - self._shown >= self.every:
            self._shown = now
            self._show()

    def _show(self) -> None:
        of = f"/{self.total}" if self.total is not None else ""
        self.stream.write(f"\r{self.label}: {self._done}{of} 行")
        self.stream.flush()

    def close(self) -> None:
        if self.active and self._shown:
            self._show()
            self.stream.write("\n")
            self.stream.flush()
