"""Chinese numerals (一 … 九十九, 两, 〇) to int: residents write 三号楼, 十二月, 九点半."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_NUM = "[零〇一二两三四五六七八九十]{1,3}"
NUM = rf"(?:\d{{1,4}}|{CN_NUM})"


def to_int(token: str) -> int | None:
    """Arabic or Chinese numeral (below 100) to int; None when it is neither."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    if not token or any(c not in _DIGITS and c != "十" for c in token):
        return None
    if "十" not in token:
        if len(token) == 1:
            return _DIGITS[token]
        return int("".join(str(_DIGITS[c]) for c in token))
    tens, _, ones = token.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
