"""The one rule's view of a ticket's words: phone and ID numbers a resident typed are
masked for every reader but the moderators, the reporter and (on an ordinary ticket)
the grid worker who may need to call; a department is never told who reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from consultation.confidentiality import WITHHELD, Confidentiality, Viewer

SAID = "楼道灯坏了，我是301的刘大爷，电话138 1234 5678，身份证110101199003071234"
PHONE = "138 1234 5678"
MASKED = "138****5678"


@dataclass
class _Ticket:
    category: str = "公共设施"
    reporter_name: str | None = "刘大爷"
    building: str | None = "3号楼"
    unit: str | None = "2单元"
    room: str | None = "301"
    spot: str | None = None
    description: str = SAID
    details: dict[str, Any] = field(default_factory=dict)


RULE = Confidentiality()


@pytest.mark.parametrize(
    ("viewer", "clear"),
    [
        (Viewer.MODERATOR, True),
        (Viewer.REPORTER, True),
        (Viewer.HANDLER, True),  # he may call the number the resident left him
        (Viewer.DEPARTMENT, False),
        (Viewer.RECORD, False),
    ],
)
def test_an_ordinary_tickets_numbers_by_reader(viewer: Viewer, clear: bool) -> None:
    shown = RULE.shown(_Ticket(), viewer)
    assert (PHONE in shown.description) is clear, shown.description
    assert ("110101199003071234" in shown.description) is clear, shown.description
    if not clear:
        assert MASKED in shown.description and "110101********1234" in shown.description
    assert shown.said("回电13987654321") == ("回电13987654321" if clear else "回电139****4321")
    # A list line masks for everyone: the ticket's page has the rest.
    assert PHONE not in shown.brief() and MASKED in shown.brief()


@pytest.mark.parametrize("viewer", [Viewer.HANDLER, Viewer.DEPARTMENT, Viewer.RECORD])
def test_a_disputes_numbers_are_masked_for_all_but_moderator_and_complainant(
    viewer: Viewer,
) -> None:
    ticket = _Ticket(category="邻里纠纷", details={"对方是几号楼几室": "402，电话13900001111"})
    shown = RULE.shown(ticket, viewer)
    assert PHONE not in shown.description and MASKED in shown.description
    assert "301" not in shown.description and "刘大爷" not in shown.description
    assert all("13900001111" not in a for a in shown.details.values()), shown.details
    for whole in (Viewer.MODERATOR, Viewer.REPORTER):
        assert RULE.shown(ticket, whole).description == SAID


@pytest.mark.parametrize(
    "said", ["我是138-1234-5678", "我是138 1234 5678", "我是301的 138 1234 5678"]
)
def test_a_masked_number_is_not_read_as_a_room(said: str) -> None:
    """A number after 我是 is masked as a number, not half of it taken for his room."""
    shown = RULE.shown(_Ticket(category="邻里纠纷", description=said), Viewer.HANDLER)
    assert MASKED in shown.description and "（门牌号保密）*" not in shown.description
    assert "1234" not in shown.description, shown.description


def test_a_department_is_not_told_who_reported() -> None:
    shown = RULE.shown(_Ticket(), Viewer.DEPARTMENT)
    assert shown.reporter == WITHHELD and "刘大爷" not in shown.description
    assert shown.room == "301", "the place of the problem is where the department goes"
    assert RULE.actor("公共设施", "filed", "刘大爷", Viewer.DEPARTMENT) == WITHHELD
    assert RULE.actor("公共设施", "accepted", "王网格员", Viewer.DEPARTMENT) == "王网格员"
    assert RULE.shown(_Ticket(), Viewer.HANDLER).reporter == "刘大爷"


def test_a_follower_reads_no_room_phone_or_name() -> None:
    """A resident following someone else's ticket is a neighbour: the building and unit,
    not the room; no room he names (楼上是402), no phone, no reporter."""
    said = "我住3号楼2单元301 楼道灯坏了 502门口也不亮 电话13812345678 2026年修过一次"
    shown = RULE.shown(_Ticket(description=said), Viewer.FOLLOWER)
    assert (shown.building, shown.unit, shown.room) == ("3号楼", "2单元", None)
    assert shown.reporter == WITHHELD and shown.details == {}
    assert "301" not in shown.description and "502" not in shown.description
    assert "13812345678" not in shown.description
    assert "138****5678" in shown.description and "2026年" in shown.description
    assert RULE.actor("公共设施", "filed", "刘大爷", Viewer.FOLLOWER) == WITHHELD


@pytest.mark.parametrize(
    ("category", "said", "followable"),
    [
        ("公共设施", "3号楼2单元楼道灯坏了", True),
        ("噪音扰民", "晚上广场舞太吵", False),
        ("邻里纠纷", "占用楼道堆杂物", False),
        ("房屋维修", "楼上天天漏水到我家", False),
        ("环境卫生", "隔壁邻居把垃圾堆在门口", False),
    ],
)
def test_a_complaint_about_a_neighbour_is_never_followed(
    category: str, said: str, followable: bool
) -> None:
    assert RULE.may_follow(_Ticket(category=category, description=said)) is followable
