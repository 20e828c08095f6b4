"""Break each handler on purpose and see whether the test suite notices.

For every ``Handler`` subclass in the ``handlers`` package and each of ``handle`` /
``resume`` it defines itself, the suite runs once with that method raising
(``pytest -x``: the first failing test is enough). A breakage no test notices is a
flow whose tests cannot fail; the list is printed at the end.

    .venv/bin/python scripts/break_handlers.py                 # every handler, every test
    .venv/bin/python scripts/break_handlers.py --only Vote     # classes whose name has "Vote"
    .venv/bin/python scripts/break_handlers.py tests/bot       # only these tests

The same file is the pytest plugin that does the breaking (``-p scripts.break_handlers``
with ``YISHI_BREAK=module:Class.method``), so nothing in the product knows about it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV = "YISHI_BREAK"


class BrokenOnPurpose(RuntimeError):
    """What a broken handler raises."""


# -- the pytest plugin ------------------------------------------------------------------


def pytest_configure(config: Any) -> None:
    target = os.environ.get(ENV)
    if not target:
        return
    module_name, _, qualname = target.partition(":")
    class_name, _, method = qualname.partition(".")
    cls = getattr(importlib.import_module(module_name), class_name)

    async def broken(self: Any, ctx: Any) -> Any:
        raise BrokenOnPurpose(f"{qualname} broken on purpose")

    setattr(cls, method, broken)


# -- the runner -------------------------------------------------------------------------


def targets() -> Iterator[str]:
    """``module:Class.method`` for each handle/resume a handler class defines itself."""
    sys.path.insert(0, str(ROOT))
    import handlers
    from kernel.handler import Handler

    seen: set[type] = set()
    for info in pkgutil.iter_modules(handlers.__path__, "handlers."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Handler) or cls is Handler or cls in seen:
                continue
            if cls.__module__ != module.__name__:
                continue  # imported here, defined elsewhere
            seen.add(cls)
            for method in ("handle", "resume"):
                if method in vars(cls):
                    yield f"{cls.__module__}:{cls.__qualname__}.{method}"


def run(target: str, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """'noticed' / 'SURVIVED' / 'timeout', the seconds taken, and the first failing test."""
    started = time.monotonic()
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "scripts.break_handlers",
        *tests,
    ]
    try:
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, ENV: target},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started, ""
    elapsed = time.monotonic() - started
    if done.returncode == 0:
        return "SURVIVED", elapsed, ""
    failed = [
        ln for ln in done.stdout.splitlines() if ln.startswith(("FAILED tests", "ERROR tests"))
    ]
    return "noticed", elapsed, failed[0].split(" - ")[0] if failed else done.stdout[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tests", nargs="*", default=["tests/handlers", "tests/bot", "tests"])
    parser.add_argument("--only", default="", help="only classes whose name contains this")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    args = parser.parse_args()
    chosen = [t for t in targets() if args.only in t.partition(":")[2]]
    survived: list[str] = []
    for n, target in enumerate(chosen, 1):
        verdict, seconds, first = run(target, args.tests, args.timeout)
        print(f"[{n:2}/{len(chosen)}] {verdict:8} {seconds:6.1f}s  {target}  {first}", flush=True)
        if verdict != "noticed":
            survived.append(target)
    print(f"\n{len(chosen) - len(survived)} of {len(chosen)} breakages noticed by the tests")
    for target in survived:
        print(f"  not noticed: {target}")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
