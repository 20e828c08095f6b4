"""What to do with a classification: act, ask with two buttons, or stay quiet.

Asking costs the resident a tap; a wrong action costs more (a bogus ticket, a
vote they did not mean). In a busy group a bot that answers every unclear
message is noise, so there it stays quiet unless addressed or sure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kernel.intents import Intent, NluResult

ACT_THRESHOLD = 0.6
"""Act on the top intent at or above this probability."""

GROUP_ACT_THRESHOLD = 0.85
"""In a group, when not addressed, act only at or above this probability."""


class Action(StrEnum):
    ACT = "act"
    ASK = "ask"
    STAY_QUIET = "stay_quiet"


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's verdict. ``options`` holds the two intents to offer when asking."""

    action: Action
    intent: Intent
    options: tuple[Intent, ...] = ()


def _top_two(result: NluResult) -> tuple[Intent, ...]:
    ranked = [i for i, _ in result.alternatives] or [result.intent]
    if ranked[0] is not result.intent:
        ranked.insert(0, result.intent)
    return tuple(dict.fromkeys(ranked))[:2]


def decide(result: NluResult, *, addressed: bool, in_group: bool) -> Decision:
    """Pure policy: the same result and context always give the same decision.

    - private chat or addressed (@bot / reply to the bot): act when confident,
      otherwise ask with the top two intents as buttons;
    - group, not addressed: act only when very confident and not small talk
      (``other``), otherwise stay quiet.
    """
    if in_group and not addressed:
        if result.intent is not Intent.OTHER and result.confidence >= GROUP_ACT_THRESHOLD:
            return Decision(Action.ACT, result.intent)
        return Decision(Action.STAY_QUIET, result.intent)
    if result.confidence >= ACT_THRESHOLD:
        return Decision(Action.ACT, result.intent)
    return Decision(Action.ASK, result.intent, _top_two(result))
