"""When the model is unsure: a problem is confirmed, never dropped; other doubts ask with
two buttons; what the bot didn't understand is kept (masked, never a vote) for labelling.

The classifier here is the trained model, with a few messages given fixed results so
that each of the policy's branches is reached on purpose whatever the model learns.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import Intent, NluResult
from nlu import TrainedClassifier, load_classifier
from storage.nlu_samples import NluSampleRepository
from tests.conftest import Clock, make_settings
from tests.kit import say

UNSURE_PROBLEM = "楼道里那个味道又来了，说不上是啥"
UNSURE_MEETING = "这次那个会的事"
UNSURE_VOTE = "那个方案我觉得行吧"
GROUP_REPORT = "车棚那块顶不太对劲了"


class Scripted:
    """The trained model, except for messages whose result a test fixes."""

    def __init__(self, model: TrainedClassifier, fixed: dict[str, NluResult]) -> None:
        self.model = model
        self.fixed = fixed

    def classify(self, text: str, *, slots: bool = True) -> NluResult:
        return self.fixed.get(text) or self.model.classify(text, slots=slots)


def _result(text: str, *ranked: tuple[Intent, float]) -> NluResult:
    return NluResult(text=text, intent=ranked[0][0], confidence=ranked[0][1], alternatives=ranked)


@pytest.fixture(scope="module")
def model() -> TrainedClassifier:
    return load_classifier()


@pytest.fixture
async def bot(sqlite_url: str, clock: Clock, model: TrainedClassifier) -> AsyncIterator[Yishi]:
    fixed = {
        UNSURE_PROBLEM: _result(
            UNSURE_PROBLEM, (Intent.OTHER, 0.55), (Intent.REPORT_ISSUE, 0.3), (Intent.HELP, 0.1)
        ),
        UNSURE_MEETING: _result(
            UNSURE_MEETING, (Intent.MEETING_INFO, 0.5), (Intent.JOIN_MEETING, 0.4)
        ),
        UNSURE_VOTE: _result(UNSURE_VOTE, (Intent.VOTE, 0.5), (Intent.SECOND_TOPIC, 0.4)),
        GROUP_REPORT: _result(GROUP_REPORT, (Intent.REPORT_ISSUE, 0.7), (Intent.OTHER, 0.3)),
    }
    yishi = Yishi(make_settings(sqlite_url), classifier=Scripted(model, fixed), clock=clock)
    await seed_demo(yishi.uow)
    yield yishi
    await yishi.stop()


async def _kept(bot: Yishi) -> list[tuple[str, str, str | None]]:
    async with bot.uow() as uow:
        repo = uow.get(NluSampleRepository)
        return [(s.text, s.reason, s.label) for s in await repo.unlabelled(100)]


async def test_an_unsure_problem_is_confirmed_and_yes_files_it(bot: Yishi) -> None:
    [question] = await say(bot, UNSURE_PROBLEM)
    assert question.text == "您是要反映这个问题吗？"
    assert [b.label for b in question.buttons] == ["是，反映问题", "不是"]
    assert "没太明白" not in question.text
    [answer] = await say(bot, question.buttons[0].data)
    async with bot.uow() as uow:
        state = await uow.conversations.get("web", "zhang", "zhang", bot.clock())
    assert state is not None and state.flow == "report"
    assert UNSURE_PROBLEM in str(state.data), "the original message became the draft"
    assert "您是要反映" not in answer.text


async def test_no_to_the_report_question_is_answered_kindly(bot: Yishi) -> None:
    await say(bot, UNSURE_PROBLEM)
    [reply] = await say(bot, "不是")
    assert "明白了" in reply.text
    async with bot.uow() as uow:
        assert await uow.conversations.get("web", "zhang", "zhang", bot.clock()) is None


async def test_a_new_request_instead_of_an_answer_is_routed_afresh(bot: Yishi) -> None:
    await say(bot, UNSURE_PROBLEM)
    [reply] = await say(bot, "帮助")
    assert "反映问题" in reply.text and "您是要反映" not in reply.text


async def test_in_a_group_a_likely_report_is_confirmed_not_ignored(bot: Yishi) -> None:
    [question] = await say(bot, GROUP_REPORT, chat="group:main", group=True)
    assert question.text == "您是要反映这个问题吗？"
    [draft] = await say(bot, "是的", chat="group:main", group=True)
    assert draft.private, "the draft (with her address) is hers alone"
    async with bot.uow() as uow:
        assert await uow.conversations.get("web", "group:main", "zhang", bot.clock()) is None
        state = await uow.conversations.get("web", "zhang", "zhang", bot.clock())
    assert state is not None and state.flow == "report", "it goes on in her own chat"


async def test_a_neighbour_pressing_her_card_in_the_group_is_told_so_alone(bot: Yishi) -> None:
    """刘大爷 pressed 是的 on the question the group was shown for 张阿姨's message: he
    got "现在没有待确认的草稿了" in the group, or had his press taken as his own. The
    card's buttons are hers: he is told so privately, and her question still waits."""
    await say(bot, GROUP_REPORT, chat="group:main", group=True)
    [told] = await say(bot, "是的", "liu", group=True, card_of="zhang")
    assert told.private and "别人的消息" in told.text, told
    async with bot.uow() as uow:
        assert await uow.conversations.get("web", "group:main", "liu", bot.clock()) is None
        assert await uow.conversations.get("web", "liu", "liu", bot.clock()) is None
    [draft] = await say(bot, "是的", "zhang", group=True, card_of="zhang")
    assert draft.private and "哪一类" in draft.text, draft


async def test_an_unsure_request_that_is_no_problem_asks_between_two(bot: Yishi) -> None:
    [question] = await say(bot, UNSURE_MEETING)
    assert question.text.startswith("我想确认一下")
    assert [b.label for b in question.buttons] == ["了解议事日安排", "报名议事日", "都不是"]
    [again] = await say(bot, "都不是")
    assert "换个说法" in again.text


async def test_what_the_bot_did_not_understand_is_kept_masked(bot: Yishi) -> None:
    await say(bot, UNSURE_PROBLEM)
    await say(bot, UNSURE_MEETING)
    kept = await _kept(bot)
    assert (UNSURE_MEETING, "ask", None) in kept
    assert (UNSURE_PROBLEM, "ask_report", None) in kept


async def test_a_message_that_may_be_a_vote_is_never_kept(bot: Yishi) -> None:
    [answer] = await say(bot, UNSURE_VOTE)
    assert "赞成" in answer.text, "the resident is told how to vote (nothing is kept to ask)"
    assert all(text != UNSURE_VOTE for text, _, _ in await _kept(bot))


async def test_confident_small_talk_is_not_kept(bot: Yishi) -> None:
    await say(bot, "谢谢你们")
    await say(bot, "今天天气不错", chat="group:main", group=True)
    assert await _kept(bot) == []
