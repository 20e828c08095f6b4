"""The ``yishi`` command run as a user runs it: a subprocess, in a folder of the test's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def yishi(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    env = clean | {"YISHI_LOG__FORMAT": "text"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=120,
        env=env,
    )
