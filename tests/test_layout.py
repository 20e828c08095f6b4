"""The suite's own layout: a test module imports support modules (tests/kit.py,
conftest, fakes, *_support.py), never another test module, so each reads on its own."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def test_no_test_module_imports_another() -> None:
    offenders = []
    for path in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if (
                module
                and module.startswith("tests.")
                and module.rsplit(".")[-1].startswith("test_")
            ):
                offenders.append(f"{path.relative_to(TESTS)} imports {module}")
    assert offenders == []


PRODUCT = ("bot", "console", "handlers", "notices", "nlu", "kernel", "consultation", "storage")
# Names every module of a kind defines on purpose: a command's entry point, a notice
# module's dispatch routes.
CONVENTIONS = {"main", "run", "routes"}


def test_no_name_is_defined_twice_for_two_things() -> None:
    """A class or function name means one thing across the product: grep finds it."""
    places: dict[str, list[str]] = {}
    root = TESTS.parent
    for package in PRODUCT:
        for path in (root / package).rglob("*.py"):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    places.setdefault(node.name, []).append(str(path.relative_to(root)))
    twice = {n: p for n, p in places.items() if len(p) > 1 and n not in CONVENTIONS}
    assert twice == {}
