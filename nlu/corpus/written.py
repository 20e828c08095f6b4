"""The hand-written corpus: one file per author, messages grouped by intent.

Each file under ``written/train/`` or ``written/test/`` is one author (a
persona with a style of writing). Its header names them::

    # author: t01 退休语文教师·74岁·北方老旧小区
    # style: elderly-formal
    # split: test

then ``= <intent>`` opens a section and every following non-empty line is one
message with that label. A line may start with ``[style]`` when the author
writes it differently from their usual style (``[voice]`` for a run-on typed by
voice input). The compiled TSVs (``residents_train.tsv``, ``residents_test.tsv``:
text, intent, author, style, source) are what training and evaluation read;
``python -m nlu.corpus.written`` rebuilds them, and a test checks that they are
in step with the files.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kernel.intents import INTENT_LABELS

WRITTEN_DIR = Path(__file__).parent / "written"
SPLITS = ("train", "test")
COLUMNS = ("text", "intent", "author", "style", "source")

_HEADER = re.compile(r"^#\s*(author|style|split):\s*(.+?)\s*$")
_SECTION = re.compile(r"^=\s*([a-z_]+)\s*$")
_STYLE = re.compile(r"^\[([a-z+-]+)\]\s*")


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled message with where it came from."""

    text: str
    intent: str
    author: str
    style: str
    source: str

    def as_tuple(self) -> tuple[str, str, str, str, str]:
        return (self.text, self.intent, self.author, self.style, self.source)


class CorpusFormatError(ValueError):
    """A written file that doesn't follow the format (with file and line)."""


def parse_file(path: Path) -> list[Row]:
    """The messages of one author's file, in file order."""
    meta: dict[str, str] = {}
    intent: str | None = None
    rows: list[Row] = []
    source = f"written:{path.parent.name}/{path.name}"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            found = _HEADER.match(line)
            if found:
                meta[found.group(1)] = found.group(2)
            continue
        section = _SECTION.match(line)
        if section:
            intent = section.group(1)
            if intent not in INTENT_LABELS:
                raise CorpusFormatError(f"{path}:{number}: unknown intent {intent!r}")
            continue
        if intent is None or "author" not in meta or "style" not in meta:
            raise CorpusFormatError(f"{path}:{number}: message before header or section")
        style = meta["style"]
        tagged = _STYLE.match(line)
        if tagged:
            style, line = tagged.group(1), line[tagged.end() :]
        rows.append(Row(line, intent, meta["author"], style, source))
    if meta.get("split") != path.parent.name:
        raise CorpusFormatError(f"{path}: split {meta.get('split')!r} but lives in {path.parent}")
    return rows


def parse_split(split: str, root: Path = WRITTEN_DIR) -> list[Row]:
    """Every author's messages of one split, authors in file-name order."""
    return [row for path in sorted((root / split).glob("*.txt")) for row in parse_file(path)]


def write_tsv(rows: Iterable[Row], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(row.as_tuple() for row in rows)


def read_tsv(path: Path) -> Iterator[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise CorpusFormatError(f"{path}: columns {header}, expected {list(COLUMNS)}")
        for fields in reader:
            yield Row(*fields)


def tsv_path(split: str) -> Path:
    return Path(__file__).parent / f"residents_{split}.tsv"


def main() -> int:
    """Rebuild the two TSVs from the written files and print their sizes."""
    for split in SPLITS:
        rows = parse_split(split)
        write_tsv(rows, tsv_path(split))
        authors = len({r.author for r in rows})
        print(f"{split}: {len(rows)} messages by {authors} authors → {tsv_path(split).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
