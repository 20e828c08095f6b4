"""A complaint about a member of staff (投诉网格员/社区工作人员) is its own confidential kind.

Filed like any report it would go to the grid's workers — the worker complained about
among them, with the complainant's name, free to 办结 it. So a report that names a
member of staff (a grid worker's or moderator's name from the register, 王网格员 /
李书记 as people say it, or 网格员 / 工作人员 / 社区干部 / 书记 …) *and* complains
about them (投诉 / 举报, or conduct: 态度差, 凶, 不作为, 推诿, 吃拿卡要 …) is filed as
:data:`STAFF_COMPLAINT`: in no grid, confidential (:mod:`consultation.confidentiality`),
to the moderators only, never to a moderator it names. "网格员说明天来修" is no complaint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: The category a complaint about staff is filed as (always confidential).
STAFF_COMPLAINT = "投诉工作人员"
#: The ticket detail naming whom it is about (moderators read it on the card).
ACCUSED = "被投诉人"
#: Staff as people call them (a surname before a title names one: 王网格员, 李书记).
TITLES = ("网格员", "书记", "主任", "社工", "干部")
STAFF_WORDS = ("网格员", "工作人员", "社区干部", "居委会干部", "书记", "社区主任", "社工")
#: Words that make a mention of staff a complaint.
COMPLAINT_WORDS = ("投诉", "举报")
CONDUCT_WORDS = (
    "态度差",
    "态度太差",
    "态度不好",
    "态度恶劣",
    "态度很差",
    "凶我",
    "凶人",
    "很凶",
    "太凶",
    "骂我",
    "骂人",
    "吼我",
    "不作为",
    "推诿",
    "推脱",
    "踢皮球",
    "吃拿卡要",
    "收红包",
    "收好处",
    "要好处",
    "刁难",
    "爱答不理",
    "不耐烦",
    "敷衍",
    "乱收费",
    "乱收钱",
    "不接电话",
    "不理人",
    "不管事",
    "不办事",
)
#: 投诉/举报 pointing back at staff named in an earlier clause ("…，我要投诉他").
_AT_THEM = re.compile(r"(?:投诉|举报)(?:一下)?(?:他们|他|她|此人|这个人|这人)")


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A grid worker or moderator from the register, as a complaint may name them."""

    resident_id: int
    name: str

    def named_in(self, text: str) -> bool:
        if not self.name:
            return False
        if self.name in text:
            return True
        return any(f"{self.name[0]}{title}" in text for title in TITLES)


def accused_in(text: str, staff: Iterable[StaffMember]) -> list[StaffMember] | None:
    """Whom ``text`` complains about: the staff it names (possibly none, when it says
    only 网格员 or 工作人员), or None when it is no complaint about staff. One clause must
    say it: 投诉/举报 just before the staff it names (投诉王网格员, 举报一下社区干部), or a
    word of conduct after them (王网格员态度太差, 网格员叫他修灯他还凶我), or 投诉他 after a
    clause that names them (赵网格员天天不接电话，我要投诉他) — so "楼上
    邻居骂人，网格员来调解过" and "我要投诉楼上邻居，网格员也说管不了" are not."""
    people = list(staff)
    named = [s for s in people if s.named_in(text)]
    mentioned = False
    for clause in _CLAUSES.split(text):
        starts = _mentions(clause, people)
        if not starts:
            if mentioned and _AT_THEM.search(clause):
                return named  # "赵网格员天天不接电话，我要投诉他"
            continue
        mentioned = True
        if any(_complaint_before(clause, at) for at, _end in starts):
            return named
        if any(w in clause[end:] for _at, end in starts for w in CONDUCT_WORDS):
            return named
    return None


_CLAUSES = re.compile(r"[，,。.！!？?；;\s]+")


def _mentions(clause: str, staff: list[StaffMember]) -> list[tuple[int, int]]:
    """Where ``clause`` mentions staff: (start, end) of each name, 王网格员, or 网格员."""
    words = list(STAFF_WORDS)
    for person in staff:
        if person.name:
            words.append(person.name)
            words += [f"{person.name[0]}{title}" for title in TITLES]
    found: list[tuple[int, int]] = []
    for word in words:
        at = clause.find(word)
        while at >= 0:
            found.append((at, at + len(word)))
            at = clause.find(word, at + 1)
    return found


def _complaint_before(clause: str, at: int) -> bool:
    """投诉 or 举报 at most a few characters before a mention (投诉你们的网格员)."""
    before = clause[max(0, at - 8) : at]
    return any(w in before for w in COMPLAINT_WORDS)


def accused_of(details: Mapping[str, Any]) -> frozenset[str]:
    """The names a filed complaint about staff is about (its ``被投诉人`` detail)."""
    named = str(details.get(ACCUSED) or "")
    return frozenset(n for n in named.split("、") if n)
