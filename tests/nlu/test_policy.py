from __future__ import annotations

import pytest

from kernel.intents import Intent, NluResult
from nlu.policy import ACT_THRESHOLD, GROUP_ACT_THRESHOLD, Action, Decision, decide


def _result(intent: Intent, p: float, second: Intent = Intent.OTHER) -> NluResult:
    return NluResult(
        text="…", intent=intent, confidence=p, alternatives=((intent, p), (second, 1 - p))
    )


def test_confident_private_message_acts() -> None:
    d = decide(_result(Intent.VOTE, 0.9), addressed=False, in_group=False)
    assert d == Decision(Action.ACT, Intent.VOTE)


def test_unsure_private_message_asks_top_two() -> None:
    d = decide(_result(Intent.VOTE, 0.5, Intent.SECOND_TOPIC), addressed=False, in_group=False)
    assert d.action is Action.ASK
    assert d.options == (Intent.VOTE, Intent.SECOND_TOPIC)


def test_unsure_but_addressed_in_group_asks() -> None:
    d = decide(_result(Intent.FEEDBACK, 0.4), addressed=True, in_group=True)
    assert d.action is Action.ASK
    assert d.options == (Intent.FEEDBACK, Intent.OTHER)


@pytest.mark.parametrize("p", [0.3, ACT_THRESHOLD, GROUP_ACT_THRESHOLD - 0.01])
def test_group_not_addressed_and_not_sure_stays_quiet(p: float) -> None:
    d = decide(_result(Intent.REPORT_ISSUE, p), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET


def test_group_not_addressed_but_sure_acts() -> None:
    d = decide(_result(Intent.REPORT_ISSUE, 0.97), addressed=False, in_group=True)
    assert d.action is Action.ACT


def test_group_small_talk_is_never_answered() -> None:
    d = decide(_result(Intent.OTHER, 0.99), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET


def test_threshold_boundary_acts() -> None:
    d = decide(_result(Intent.HELP, ACT_THRESHOLD), addressed=True, in_group=False)
    assert d.action is Action.ACT


def test_ask_without_alternatives_still_offers_the_top_intent() -> None:
    r = NluResult(text="?", intent=Intent.HELP, confidence=0.2)
    assert decide(r, addressed=True, in_group=False).options == (Intent.HELP,)
