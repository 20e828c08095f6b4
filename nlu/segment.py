"""jieba word segmentation, initialized once per process.

jieba builds a prefix dictionary on first use (~0.5 s) and caches it on disk;
we point that cache at our own temp directory, keep jieba quiet (it logs to
stderr by default, which would pollute ``yishi nlu`` pipes), and add the
project's vocabulary so that 协商议事日 or 加装电梯 stay one token.

A community adds its own words (building and place names, the property
company): :class:`Segmenter` holds them with a tag each, keeps them whole when
cutting, and the features name the tag (``w:@place``), so that a weight learnt
for one place serves every place of that kind.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

import jieba

USER_DICT = Path(__file__).with_name("userdict.txt")
CACHE_DIR = Path(tempfile.gettempdir()) / "yishi-jieba"
# jieba's full dictionary (349k words) takes ~0.7 s to load even from its cache;
# the 67k words with frequency >= 30 load in ~0.1 s and segment residents'
# messages just as well. The trimmed copy is derived from the installed jieba.
MAIN_DICT_MIN_FREQ = 30

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def get_tokenizer() -> jieba.Tokenizer:
    """The process-wide tokenizer with the user dictionary loaded (lazily, once)."""
    global _tokenizer
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            logging.getLogger("jieba").setLevel(logging.ERROR)
            jieba.setLogLevel(logging.ERROR)
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            tok = jieba.Tokenizer(str(_trimmed_main_dict()))
            tok.tmp_dir = str(CACHE_DIR)
            tok.initialize()
            tok.load_userdict(str(USER_DICT))
            _tokenizer = tok
    return _tokenizer


def _trimmed_main_dict() -> Path:
    """Write (once per jieba version) the frequent-words copy of jieba's dictionary."""
    with jieba.get_dict_file() as handle:
        source = Path(handle.name)
    target = CACHE_DIR / f"dict-{jieba.__version__}-f{MAIN_DICT_MIN_FREQ}.txt"
    if not target.exists():
        kept = []
        with source.open(encoding="utf-8") as lines:
            for line in lines:
                parts = line.split()
                if len(parts) >= 2 and int(parts[1]) >= MAIN_DICT_MIN_FREQ:
                    kept.append(line if line.endswith("\n") else line + "\n")
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("".join(kept), encoding="utf-8")
        os.replace(tmp, target)  # atomic: concurrent processes never see half a file
    return target


def cut(text: str) -> list[str]:
    """Words of an already normalized text, without whitespace tokens."""
    return [w for w in get_tokenizer().cut(text) if not w.isspace()]


TAGS = ("place", "company")
"""Kinds of community word; each becomes a feature ``w:@<tag>``."""


class Segmenter:
    """Cuts text with jieba plus a community's own words, each tagged with a kind.

    Without words it shares the process-wide tokenizer; with words it has its
    own jieba tokenizer (about 0.1 s to build from jieba's cache), so one
    community's words never change another classifier's cutting.
    """

    def __init__(self, words: Mapping[str, str] | None = None) -> None:
        self.words: dict[str, str] = {}
        for word, tag in sorted((words or {}).items()):
            word = word.strip().lower()
            if tag not in TAGS:
                raise ValueError(f"unknown tag {tag!r} for {word!r}; one of {TAGS}")
            if len(word) >= 2 and not word.isspace():
                self.words[word] = tag
        self._tokenizer = get_tokenizer() if not self.words else self._own_tokenizer()

    def _own_tokenizer(self) -> jieba.Tokenizer:
        base = get_tokenizer()
        tok = jieba.Tokenizer(base.dictionary)
        tok.tmp_dir = str(CACHE_DIR)
        with _lock:
            tok.initialize()
        tok.load_userdict(str(USER_DICT))
        for word in self.words:
            tok.add_word(word, freq=max(1000, tok.suggest_freq(word)))
        return tok

    def cut(self, text: str) -> list[str]:
        """Words of an already normalized text, without whitespace tokens."""
        return [w for w in self._tokenizer.cut(text) if not w.isspace()]

    def tag(self, word: str) -> str | None:
        """The community tag of a word it was given, else None."""
        return self.words.get(word)


_default: Segmenter | None = None


def default_segmenter() -> Segmenter:
    """The segmenter with no community words (one per process)."""
    global _default
    if _default is None:
        _default = Segmenter()
    return _default
