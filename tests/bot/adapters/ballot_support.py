"""An attacker's look at a SQLite file after anonymous votes: every row of every table
(whatever ``sqlite_master`` lists, not only the tables the code knows), and any row
that names a voter must not carry a choice.

What the bot published to everyone (the poll's announcement with its buttons, the
result to the group) names no one's choice: a row whose text the bot also said in a
chat of no voter (a group) is read as published.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from typing import Any

#: The options of a yes/no poll: any of them beside a voter is a leak.
CHOICES = ("赞成", "反对", "弃权")

Row = dict[str, Any]


def every_row(url: str) -> dict[str, list[Row]]:
    """Every row of every table of the SQLite database at ``url`` (``sqlite:///path``)."""
    path = url.removeprefix("sqlite:///")
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: [dict(row) for row in db.execute(f'SELECT * FROM "{table}"')] for table in tables
        }
    finally:
        db.close()


def _parsed(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _texts(row: Row) -> Iterable[str]:
    """The texts a row holds as messages: a line's ``text``, a payload's or reply's."""
    for key in ("text", "payload", "reply"):
        value = _parsed(row.get(key))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                yield str(item.get("text", ""))
            elif isinstance(item, str):
                yield item


def _leaves(value: Any, everyone: set[str]) -> Iterable[str]:
    """The strings in ``value`` (JSON opened), without what was published: a message
    whose text everyone got is left out whole, with its buttons, and so is the start of
    one."""
    value = _parsed(value)
    if isinstance(value, dict):
        if value.get("text") in everyone:
            return
        for item in value.values():
            yield from _leaves(item, everyone)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, everyone)
    elif value is not None and not any(text.startswith(str(value)) for text in everyone):
        yield str(value)  # (a delivery record keeps the start of what it sent)


def published(rows: dict[str, list[Row]], voters_chats: Collection[str]) -> set[str]:
    """What the bot said in or pushed to a chat that is no voter's own (a group):
    everyone's. (What a person said there is theirs: it names them.)"""
    out: set[str] = set()
    for table in ("pushes", "web_chat_lines"):
        for row in rows.get(table, []):
            if row.get("chat_id") not in voters_chats and row.get("sender_id") is None:
                out.update(t for t in _texts(row) if t)
    return out


def choices_beside_voters(
    rows: dict[str, list[Row]],
    ids: Collection[str],
    names: Collection[str],
    resident_ids: Collection[int],
) -> list[tuple[str, Row]]:
    """The rows that name a voter — a platform id in any column, a resident id in a
    ``*resident_id`` column or as ``r:7``/``resident:7``, a name anywhere — and carry a
    choice word outside published text."""
    everyone = published(rows, ids)
    keys = {f"r:{i}" for i in resident_ids} | {f"resident:{i}" for i in resident_ids}
    found = []
    for table, table_rows in rows.items():
        for row in table_rows:
            names_voter = any(
                (isinstance(v, str) and (v in ids or v in keys or any(n in v for n in names)))
                or (k.endswith("resident_id") and v in resident_ids)
                for k, v in row.items()
            )
            said = [leaf for v in row.values() for leaf in _leaves(v, everyone)]
            if names_voter and any(c in leaf for leaf in said for c in CHOICES):
                found.append((table, row))
    return found
