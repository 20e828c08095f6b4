"""The edges of reading a vote and counting a poll, found by mutation testing (make mutate):
each case here failed to notice a small change to consultation/ballots.py before."""

from __future__ import annotations

import pytest

from consultation.ballots import (
    PassRule,
    PollKind,
    VoteError,
    parse_vote,
    quorum_met,
    rule_met,
)
from tests.consultation.tally_support import ABC, count


@pytest.mark.parametrize(
    ("text", "kind", "mask"),
    [
        ("YES", PollKind.YESNO, 0b001),  # any case
        ("我选B。", PollKind.SINGLE, 0b010),
    ],
)
def test_more_ways_of_saying_a_choice(text: str, kind: PollKind, mask: int) -> None:
    options = () if kind is PollKind.YESNO else ABC
    parsed = parse_vote(text, kind, options)
    assert parsed.ok and parsed.mask == mask


@pytest.mark.parametrize(
    ("text", "kind", "max_choices", "error"),
    [
        ("投4", PollKind.SINGLE, 1, VoteError.OUT_OF_RANGE),  # one past the last option
        # A yes/no poll takes 赞成/反对/弃权 in words: "投2" was its 反对, meant for a poll
        # of options whose card had just been shown.
        ("投2", PollKind.YESNO, 1, VoteError.EMPTY),
        ("B", PollKind.YESNO, 1, VoteError.EMPTY),
        ("选", PollKind.SINGLE, 1, VoteError.EMPTY),
        ("选、", PollKind.SINGLE, 1, VoteError.EMPTY),
        ("选A和B", PollKind.SINGLE, 2, VoteError.ONE_ONLY),  # a single-choice poll stays single
        (
            "选A和B",
            PollKind.MULTI,
            None,
            VoteError.ONE_ONLY,
        ),  # one choice unless the poll says more
    ],
)
def test_what_is_not_a_valid_vote(
    text: str, kind: PollKind, max_choices: int | None, error: VoteError
) -> None:
    parsed = (
        parse_vote(text, kind, ABC)
        if max_choices is None
        else parse_vote(text, kind, ABC, max_choices)
    )
    assert not parsed.ok and parsed.error is error and parsed.mask == 0


def test_options_named_by_number_among_several() -> None:
    assert parse_vote("A和选项3", PollKind.MULTI, ABC, 2).mask == 0b101


def test_a_yes_no_poll_that_passes_names_yes_the_winner() -> None:
    result = count({0b001: 3, 0b010: 1}, electorate=10)
    assert result.kind is PollKind.YESNO
    assert (result.tie, result.rule_met, result.passed, result.winner) == (False, True, True, 0)
    assert result.as_json() == {
        "options": ["赞成", "反对", "弃权"],
        "counts": [3, 1, 0],
        "voters": 4,
        "electorate": 10,
        "turnout_pct": 40.0,
        "quorum_pct": 0,
        "quorum_met": True,
        "rule": "majority",
        "rule_met": True,
        "tie": False,
        "winner": 0,
        "passed": True,
        "outcome": "passed",
    }
    assert result.pct(0) == 75.0


def test_a_yes_no_poll_that_fails_has_no_winner() -> None:
    result = count({0b001: 1, 0b010: 3}, electorate=10)
    assert (result.tie, result.rule_met, result.passed, result.winner) == (
        False,
        False,
        False,
        None,
    )


def test_a_poll_nobody_voted_in() -> None:
    for kind in (PollKind.YESNO, PollKind.SINGLE):
        for rule in PassRule:
            result = count({}, kind=kind, electorate=10, rule=rule)
            assert (result.voters, result.tie, result.rule_met, result.winner) == (
                0,
                False,  # 0 : 0 is nobody voting, not a tie
                False,
                None,
            ), (kind, rule)
            assert result.outcome == "no_votes"
            assert result.pct(0) == 0.0 and result.turnout_pct == 0.0


def test_one_vote_can_decide_a_choice_poll() -> None:
    result = count(
        {0b010: 1},
        kind=PollKind.SINGLE,
        electorate=1,
        quorum_pct=100,
        rule=PassRule.ELIGIBLE_MAJORITY,
    )
    assert (result.tie, result.rule_met, result.quorum_met, result.winner) == (
        False,
        True,
        True,
        1,
    )


def test_boundaries_of_quorum_turnout_and_two_thirds() -> None:
    assert not quorum_met(0, 10, 1) and not quorum_met(100, 101, 100)
    assert not rule_met(0, 0, 10, PassRule.TWO_THIRDS) and rule_met(1, 1, 10, PassRule.TWO_THIRDS)
    one_in_three = count({0b001: 1}, electorate=3)
    assert one_in_three.as_json()["turnout_pct"] == 33.3


def test_one_vote_each_at_the_top_is_a_tie() -> None:
    result = count({0b001: 1, 0b010: 1}, kind=PollKind.SINGLE, electorate=2)
    assert (result.tie, result.winner, result.passed) == (True, None, False)


def test_no_votes_and_a_missed_quorum_are_said_as_what_they_are() -> None:
    """Nobody voting is not a tie, and a quorum missed is not a vote lost."""
    nobody = count({}, electorate=10)
    assert (nobody.tie, nobody.passed, nobody.outcome) == (False, False, "no_votes")
    few = count({0b001: 2}, electorate=10, quorum_pct=50)
    assert (few.rule_met, few.passed, few.outcome) == (True, False, "no_quorum")
    even = count({0b001: 2, 0b010: 2}, electorate=10)
    assert (even.tie, even.outcome) == (True, "tie")
