"""Vote words and the tally rules: quorum and each pass rule, with ties."""

from __future__ import annotations

import pytest

from consultation.ballots import (
    PassRule,
    PollKind,
    VoteError,
    fits,
    looks_like_vote,
    parse_vote,
    quorum_met,
    rule_met,
)
from tests.consultation.tally_support import ABC, count


@pytest.mark.parametrize(
    ("text", "mask"),
    [("赞成", 1), ("我同意", 1), ("反对", 2), ("不同意", 2), ("弃权", 4), ("投票 P3 反对", 2)],
)
def test_yes_no_words(text: str, mask: int) -> None:
    assert parse_vote(text, PollKind.YESNO, ()).mask == mask


@pytest.mark.parametrize(
    ("text", "mask"),
    [("投2", 2), ("选B", 2), ("2", 2), ("地下车库", 2), ("投票 P3 A", 1), ("选第3项", 4)],
)
def test_single_choice(text: str, mask: int) -> None:
    assert parse_vote(text, PollKind.SINGLE, ABC).mask == mask


def test_multiple_choice_with_maximum() -> None:
    assert parse_vote("选A和C", PollKind.MULTI, ABC, 2).mask == 0b101
    assert parse_vote("A、B", PollKind.MULTI, ABC, 2).mask == 0b011
    assert parse_vote("选A和B和C", PollKind.MULTI, ABC, 2).error is VoteError.TOO_MANY
    assert parse_vote("选A和C", PollKind.SINGLE, ABC).error is VoteError.ONE_ONLY
    assert parse_vote("投9", PollKind.SINGLE, ABC).error is VoteError.OUT_OF_RANGE
    assert parse_vote("随便", PollKind.SINGLE, ABC).error is VoteError.EMPTY


def test_router_pattern_recognises_votes_only() -> None:
    for text in ("赞成", "投2", "选A和C", "投票 P3 赞成", "P3 反对", "我选B"):
        assert looks_like_vote(text), text
    for text in ("投诉物业", "选举什么时候", "我赞成你说的但是楼道灯还是坏的"):
        assert not looks_like_vote(text), text


def test_quorum_is_inclusive_and_integer_exact() -> None:
    assert quorum_met(60, 100, 60) and not quorum_met(59, 100, 60)
    assert quorum_met(1, 3, 33) and not quorum_met(0, 0, 50) and quorum_met(0, 0, 0)


@pytest.mark.parametrize(
    ("rule", "support", "voters", "electorate", "expected"),
    [
        (PassRule.MAJORITY, 6, 10, 20, True),
        (PassRule.MAJORITY, 5, 10, 20, False),  # exactly half is not a majority (tie)
        (PassRule.TWO_THIRDS, 20, 30, 40, True),  # exactly two thirds passes
        (PassRule.TWO_THIRDS, 19, 30, 40, False),
        (PassRule.ELIGIBLE_MAJORITY, 11, 12, 20, True),
        (PassRule.ELIGIBLE_MAJORITY, 10, 10, 20, False),  # half the eligible: a tie
    ],
)
def test_pass_rules(
    rule: PassRule, support: int, voters: int, electorate: int, expected: bool
) -> None:
    assert rule_met(support, voters, electorate, rule) is expected


def test_yes_no_tie_and_abstentions() -> None:
    tie = count({1: 5, 2: 5}, electorate=10, quorum_pct=50)
    assert tie.tie and not tie.passed and tie.counts == (5, 5, 0)
    abstain = count({1: 5, 2: 3, 4: 3}, electorate=20, quorum_pct=50)
    assert abstain.quorum_met and not abstain.rule_met, "abstentions count as cast"
    low = count({1: 5}, electorate=20, quorum_pct=50)
    assert low.rule_met and not low.quorum_met and not low.passed


def test_choice_poll_winner_and_tie_at_the_top() -> None:
    won = count({1: 6, 2: 3, 4: 1}, kind=PollKind.SINGLE, electorate=10, quorum_pct=50)
    assert won.passed and won.winner == 0 and won.pct(0) == 60.0
    tied = count({1: 4, 2: 4, 4: 2}, kind=PollKind.SINGLE, electorate=10, quorum_pct=50)
    assert tied.tie and tied.winner is None and not tied.passed
    multi = count({0b101: 3, 0b011: 2}, kind=PollKind.MULTI, electorate=5, rule=PassRule.TWO_THIRDS)
    assert multi.counts == (5, 2, 3) and multi.voters == 5 and multi.winner == 0


GATES = ("东门", "西门", "地库")


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("西门", 2),
        ("投西门", 2),
        ("我选地库", 4),
        ("我还是选东门吧", 1),
        ("我改主意了，投B", 2),
        ("地库吧", 4),
        ("选择C", 4),
        ("我就选B吧", 2),
    ],
)
def test_a_choice_in_the_words_people_say_it(text: str, mask: int) -> None:
    assert parse_vote(text, PollKind.SINGLE, GATES).mask == mask


def test_words_fit_a_poll_only_in_the_form_it_asks_for() -> None:
    """A yes/no poll's card asks for 赞成/反对/弃权: "投2" or "B" is an option poll's answer."""
    for text in ("赞成", "我改主意了，反对", "弃权"):
        assert fits(text, PollKind.YESNO, ()), text
        assert not fits(text, PollKind.SINGLE, GATES), text
    for text in ("投2", "B", "西门", "我还是选东门吧"):
        assert not fits(text, PollKind.YESNO, ()), text
        assert fits(text, PollKind.SINGLE, GATES), text
    assert not fits("西门", PollKind.SINGLE, ("北门", "南门"))
    assert not fits("投3", PollKind.SINGLE, ("北门", "南门"))
