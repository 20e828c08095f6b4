"""Pre-screening against the catalogue and 六议六不议, and topic drafts."""

from __future__ import annotations

from consultation.screening import screen
from consultation.topics import buildings_in, draft_from_message


def test_public_matter_is_in_the_catalogue() -> None:
    hint = screen("小区停车位太少，建议增加车位")
    assert hint.verdict == "ok" and any("公共设施" in x for x in hint.catalogue)


def test_private_dispute_is_flagged_not_discussed() -> None:
    hint = screen("邻居借钱不还")
    assert hint.verdict == "not_discuss" and "私人纠纷" in hint.not_discuss[0]


def test_unknown_is_left_to_the_moderator_and_lists_are_configurable() -> None:
    assert screen("想聊聊天").verdict == "unclear"
    assert screen("想聊聊天", catalogue=["闲谈: 聊天"], discuss=[], not_discuss=[]).verdict == "ok"


def test_draft_and_buildings() -> None:
    draft = draft_from_message("我想提个议题：3号楼和5栋停车位太少，建议改造东侧空地")
    assert draft is not None and draft.title == "3号楼和5栋停车位太少"
    assert buildings_in(draft.description) == ["3号楼", "5号楼"]
    assert draft_from_message("我想提个议题") is None
