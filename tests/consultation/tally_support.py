"""What the ballot tests share: a choice poll's three options, and a poll counted on the
usual terms unless a test says otherwise (a support module: test modules import it,
never one another)."""

from __future__ import annotations

from collections.abc import Mapping

from consultation.ballots import PassRule, PollKind, Tally, tally

ABC = ("东侧空地", "地下车库", "路边划线")


def count(
    votes: Mapping[int, int],
    *,
    electorate: int,
    kind: PollKind = PollKind.YESNO,
    quorum_pct: int = 0,
    rule: PassRule = PassRule.MAJORITY,
) -> Tally:
    """:func:`tally` of ``votes`` (choice mask → votes): a yes/no poll unless ``kind``
    says otherwise (a choice poll offers :data:`ABC`), no quorum, a simple majority."""
    options = () if kind is PollKind.YESNO else ABC
    return tally(
        votes,
        kind=kind,
        options=options,
        electorate=electorate,
        quorum_pct=quorum_pct,
        rule=rule,
    )
