"""What to do with a classification: act, ask, or stay quiet.

Asking costs the resident a tap; a wrong action costs more (a bogus ticket, a
vote they did not mean). In a busy group a bot that answers every unclear
message is noise, so there it stays quiet unless addressed or sure.

One exception to every threshold: a problem is never dropped. When a message
describes something wrong in a place (the lexicon finds a problem word and a
place word) and the model gives the report intent a fair chance, the bot asks
"您是要反映这个问题吗？" with 是/不是 — in private, when addressed, and in a
group too — instead of "没太明白", a two-button quiz, or silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kernel.intents import Intent, NluResult
from nlu.lexicon import describes_problem
from nlu.normalize import normalize

ACT_THRESHOLD = 0.6
"""Act on the top intent at or above this probability."""

GROUP_ACT_THRESHOLD = 0.85
"""In a group, when not addressed, act only at or above this probability."""

REPORT_CHANCE = 0.15
"""A message describing a problem is offered as a report when the model gives
``report_issue`` at least this probability (private or addressed)."""

GROUP_REPORT_CHANCE = 0.3
"""The same in a group when the bot is not addressed: a little more evidence first."""

GROUP_REPLIES = frozenset({Intent.VOTE, Intent.SECOND_TOPIC, Intent.JOIN_MEETING})
"""What a neighbour says in the group without @ and is taken at their word: a short
answer to the bot's own card (赞成, 附议T3, 我也报名). Anything else unaddressed is the
neighbours' conversation ("还没有呢 急死了", a moderator's "请大家踊跃参加"): the bot
keeps out of it, but for a problem, which it offers to take (above)."""

GROUP_REPLY_CHARS = 12
"""At most this many characters (punctuation and spaces aside) make such an answer."""

_TO_OTHERS = ("大家", "各位", "你们", "邻居们")
"""Words that speak to the neighbours, not for oneself."""


class Action(StrEnum):
    ACT = "act"
    ASK = "ask"
    ASK_REPORT = "ask_report"
    STAY_QUIET = "stay_quiet"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's verdict. ``options`` holds the two intents to offer when asking."""

    action: Action
    intent: Intent
    options: tuple[Intent, ...] = ()


def _top_two(result: NluResult) -> tuple[Intent, ...]:
    ranked = [i for i, _ in result.alternatives] or [result.intent]
    if ranked[0] is not result.intent:
        ranked.insert(0, result.intent)
    return tuple(dict.fromkeys(ranked))[:2]


def report_chance(result: NluResult) -> float:
    """The probability the model gave ``report_issue`` (0 when not among the ranked)."""
    if result.intent is Intent.REPORT_ISSUE:
        return result.confidence
    return next((p for i, p in result.alternatives if i is Intent.REPORT_ISSUE), 0.0)


def decide(result: NluResult, *, addressed: bool, in_group: bool) -> Verdict:
    """Pure policy: the same result and context always give the same decision.

    - private chat or addressed (@bot / reply to the bot): act when confident,
      unless it is small talk that describes a problem; a possible report is
      confirmed with one question; anything else unsure asks with the top two
      intents as buttons;
    - group, not addressed: act only when very confident and not small talk,
      confirm a likely report, otherwise stay quiet.
    """
    chance = report_chance(result)
    problem = describes_problem(normalize(result.text))
    if in_group and not addressed:
        if result.confidence >= GROUP_ACT_THRESHOLD and _answers_a_card(result):
            return Verdict(Action.ACT, result.intent)
        if (result.intent is Intent.REPORT_ISSUE and result.confidence >= 0.5) or (
            problem and chance >= GROUP_REPORT_CHANCE
        ):
            return Verdict(Action.ASK_REPORT, Intent.REPORT_ISSUE)
        return Verdict(Action.STAY_QUIET, result.intent)
    confident = result.confidence >= ACT_THRESHOLD
    if confident and not (result.intent is Intent.OTHER and problem and chance >= REPORT_CHANCE):
        return Verdict(Action.ACT, result.intent)
    if result.intent is Intent.REPORT_ISSUE or (problem and chance >= REPORT_CHANCE):
        return Verdict(Action.ASK_REPORT, Intent.REPORT_ISSUE)
    return Verdict(Action.ASK, result.intent, _top_two(result))


def _answers_a_card(result: NluResult) -> bool:
    """A short 赞成 / 附议T3 / 我也报名 said for oneself, not words to the neighbours."""
    if result.intent not in GROUP_REPLIES:
        return False
    words = "".join(ch for ch in result.text if ch.isalnum())
    return len(words) <= GROUP_REPLY_CHARS and not any(w in result.text for w in _TO_OTHERS)
