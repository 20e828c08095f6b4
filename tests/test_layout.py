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
