from __future__ import annotations

import pytest

from kernel.intents import Intent, NluResult
from nlu.policy import ACT_THRESHOLD, GROUP_ACT_THRESHOLD, Action, Verdict, decide


def _result(intent: Intent, p: float, second: Intent = Intent.OTHER, text: str = "…") -> NluResult:
    return NluResult(
        text=text, intent=intent, confidence=p, alternatives=((intent, p), (second, 1 - p))
    )


def test_confident_private_message_acts() -> None:
    d = decide(_result(Intent.VOTE, 0.9), addressed=False, in_group=False)
    assert d == Verdict(Action.ACT, Intent.VOTE)


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
    d = decide(_result(Intent.MEETING_INFO, p), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET


@pytest.mark.parametrize(
    ("intent", "text"),
    [(Intent.VOTE, "赞成"), (Intent.SECOND_TOPIC, "附议T3"), (Intent.JOIN_MEETING, "我也报名")],
)
def test_group_not_addressed_but_a_sure_answer_to_a_card_acts(intent: Intent, text: str) -> None:
    d = decide(_result(intent, 0.97, text=text), addressed=False, in_group=True)
    assert d.action is Action.ACT


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        (Intent.QUERY_STATUS, "还没有呢 急死了"),  # a neighbour answering a neighbour
        (Intent.QUERY_STATUS, "我家那个事还没人管呢"),
        (Intent.JOIN_MEETING, "大家好，明天上午九点半开议事会，请大家踊跃参加"),
        (Intent.JOIN_MEETING, "我们家明天都去参加那个议事会，你们去不去"),
        (Intent.MEETING_INFO, "明天开会吗"),
    ],
)
def test_group_talk_between_neighbours_is_theirs_however_sure_the_model(
    intent: Intent, text: str
) -> None:
    """The walk: an unaddressed “还没有呢 急死了” (about a lost cat) sent 张阿姨 her ticket
    list and hid her answer from the group; the moderator's announcement signed him up
    and the bot contradicted him in front of everyone. Only a short answer for oneself
    to the bot's card is acted on unaddressed."""
    d = decide(_result(intent, 0.99, text=text), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET


def test_group_not_addressed_a_sure_problem_is_offered_not_filed() -> None:
    d = decide(_result(Intent.REPORT_ISSUE, 0.97), addressed=False, in_group=True)
    assert d.action is Action.ASK_REPORT


def test_group_small_talk_is_never_answered() -> None:
    d = decide(_result(Intent.OTHER, 0.99), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET


def test_threshold_boundary_acts() -> None:
    d = decide(_result(Intent.HELP, ACT_THRESHOLD), addressed=True, in_group=False)
    assert d.action is Action.ACT


def test_ask_without_alternatives_still_offers_the_top_intent() -> None:
    r = NluResult(text="?", intent=Intent.HELP, confidence=0.2)
    assert decide(r, addressed=True, in_group=False).options == (Intent.HELP,)


# Problems are never dropped: "您是要反映这个问题吗？" instead of silence or a quiz.


@pytest.mark.parametrize("p", [0.3, 0.59])
def test_an_unsure_report_is_confirmed_in_private(p: float) -> None:
    d = decide(_result(Intent.REPORT_ISSUE, p), addressed=False, in_group=False)
    assert d == Verdict(Action.ASK_REPORT, Intent.REPORT_ISSUE)


def test_small_talk_describing_a_problem_in_a_place_is_offered_as_a_report() -> None:
    text = "小区门口那个坑还在，车都绕着走"
    r = _result(Intent.OTHER, 0.7, Intent.REPORT_ISSUE, text=text)
    assert decide(r, addressed=False, in_group=False).action is Action.ASK_REPORT
    assert decide(r, addressed=False, in_group=True).action is Action.ASK_REPORT


def test_small_talk_without_a_problem_is_not_offered_as_a_report() -> None:
    r = _result(Intent.OTHER, 0.7, Intent.REPORT_ISSUE, text="今天小区门口好热闹")
    assert decide(r, addressed=False, in_group=False).action is Action.ACT
    assert decide(r, addressed=False, in_group=True).action is Action.STAY_QUIET


def test_a_problem_the_model_gives_no_chance_as_a_report_is_not_offered() -> None:
    r = _result(Intent.VOTE, 0.55, Intent.SECOND_TOPIC, text="电梯那个方案我反对")
    assert decide(r, addressed=True, in_group=False).action is Action.ASK


@pytest.mark.parametrize("p", [0.5, GROUP_ACT_THRESHOLD - 0.01])
def test_a_likely_report_in_a_group_is_confirmed_not_ignored(p: float) -> None:
    d = decide(_result(Intent.REPORT_ISSUE, p), addressed=False, in_group=True)
    assert d.action is Action.ASK_REPORT


def test_an_unlikely_report_in_a_group_stays_quiet() -> None:
    d = decide(_result(Intent.REPORT_ISSUE, 0.45), addressed=False, in_group=True)
    assert d.action is Action.STAY_QUIET
