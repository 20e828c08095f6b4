"""All resident-facing sentences, looked up by key from ``locale/zh_CN.toml``.

Keeping them in one file lets a 社区工作者 review the wording and a translator
work without reading code.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "zh_CN"


@cache
def catalog(locale: str = DEFAULT_LOCALE) -> dict[str, str]:
    """Flattened ``section.key`` → sentence."""
    raw = tomllib.loads((LOCALE_DIR / f"{locale}.toml").read_text(encoding="utf-8"))
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", raw)
    return flat


def t(key: str, /, **values: Any) -> str:
    """The sentence for ``key`` with ``{placeholders}`` filled in."""
    text = catalog()[key]
    return text.format(**values) if values else text
