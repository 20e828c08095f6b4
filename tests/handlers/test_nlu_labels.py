"""待标注 / 标注: a moderator sees what the bot didn't understand and labels it in chat."""

from __future__ import annotations

from bot.app import Yishi
from storage.nlu_samples import NluSampleRepository
from tests.kit import say


async def _keep(bot: Yishi, *texts: str) -> list[int]:
    async with bot.uow() as uow:
        repo = uow.get(NluSampleRepository)
        return [int((await repo.keep(t, "other", 0.42, "ask", bot.clock())).id or 0) for t in texts]


async def test_the_list_shows_recent_unlabelled_messages_with_numbers(yishi: Yishi) -> None:
    first, second = await _keep(yishi, "我要吹哨", "说事")
    [reply] = await say(yishi, "待标注", sender="li")
    assert f"#{second} 说事" in reply.text and f"#{first} 我要吹哨" in reply.text
    assert reply.text.index(f"#{second}") < reply.text.index(f"#{first}"), "newest first"
    assert "随便聊聊 42%" in reply.text
    assert "标注 12 反映问题" in reply.text, "it says how to label"


async def test_a_label_by_number_in_chinese_or_english(yishi: Yishi) -> None:
    first, second = await _keep(yishi, "我要吹哨", "说事")
    [done] = await say(yishi, f"标注 {first} 反映问题", sender="li")
    assert "“我要吹哨” → 反映问题" in done.text
    [done2] = await say(yishi, f"标注 #{second} help", sender="li")
    assert "看看能做什么" in done2.text
    [empty] = await say(yishi, "待标注", sender="li")
    assert "没有待标注" in empty.text
    async with yishi.uow() as uow:
        labelled = await uow.get(NluSampleRepository).labelled()
        [entry] = await uow.audit.for_entity("nlu_sample", str(first))
    assert [(s.text, s.label) for s in labelled] == [("我要吹哨", "report_issue"), ("说事", "help")]
    assert entry.action == "nlu_labelled" and entry.actor.startswith("resident:")
    assert entry.after == {"label": "report_issue"}


async def test_a_moderator_teaches_a_sentence_of_their_own(yishi: Yishi) -> None:
    [reply] = await say(yishi, "标注 6栋那边的鸭子又跑出来了 反映问题", sender="li")
    assert "记下了" in reply.text and "6栋那边的鸭子又跑出来了" in reply.text
    async with yishi.uow() as uow:
        [sample] = await uow.get(NluSampleRepository).labelled()
    assert (sample.text, sample.label, sample.reason) == (
        "6栋那边的鸭子又跑出来了",
        "report_issue",
        "moderator",
    )


async def test_mistakes_get_a_clear_answer(yishi: Yishi) -> None:
    [first] = await _keep(yishi, "我要吹哨")
    [unknown] = await say(yishi, f"标注 {first} 吐槽", sender="li")
    assert "“吐槽”不是我认识的意图" in unknown.text and "反映问题" in unknown.text
    [missing] = await say(yishi, "标注 999 反映问题", sender="li")
    assert "没有 #999" in missing.text
    [usage] = await say(yishi, "标注", sender="li")
    assert "标注 12 反映问题" in usage.text


async def test_only_moderators_label(yishi: Yishi) -> None:
    [first] = await _keep(yishi, "我要吹哨")
    [refused] = await say(yishi, f"标注 {first} 反映问题", sender="zhang")
    assert "社区工作者" in refused.text
    [listing] = await say(yishi, "待标注", sender="zhang")
    assert "我要吹哨" not in listing.text
    async with yishi.uow() as uow:
        assert await uow.get(NluSampleRepository).labelled() == []
