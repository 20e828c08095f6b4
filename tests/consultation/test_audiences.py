"""Every audience's name, to the byte: it is part of each push's de-duplication key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from consultation import audiences as au

CASES: list[tuple[au.Audience, str]] = [
    (au.Reporter(cast(Any, SimpleNamespace(id=7))), "reporter"),
    (au.GridWorkers(3), "gridworkers"),
    (au.Moderators(), "moderators"),
    (au.Person(5), "person5"),
    (au.People((1, 2)), "people"),
    (au.People((1, 2), "moderators"), "moderators"),
    (au.DepartmentContacts("住建"), "departmentcontacts"),
    (au.CommunityGroups(), "communitygroups"),
    (au.Chat("wechat", "room1"), "chat:wechat:room1"),
]


@pytest.mark.parametrize(("audience", "name"), CASES)
def test_name(audience: au.Audience, name: str) -> None:
    assert audience.name == name


def test_audiences_are_frozen_values() -> None:
    assert au.Person(5) == au.Person(5)
    assert len({au.Person(5), au.Person(5), au.Chat("web", "c")}) == 2
    with pytest.raises(AttributeError):
        au.Person(5).resident_id = 6  # type: ignore[misc]
