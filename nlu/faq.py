"""The community's everyday questions and answers, in a file the moderators edit.

A TOML file of ``[[faq]]`` entries, each with ``keywords`` (any of which names the
subject: 物业费, 快递柜) and an ``answer``; ``asks`` optionally lists words of which
one must appear too (几点, 电话) when the subject alone is not a question. A
question is answered by the entry with the most (then longest) keyword hits:
simple, predictable, and a moderator can see why an answer came.
``[community] faq_path`` names the file; without one the shipped default serves.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from nlu.dialogue import is_question
from nlu.normalize import normalize

DEFAULT_FAQ = Path(__file__).with_name("faq_default.toml")


class FaqError(ValueError):
    """The FAQ file is missing or malformed (named in one line at start-up)."""


@dataclass(frozen=True, slots=True)
class Entry:
    keywords: tuple[str, ...]
    answer: str
    asks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Faq:
    entries: tuple[Entry, ...]

    def answer(self, text: str) -> str | None:
        """The answer to ``text`` when it asks one of the questions, else None."""
        body = normalize(text)
        if not is_question(body) or len(body) > 60:
            return None
        best: tuple[int, int] | None = None
        chosen: Entry | None = None
        for entry in self.entries:
            hits = [k for k in entry.keywords if k in body]
            if not hits or (entry.asks and not any(a in body for a in entry.asks)):
                continue
            score = (len(hits), max(len(k) for k in hits))
            if best is None or score > best:
                best, chosen = score, entry
        return chosen.answer.strip() if chosen is not None else None


def load_faq(path: str | Path | None = None) -> Faq:
    """The FAQ in ``path`` (the shipped default when empty)."""
    source = Path(path) if path else DEFAULT_FAQ
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FaqError(f"cannot read {source}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FaqError(f"{source}: {exc}") from exc
    entries = []
    for number, raw in enumerate(data.get("faq", []), start=1):
        keywords = tuple(normalize(str(k)) for k in raw.get("keywords", ()) if str(k).strip())
        answer = str(raw.get("answer", "")).strip()
        if not keywords or not answer:
            raise FaqError(f"{source}: entry {number} needs keywords and an answer")
        asks = tuple(normalize(str(a)) for a in raw.get("asks", ()))
        entries.append(Entry(keywords, answer, asks))
    return Faq(tuple(entries))
