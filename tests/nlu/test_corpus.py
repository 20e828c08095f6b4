"""The shipped corpus: written by hand, reviewable, and split so that evaluation can't flatter."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kernel.intents import INTENT_LABELS
from nlu.corpus import (
    TEST_PATH,
    WRITTEN_TRAIN_PATH,
    distinct,
    evaluation_set,
    load_written,
    shipped_training,
)
from nlu.corpus.written import (
    COLUMNS,
    SPLITS,
    CorpusFormatError,
    parse_file,
    parse_split,
    read_tsv,
    tsv_path,
)
from nlu.normalize import normalize


def test_the_tsvs_are_in_step_with_the_written_files() -> None:
    """``python -m nlu.corpus.written`` was run after the last edit."""
    for split in SPLITS:
        assert list(read_tsv(tsv_path(split))) == parse_split(split), split


def test_at_least_5000_distinct_messages_with_their_provenance() -> None:
    rows = [*load_written(WRITTEN_TRAIN_PATH), *load_written(TEST_PATH)]
    assert len(distinct(rows)) >= 5000
    assert all(r.author and r.style and r.source.startswith("written:") for r in rows)
    header = TEST_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert header.split("\t") == list(COLUMNS)


def test_test_authors_never_write_training_messages() -> None:
    train_authors = {r.author.split()[0] for r in load_written(WRITTEN_TRAIN_PATH)}
    test_authors = {r.author.split()[0] for r in load_written(TEST_PATH)}
    assert len(test_authors) >= 25
    assert not train_authors & test_authors


def test_every_intent_has_its_share() -> None:
    train = Counter(r.intent for r in load_written(WRITTEN_TRAIN_PATH))
    test = Counter(r.intent for r in evaluation_set())
    for label in INTENT_LABELS:
        assert train[label] >= 150, label
        assert test[label] >= 45, label


def test_overlap_with_training_is_only_short_everyday_words() -> None:
    """Test messages that also occur in training (赞成, 收到, 好的) are few and short."""
    trained = {normalize(e.text) for e in shipped_training()}
    shared = [e.text for e in evaluation_set() if normalize(e.text) in trained]
    assert len(shared) <= 0.08 * len(evaluation_set())
    assert all(len(text) <= 12 for text in shared), [t for t in shared if len(t) > 12]


def test_styles_cover_how_residents_write() -> None:
    styles = {r.style for r in load_written(WRITTEN_TRAIN_PATH)} & {
        r.style for r in load_written(TEST_PATH)
    }
    needed = {"elderly", "formal", "northern", "southern", "dialect", "voice", "typo", "emoji"}
    assert needed <= styles


def test_a_malformed_file_is_refused_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "test" / "z1.txt"
    bad.parent.mkdir()
    bad.write_text("# author: z1 某人\n# style: terse\n# split: test\n= gossip\n你好\n")
    with pytest.raises(CorpusFormatError, match=r"z1\.txt:4: unknown intent"):
        parse_file(bad)
    bad.write_text("# author: z1 某人\n# style: terse\n# split: train\n= other\n你好\n")
    with pytest.raises(CorpusFormatError, match="split 'train'"):
        parse_file(bad)


def test_a_line_may_name_its_own_style(tmp_path: Path) -> None:
    good = tmp_path / "train" / "z2.txt"
    good.parent.mkdir()
    good.write_text(
        "# author: z2 某人\n# style: terse\n# split: train\n= report_issue\n灯坏了\n"
        "[voice] 那个灯啊坏了好几天了\n",
        encoding="utf-8",
    )
    rows = parse_file(good)
    assert [(r.text, r.style) for r in rows] == [
        ("灯坏了", "terse"),
        ("那个灯啊坏了好几天了", "voice"),
    ]
    assert rows[0].source == "written:train/z2.txt"
