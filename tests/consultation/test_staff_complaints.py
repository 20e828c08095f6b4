"""Which reports are complaints about staff (consultation.staff_complaints.accused_in)."""

from __future__ import annotations

import pytest

from consultation.staff_complaints import StaffMember, accused_in

STAFF = [StaffMember(1, "王网格员"), StaffMember(2, "李书记"), StaffMember(3, "赵建国")]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("我要投诉王网格员，态度太差，叫他修灯他还凶我", ["王网格员"]),
        ("王网格员态度太差", ["王网格员"]),
        ("我要举报李书记，推诿扯皮不作为", ["李书记"]),
        ("赵建国吃拿卡要", ["赵建国"]),
        ("赵网格员不作为，灯坏了一个月", ["赵建国"]),
        ("投诉一下你们的网格员", []),
        ("社区工作人员态度很差，办个证明推来推去", []),
        # The third walk: the complaint said after the name, pointing back at him.
        ("赵网格员天天不接电话，我要投诉他", ["赵建国"]),
        ("王网格员乱收费，举报他", ["王网格员"]),
    ],
)
def test_a_complaint_about_staff_names_whom_it_is_about(text: str, names: list[str]) -> None:
    found = accused_in(text, STAFF)
    assert found is not None and [s.name for s in found] == names


@pytest.mark.parametrize(
    "text",
    [
        "网格员说明天来修",
        "3号楼楼道灯坏了，王网格员说明天来修",
        "楼上邻居骂人，网格员来调解过",
        "网格员来调解过，邻居还骂人",
        "我要投诉楼上邻居，网格员也说管不了",
        "物业保安态度太差",
        "谢谢王网格员，很负责",
        "楼上邻居天天吵，我要投诉他",
    ],
)
def test_a_mention_of_staff_that_complains_of_nobody_of_them_is_not(text: str) -> None:
    assert accused_in(text, STAFF) is None
