"""Generate the labelled corpus: templates × slot fillers × noise, seeded.

Run once (``python -m nlu.corpus.generate``); the output files
``train.jsonl`` and ``heldout.jsonl`` are committed so that training and the
regression test never depend on this script's randomness again. The held-out
split uses its own templates and its own quarter of every filler pool, and any
text that also occurs in the training split is dropped from it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path

from kernel.intents import INTENT_LABELS
from nlu._trad import TRAD_TO_SIMP
from nlu.corpus import HELDOUT_PATH, TRAIN_PATH
from nlu.corpus.templates import (
    CONTEXT_PREFIX,
    CONTEXT_SUFFIX,
    DIALECT,
    EMOJI,
    ENGLISH,
    POOLS,
    TEMPLATES,
    TYPOS,
)
from nlu.normalize import normalize

SEED = 20261122
PER_LABEL = {"train": 700, "heldout": 150}

_SIMP_TO_TRAD: dict[int, str] = {ord(s): t for t, s in sorted(TRAD_TO_SIMP.items(), reverse=True)}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CN_DIGITS = "零一二三四五六七八九十"

PLACES = [
    "东门",
    "南门",
    "北门",
    "西门",
    "地下车库",
    "小区广场",
    "中心花园",
    "垃圾站旁边",
    "幼儿园门口",
    "健身区",
    "自行车棚",
    "楼顶",
    "停车场",
    "菜市场门口",
    "小区主干道",
    "物业办公室门口",
    "篮球场",
    "快递驿站旁边",
    "消防通道",
    "后门",
    "老年活动室",
    "儿童游乐场",
    "社区卫生站门口",
    "地下室",
]


def _for_split(items: list[str], split: str) -> list[str]:
    """Every fourth non-empty item is held out; small pools are shared."""
    blanks = [i for i in items if not i]
    full = [i for i in items if i]
    if len(full) < 6:
        return items
    chosen = [x for n, x in enumerate(full) if (n % 4 == 3) == (split == "heldout")]
    return blanks + chosen


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")


def _random_place(rng: random.Random, split: str) -> str:
    places = _for_split(PLACES, split)
    b, u, r = rng.randint(1, 32), rng.randint(1, 6), rng.randint(1, 18) * 100 + rng.randint(1, 4)
    forms = [
        f"{b}号楼",
        f"{b}栋",
        f"{b}幢",
        f"{b}#楼",
        f"{_cn_number(b)}号楼",
        f"{b}号楼{u}单元",
        f"{b}栋{u}单元{r}",
        f"{b}-{u}-{r}",
        f"{b}号楼{r}室",
        f"{b}栋{u}单元",
        rng.choice(places),
        rng.choice(places),
        f"{b}号楼{rng.choice(['门口', '楼下', '后面', '楼道'])}",
        f"{u}单元",
        f"{b}幢{u}单元{r}室",
    ]
    return rng.choice(forms)


def _ticket(rng: random.Random, split: str) -> str:
    code = f"R2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{rng.randint(1, 60):04d}"
    return rng.choice([code, code, code.lower(), f"单号{code}", f"{code} "])


def _topic(rng: random.Random, split: str) -> str:
    n = rng.randint(1, 60)
    return rng.choice([f"T{n}", f"T{n}", f"t{n}", f"{n}号议题", f"议题T{n}"])


def _poll(rng: random.Random, split: str) -> str:
    n = rng.randint(1, 20)
    return rng.choice([f"P{n}", f"P{n}", f"p{n}", f"投票P{n}", f"{n}号投票"])


def _meeting(rng: random.Random, split: str) -> str:
    m = rng.randint(1, 12)
    return rng.choice([f"M2026{m:02d}", f"M2027{m:02d}", f"{m}月的议事会", f"{m}月份协商议事日"])


GENERATED: dict[str, Callable[[random.Random, str], str]] = {
    "loc": _random_place,
    "ticket": _ticket,
    "topic": _topic,
    "poll": _poll,
    "meeting": _meeting,
}


def fill(template: str, rng: random.Random, split: str) -> str:
    """Replace each {placeholder} with a filler drawn for this split."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in GENERATED:
            return GENERATED[name](rng, split)
        return rng.choice(_for_split(POOLS[name], split))

    return _PLACEHOLDER.sub(one, template)


def add_noise(text: str, rng: random.Random) -> str:
    """Surface variation as residents type: dialect, typos, emoji, 繁體, English, length."""
    if rng.random() < 0.2:
        for word, subs in DIALECT:
            if word in text and rng.random() < 0.5:
                text = text.replace(word, rng.choice(subs), 1)
    if rng.random() < 0.15:
        spots = [i for i, c in enumerate(text) if c in TYPOS]
        if spots:
            i = rng.choice(spots)
            text = text[:i] + rng.choice(TYPOS[text[i]]) + text[i + 1 :]
    if rng.random() < 0.2:
        text = (
            (text + rng.choice(EMOJI) * rng.randint(1, 3))
            if rng.random() < 0.7
            else (rng.choice(EMOJI) + text)
        )
    if rng.random() < 0.06:
        text += rng.choice(ENGLISH)
    if rng.random() < 0.1:
        text = rng.choice(CONTEXT_PREFIX) + text
    if rng.random() < 0.08:
        text = text.rstrip("。！!？?") + "，" + rng.choice(CONTEXT_SUFFIX)
    if rng.random() < 0.15:
        text = re.sub(r"[，。！？、,.!?]", rng.choice(["", " ", "，"]), text)
    if rng.random() < 0.08:
        text = text.translate(_SIMP_TO_TRAD)
    if rng.random() < 0.05:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text.strip() or text


def generate_split(split: str, seed: int, exclude: set[str]) -> list[dict[str, str]]:
    """Examples for one split, balanced per label, deduplicated after normalization."""
    rng = random.Random(f"{seed}-{split}")
    rows: list[dict[str, str]] = []
    for label in INTENT_LABELS:
        templates = TEMPLATES[label][split]
        seen: set[str] = set()
        attempts = 0
        while len(seen) < PER_LABEL[split] and attempts < PER_LABEL[split] * 40:
            attempts += 1
            text = add_noise(fill(rng.choice(templates), rng, split), rng)
            key = normalize(text)
            if not key or key in seen or key in exclude:
                continue
            seen.add(key)
            rows.append({"text": text, "intent": label})
    rng.shuffle(rows)
    return rows


def write_jsonl(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    train = generate_split("train", SEED, set())
    heldout = generate_split("heldout", SEED, {normalize(r["text"]) for r in train})
    write_jsonl(train, TRAIN_PATH)
    write_jsonl(heldout, HELDOUT_PATH)
    print(f"train: {len(train)} → {TRAIN_PATH}\nheldout: {len(heldout)} → {HELDOUT_PATH}")


if __name__ == "__main__":
    main()
