"""Votes as words and tallies as rules: pure functions, no I/O.

A choice is a bit mask over the poll's options (bit 0 = option A / 赞成), so a
multiple-choice ballot is one integer and a tally is a GROUP BY on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

YES_NO_OPTIONS: tuple[str, ...] = ("赞成", "反对", "弃权")
LETTERS = "ABCDEFGHIJ"
MAX_OPTIONS = len(LETTERS)


class PollKind(StrEnum):
    YESNO = "yesno"
    SINGLE = "single"
    MULTI = "multi"


class Electorate(StrEnum):
    """Who may vote."""

    RESIDENTS = "residents"  # verified residents, one each
    HOUSEHOLDS = "households"  # verified residents, one per household
    COMMITTEE = "committee"  # the 协商委员会
    ATTENDEES = "attendees"  # those signed in at the poll's meeting


class PassRule(StrEnum):
    MAJORITY = "majority"  # more than half of the votes cast (abstentions count as cast)
    TWO_THIRDS = "two_thirds"  # at least two thirds of the votes cast
    ELIGIBLE_MAJORITY = "eligible_majority"  # more than half of everyone eligible


class VoteError(StrEnum):
    """Why a message is not a valid vote (mapped to a sentence by the handler)."""

    EMPTY = "empty"
    OUT_OF_RANGE = "out_of_range"
    TOO_MANY = "too_many"
    ONE_ONLY = "one_only"


_NO = ("不同意", "不赞成", "不支持", "反对", "no")
_YES = ("赞成", "同意", "支持", "yes", "👍")
_ABSTAIN = ("弃权",)
_PREFIX = re.compile(r"^\s*(?:投票|表决)?\s*(?:P\s*\d+)?\s*[:：,，]?\s*", re.IGNORECASE)
#: Who is choosing and how firmly, before the choice ("我还是选东门吧", "我改主意了，投B").
_CHOICE_PREFIX = re.compile(
    r"^(?:我|俺)?(?:改主意了|改变主意了|想了想|那|就|还是|也|想|要|决定)*[,，、]?\s*"
    r"(?:(?:我|俺)?(?:就|还是|也|想|要|决定)*(?:改成|改为|改投|换成|投给|选择|投|选)\s*)?"
)
#: What people end a short choice with ("东门吧", "B。", "地库好了").
_CHOICE_SUFFIX = re.compile(r"(?:吧|了|啊|呀|哈|哦|嗯|好了|就行|就好)*[。.!！~～]*$")
_SPLIT = re.compile(r"[\s,，、和与及跟/&+]+")


@dataclass(frozen=True, slots=True)
class ParsedVote:
    """A valid choice (``mask``) or why not (``error``)."""

    mask: int = 0
    error: VoteError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def options_for(kind: PollKind, options: Sequence[str]) -> tuple[str, ...]:
    return YES_NO_OPTIONS if kind is PollKind.YESNO else tuple(options)


def parse_vote(
    text: str, kind: PollKind, options: Sequence[str], max_choices: int = 1
) -> ParsedVote:
    """ "赞成" / "投2" / "选A和C" / "P3 反对" → a mask over ``options``. A yes/no poll
    takes 赞成, 反对 or 弃权 in words only: its card asks for them, and "投2" or "B" is a
    poll of options' answer (it was counted as 反对 on the yes/no poll)."""
    body = _PREFIX.sub("", text.strip(), count=1).strip().rstrip("。.!！")
    if kind is PollKind.YESNO:
        lowered = body.lower()
        for words, index in ((_NO, 1), (_ABSTAIN, 2), (_YES, 0)):
            if any(w in lowered for w in words):
                return ParsedVote(1 << index)
        return ParsedVote(error=VoteError.EMPTY)
    choices = options_for(kind, options)
    if body in choices:  # an option typed as it is named, whatever words it holds
        return ParsedVote(1 << choices.index(body))
    body = _CHOICE_SUFFIX.sub("", _CHOICE_PREFIX.sub("", body, count=1)).strip()
    if not body:
        return ParsedVote(error=VoteError.EMPTY)
    if body in choices:  # "我还是选东门吧": an option's whole name, even with 和 or / in it
        return ParsedVote(1 << choices.index(body))
    picked: list[int] = []
    for token in (p for p in _SPLIT.split(body) if p):
        token = token.removesuffix("项").removeprefix("第").removeprefix("选项")
        if token in choices:
            picked.append(choices.index(token))
        elif token.isdigit():
            picked.append(int(token) - 1)
        elif token.isascii() and token.isalpha():
            picked.extend(LETTERS.find(ch) for ch in token.upper())
        else:
            return ParsedVote(error=VoteError.EMPTY)
    if not picked:
        return ParsedVote(error=VoteError.EMPTY)
    if any(i < 0 or i >= len(choices) for i in picked):
        return ParsedVote(error=VoteError.OUT_OF_RANGE)
    unique = sorted(set(picked))
    limit = max_choices if kind is PollKind.MULTI else 1
    if len(unique) > limit:
        return ParsedVote(error=VoteError.ONE_ONLY if limit == 1 else VoteError.TOO_MANY)
    mask = 0
    for i in unique:
        mask |= 1 << i
    return ParsedVote(mask)


def fits(text: str, kind: PollKind, options: Sequence[str], max_choices: int = 1) -> bool:
    """``text`` is a choice in the form ``kind``'s poll asks for: 赞成/反对/弃权 for a
    yes/no poll (its card asks for those, so "投2" or "B" is not meant for it), else one
    of its options by name, letter or number, as many as it takes. Which polls bare
    words can be meant for (:mod:`consultation.vote_target`)."""
    return parse_vote(text, kind, options, max_choices).ok


def looks_like_vote(text: str) -> bool:
    """Cheap check for the router: 赞成/反对/弃权, 投2, 选A和C, 投票 P3 …"""
    return bool(_LOOKS.fullmatch(text.strip()))


VOTE_PATTERN = (
    r"(?:(?:投票|表决)\s*P\s*\d+.*)"
    r"|(?:P\s*\d+\s*(?:赞成|同意|反对|不同意|弃权|投|选).*)"
    r"|(?:我?(?:赞成|同意|反对|不同意|弃权)[。.!！]?)"
    r"|(?:我?(?:投|选)\s*(?:第?\s*\d{1,2}|[A-Ja-j])(?:\s*[,，、和与及跟]?\s*(?:\d{1,2}|[A-Ja-j]))*"
    r"\s*[项号]?[。.!！]?)"
)
_LOOKS = re.compile(VOTE_PATTERN, re.IGNORECASE)


def choices_of(mask: int, options: Sequence[str]) -> list[str]:
    return [o for i, o in enumerate(options) if mask >> i & 1]


@dataclass(frozen=True, slots=True)
class Tally:
    """The result: counts per option, turnout, quorum and the pass rule's verdict."""

    options: tuple[str, ...]
    counts: tuple[int, ...]
    voters: int
    electorate: int
    quorum_pct: int
    rule: PassRule
    kind: PollKind
    quorum_met: bool
    rule_met: bool
    tie: bool
    winner: int | None
    #: Further counts stored with the result: ``assisted``, the votes cast for a
    #: resident by a grid worker or moderator (代办).
    extra: dict[str, int] = field(default_factory=dict)
    #: An anonymous poll with fewer votes than this (the minimum then in force) publishes
    #: participation only: ``counts`` are zeros, nothing is won, tied or met, and the
    #: counts were never stored (:func:`withhold_counts`). 0: the counts are published.
    withheld_below: int = 0

    @property
    def withheld(self) -> bool:
        """Whether the per-option counts were withheld to protect the secret ballot."""
        return self.withheld_below > 0

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.rule_met and not self.tie

    @property
    def outcome(self) -> str:
        """What the result is, said as what it is: ``no_votes`` (nobody voted),
        ``no_quorum`` (too few voted for it to count), ``tie``, ``passed`` or ``failed``;
        ``too_few``: an anonymous poll with fewer votes than the published minimum, whose
        counts would tell who chose what (void too, whatever the quorum)."""
        if self.voters == 0:
            return "no_votes"
        if self.withheld:
            return "too_few"
        if not self.quorum_met:
            return "no_quorum"
        if self.tie:
            return "tie"
        return "passed" if self.passed else "failed"

    @property
    def turnout_pct(self) -> float:
        return 100.0 * self.voters / self.electorate if self.electorate else 0.0

    def pct(self, index: int) -> float:
        return 100.0 * self.counts[index] / self.voters if self.voters else 0.0

    def as_json(self) -> dict[str, object]:
        below = {"withheld_below": self.withheld_below} if self.withheld else {}
        return {
            "options": list(self.options),
            # Withheld counts are stored as nothing at all, not as zeros.
            "counts": None if self.withheld else list(self.counts),
            "voters": self.voters,
            "electorate": self.electorate,
            "turnout_pct": round(self.turnout_pct, 1),
            "quorum_pct": self.quorum_pct,
            "quorum_met": self.quorum_met,
            "rule": self.rule.value,
            "rule_met": self.rule_met,
            "tie": self.tie,
            "winner": self.winner,
            "passed": self.passed,
            "outcome": self.outcome,
            **below,
            **self.extra,
        }


def withhold_counts(result: Tally, minimum: int) -> Tally:
    """``result`` as an anonymous poll with fewer than ``minimum`` votes publishes it:
    participation (voters, electorate, quorum) only. Zeros stand for the counts, and
    nothing derived from them survives (no winner, no tie, no rule met)."""
    return replace(
        result,
        counts=(0,) * len(result.counts),
        rule_met=False,
        tie=False,
        winner=None,
        withheld_below=minimum,
    )


def quorum_met(voters: int, electorate: int, quorum_pct: int) -> bool:
    """Turnout reaches ``quorum_pct`` percent of the electorate (integer arithmetic)."""
    if quorum_pct <= 0:
        return True
    return electorate > 0 and voters * 100 >= quorum_pct * electorate


def rule_met(support: int, voters: int, electorate: int, rule: PassRule) -> bool:
    """Does ``support`` satisfy the rule? Exactly half is not a majority; exactly ⅔ is ⅔."""
    if rule is PassRule.MAJORITY:
        return support * 2 > voters
    if rule is PassRule.TWO_THIRDS:
        return voters > 0 and support * 3 >= voters * 2
    return support * 2 > electorate


def tally(
    mask_counts: Mapping[int, int],
    *,
    kind: PollKind,
    options: Sequence[str],
    electorate: int,
    quorum_pct: int,
    rule: PassRule,
) -> Tally:
    """Counts per option from mask → votes, then quorum and the pass rule.

    Yes/no: 赞成 must satisfy the rule (abstentions count as cast). Choice polls:
    the option with most votes must satisfy it; a tie at the top decides nothing.
    """
    opts = options_for(kind, options)
    counts = [0] * len(opts)
    voters = 0
    for mask, votes in mask_counts.items():
        voters += votes
        for i in range(len(opts)):
            if mask >> i & 1:
                counts[i] += votes
    if kind is PollKind.YESNO:
        winner_index, tie = 0, counts[0] == counts[1] > 0
        support = counts[0]
    else:
        top = max(counts) if counts else 0
        leaders = [i for i, c in enumerate(counts) if c == top]
        tie = len(leaders) > 1 and top > 0
        winner_index = leaders[0] if leaders and top > 0 and not tie else -1
        support = top
    met = rule_met(support, voters, electorate, rule) if voters else False
    q = quorum_met(voters, electorate, quorum_pct)
    winner = winner_index if winner_index >= 0 and met and q and not tie else None
    return Tally(
        options=opts,
        counts=tuple(counts),
        voters=voters,
        electorate=electorate,
        quorum_pct=quorum_pct,
        rule=rule,
        kind=kind,
        quorum_met=q,
        rule_met=met,
        tie=tie,
        winner=winner,
    )
