"""Tickets become topics: a problem that keeps coming back in one building (or one ticket
reopened twice) is offered to the moderators as a topic draft citing the tickets; one tap
puts it to screening (初审), where it is screened as any proposal is.

The clock is the test's: reports are days apart (``town.clock.advance``), so none is a
duplicate of an open one (that window is 72 hours) and the 90-day window is crossed on
purpose. Nothing depends on the hour of the day.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.app import Yishi
from kernel.intents import KeywordClassifier
from kernel.messages import Reply
from storage.recurring import RecurringOffer, RecurringOfferRepository
from storage.topics import TopicRepository
from tests.conftest import Clock, make_settings
from tests.kit import Answer, Speaker, Town

TOPIC = re.compile(r"T\d+")
#: Phones of the demo's reporters (刘大爷, 张阿姨): never in an offer or a draft.
PHONES = ("13923456789", "13812345678", "6789", "5678")


async def report(who: Speaker, words: str) -> str:
    """``who`` reports ``words`` and confirms: the ticket's number."""
    draft = await who.says(words)
    if any("继续提交" in label for label in draft.labels):  # one open nearby: another lamp
        draft = await who.says("继续提交")
    assert "请确认" in draft, draft.text
    filed = await who.taps("确认提交", draft)
    return filed.ticket


async def three_lamps(town: Town) -> list[str]:
    """The same kind of problem in 5号楼, three times in a month, by two residents."""
    first = await report(town.liu, "5号楼1单元楼道灯坏了，晚上黑乎乎的")
    town.clock.advance(days=12)
    second = await report(town.zhang, "5号楼门口的路灯不亮了，有事打我电话13812345678")
    town.clock.advance(days=15)
    third = await report(town.liu, "5号楼2单元楼道灯又不亮了")
    return [first, second, third]


async def offers(town: Town) -> list[RecurringOffer]:
    async with town.bot.uow() as uow:
        found = await uow.get(RecurringOfferRepository).of_clusters(
            [
                "place:公共设施:5号楼",
                "place:公共设施:6号楼",
                "place:邻里纠纷:5号楼",
            ]
        )
    return list(reversed(found))


async def topic_count(town: Town) -> int:
    async with town.bot.uow() as uow:
        return len(await uow.get(TopicRepository).all())


async def audit(town: Town, action: str) -> list[tuple[str, str]]:
    async with town.bot.uow() as uow:
        rows = await uow.session.execute(
            text("SELECT actor, after FROM audit_log WHERE action = :a ORDER BY id"), {"a": action}
        )
        return [(actor, str(after)) for actor, after in rows.all()]


async def resident_id(town: Town, name: str) -> int:
    async with town.bot.uow() as uow:
        found = await uow.session.execute(
            text("SELECT id FROM residents WHERE name = :n"), {"n": name}
        )
        return int(found.scalar_one())


def offer_in(pushes: list[Reply]) -> Answer:
    """The one offer among ``pushes`` (fails when there is none, or more than one)."""
    found = [p for p in pushes if "要不要作为议题提交初审" in p.text]
    assert len(found) == 1, [p.text for p in pushes]
    return Answer(found)


# ---- the whole story ---------------------------------------------------------------------


async def test_three_reports_in_one_building_become_a_topic_in_screening(
    town_on_both: Town,
) -> None:
    town = town_on_both
    numbers = await three_lamps(town)
    # 李书记 (moderator) is offered a topic, citing the three tickets, no reporter's phone.
    offer = offer_in(await town.li.receives())
    assert offer.text == (
        f"5号楼近90天有3件“公共设施”问题（{'、'.join(numbers)}），要不要作为议题提交初审？"
    )
    assert offer.labels == ["提交初审", "暂不提交"]
    assert not any(p in offer.text for p in PHONES) and "刘大爷" not in offer.text
    assert await town.zhao.receives(), "the grid worker still gets each task"
    assert not [p for p in await town.zhao.inbox.all() if "议题" in p.text], "only moderators"

    # One tap: a topic draft, proposed by 李书记, citing the tickets, in screening.
    done = await town.li.taps("提交初审", offer)
    assert "进入初审" in done and all(n in done.text for n in numbers), done.text
    ref = TOPIC.search(done.text)
    assert ref, done.text
    [card] = [p for p in await town.li.receives() if f"【新议题 {ref.group(0)}】" in p.text]
    assert "李书记：5号楼公共设施问题反复出现" in card.text
    assert f"1. {numbers[0]}（11月22日，5号楼1单元）：5号楼1单元楼道灯坏了" in card.text
    assert f"来源：{'、'.join(numbers)}" in card.text
    assert "楼道灯坏了" in card.text and "路灯不亮了" in card.text, "drawn from the tickets"
    assert "13812345678" not in card.text and "138****5678" in card.text, "phones masked"
    assert "属于协商事项" in card.text, "pre-screened like any proposal"
    async with town.bot.uow() as uow:
        topic = await uow.get(TopicRepository).get(int(ref.group(0)[1:]))
    assert topic is not None and topic.status == "proposed"
    assert topic.proposer_id == await resident_id(town, "李书记")
    assert topic.buildings == ["5号楼"], "the building's residents are its stakeholders"

    # Those who reported are told, each of their own tickets only.
    title = topic.title
    told = [p.text for p in await town.liu.receives() if "整理成议题" in p.text]
    assert told == [
        f"您反映的 {numbers[0]}、{numbers[2]} 这类问题反复出现，社区已整理成议题 "
        f"{ref.group(0)}“{title}”，正在初审。初审通过后邻居们可以附议，够人数就拿到协商议事日上商量解决。"
    ]
    [told_zhang] = [p.text for p in await town.zhang.receives() if "整理成议题" in p.text]
    assert numbers[1] in told_zhang and numbers[0] not in told_zhang

    # Screened as usual.
    screened = await town.li.taps("通过", card)
    assert f"{ref.group(0)} 已通过审核" in screened, screened.text
    async with town.bot.uow() as uow:
        topic = await uow.get(TopicRepository).get(int(ref.group(0)[1:]))
    assert topic is not None and topic.status == "accepted"

    # Every state change audited with who and when.
    [offered] = await audit(town, "recurring_offered")
    assert offered[0] == "system" and numbers[0] in offered[1]
    [accepted] = await audit(town, "recurring_accepted")
    li = f"resident:{await resident_id(town, '李书记')}"
    assert accepted[0] == li and ref.group(0) in accepted[1]
    assert town.clock().isoformat() in accepted[1], "when, on the test's clock"
    [proposed] = await audit(town, "topic_proposed")
    assert proposed[0] == li
    [row] = await offers(town)
    assert row.status == "accepted" and row.decided_by == li and row.decided_at == town.clock()
    assert row.tickets == numbers and row.topic_id == topic.id


# ---- what became of it: the reporters hear, the moderator is no proposer to himself -------


async def _topic_from_lamps(town: Town) -> tuple[list[str], str, Reply]:
    """Three lamps in 5号楼 put to screening by 李书记: the tickets, the topic's number,
    and its 【新议题】 card; everyone's pushes so far are read."""
    numbers = await three_lamps(town)
    done = await town.li.taps("提交初审", offer_in(await town.li.receives()))
    ref = TOPIC.search(done.text)
    assert ref, done.text
    [card] = [p for p in await town.li.receives() if f"【新议题 {ref.group(0)}】" in p.text]
    await town.liu.receives()
    await town.zhang.receives()
    return numbers, ref.group(0), card


async def test_the_reporters_hear_that_their_topic_was_rejected_and_why(town: Town) -> None:
    numbers, ref, card = await _topic_from_lamps(town)
    asked = await town.li.taps("驳回", card)
    assert "反映这些诉求的 2 位居民会看到" in asked and "提议人" not in asked, asked.text
    done = await town.li.says("属于物业维修范围，已交物业统一更换")
    assert done.text == f"{ref} 已驳回。理由已告知反映这些诉求的 2 位居民。", done.text
    [told] = [p.text for p in await town.liu.receives() if ref in p.text]
    assert told.startswith(f"您反映的 {numbers[0]}、{numbers[2]} 整理成的议题 {ref}“"), told
    assert "没有通过初审，理由：属于物业维修范围，已交物业统一更换。" in told, told
    assert numbers[1] not in told and "张阿姨" not in told, "never who else reported"
    [told_zhang] = [p.text for p in await town.zhang.receives() if ref in p.text]
    assert numbers[1] in told_zhang and numbers[0] not in told_zhang and "刘大爷" not in told_zhang
    own = [p.text for p in await town.li.receives() if "您提的议题" in p.text]
    assert own == [], "李书记 proposed it only formally: no notice of his own act"


async def test_the_reporters_hear_that_their_topic_collects_cosignatures(town: Town) -> None:
    numbers, ref, card = await _topic_from_lamps(town)
    accepted = await town.li.taps("通过", card)
    assert accepted.text == (
        f"{ref} 已通过审核，进入附议阶段（需 10 人附议）。"
        "已通知反映这些诉求的 2 位居民。居民群已发征集附议的通知。"
    ), accepted.text
    [told] = [p for p in await town.liu.receives() if ref in p.text]
    assert told.text.startswith(f"您反映的 {numbers[0]}、{numbers[2]} 整理成的议题 {ref}“")
    assert "已通过初审，正在征集附议" in told.text and numbers[1] not in told.text
    signed = await town.liu.taps(f"附议 {ref}", told)
    assert signed.text.startswith(f"已附议 {ref}"), signed.text
    assert not [p for p in await town.li.receives() if "您提的议题" in p.text]


async def test_the_reporters_hear_that_their_topic_was_merged(town: Town) -> None:
    numbers, ref, _card = await _topic_from_lamps(town)
    await town.chen.says("我想提个议题：5号楼楼道灯老是坏，建议统一换成声控灯")
    await town.chen.says("确认提交")
    other = f"T{int(ref[1:]) + 1}"
    await town.li.says(f"审核 {other} 通过")
    await town.chen.receives()
    merged = await town.li.says(f"合并 {ref} 到 {other}")
    assert merged.text == f"{ref} 已并入 {other}。已通知反映这些诉求的 2 位居民。", merged.text
    [told] = [p for p in await town.zhang.receives() if ref in p.text]
    assert told.text.startswith(f"您反映的 {numbers[1]} 整理成的议题 {ref} 与 {other}“")
    assert [b.data for b in told.buttons] == [f"附议 {other}"]
    assert [p.text for p in await town.liu.receives() if ref in p.text]
    assert not [p for p in await town.chen.receives() if ref in p.text], "not a reporter"
    assert not [p for p in await town.li.receives() if "您提的议题" in p.text]


# ---- offered once ----------------------------------------------------------------------


async def test_a_fourth_ticket_does_not_offer_again_while_the_offer_is_open(town: Town) -> None:
    numbers = await three_lamps(town)
    offer = offer_in(await town.li.receives())
    town.clock.advance(days=3)
    fourth = await report(town.zhang, "5号楼3单元楼道灯也坏了")
    assert await town.li.receives() == [], "the open offer is not repeated"
    for words in ("5号楼1单元楼道灯又坏了", "5号楼门口路灯还是不亮"):  # three more than cited
        town.clock.advance(days=4)
        await report(town.liu, words)
    assert await town.li.receives() == [], "nor is a second one made beside it"
    assert [o.tickets for o in await offers(town)] == [numbers]
    # The first offer's button still works, and cites the three it was made for.
    done = await town.li.taps("提交初审", offer)
    assert fourth not in done.text and numbers[2] in done.text


async def test_declining_closes_the_offer_and_only_newer_tickets_count(town: Town) -> None:
    await three_lamps(town)
    offer = offer_in(await town.li.receives())
    declined = await town.li.taps("暂不提交", offer)
    assert "先不提交" in declined, declined.text
    [row] = await offers(town)
    assert row.status == "declined" and row.decided_at == town.clock()
    [(actor, _after)] = await audit(town, "recurring_declined")
    assert actor == f"resident:{await resident_id(town, '李书记')}"
    late = await town.li.taps("提交初审", offer)
    assert "已由李书记标为暂不提交" in late, late.text
    assert await topic_count(town) == 0

    # The next ticket doesn't bring the declined offer straight back; three new ones do.
    town.clock.advance(days=2)
    await report(town.liu, "5号楼1单元楼道灯又坏了")
    assert await town.li.receives() == []
    town.clock.advance(days=4)
    await report(town.zhang, "5号楼门口路灯还是不亮")
    town.clock.advance(days=4)
    await report(town.liu, "5号楼2单元楼道灯坏了")
    again = offer_in(await town.li.receives())
    assert "近90天有3件" in again.text
    assert [o.status for o in await offers(town)] == ["declined", "open"]


# ---- what counts -----------------------------------------------------------------------


async def test_another_building_another_category_or_an_old_ticket_does_not_count(
    town: Town,
) -> None:
    old = await report(town.liu, "5号楼1单元楼道灯坏了")
    town.clock.advance(days=50)
    second = await report(town.zhang, "5号楼门口的路灯不亮了")
    town.clock.advance(days=5)
    await report(town.zhang, "6号楼门口的路灯不亮了")  # another building
    town.clock.advance(days=5)
    await report(town.liu, "5号楼门口垃圾好几天没人清了")  # another category
    assert await town.li.receives() == [], "two lamps in 5号楼, one in 6号楼, one rubbish"
    town.clock.advance(days=31)  # the first report is now 91 days old
    third = await report(town.liu, "5号楼2单元楼道灯又不亮了")
    assert await town.li.receives() == [], "the 91-day-old ticket no longer counts"
    town.clock.advance(days=1)
    fourth = await report(town.zhang, "5号楼3单元楼道灯也坏了")
    offer = offer_in(await town.li.receives())
    assert f"（{second}、{third}、{fourth}）" in offer.text and old not in offer.text


async def test_neighbour_disputes_are_never_offered(town: Town) -> None:
    """A private dispute is one of the 六不议, and a topic would show it to everyone."""
    for day in range(3):
        asked = await town.liu.says("反映问题：5号楼邻居占用楼道堆杂物，跟邻居有纠纷")
        assert "保密" in asked, asked.text
        draft = await town.liu.says("对方是5号楼3单元402")
        assert "邻里纠纷" in draft and "请确认" in draft, draft.text
        await town.liu.taps("确认提交", draft)
        town.clock.advance(days=5 + day)
    assert not [p for p in await town.li.receives() if "议题" in p.text]
    assert await offers(town) == []


async def test_a_ticket_reopened_twice_is_offered(town: Town) -> None:
    number = await report(town.liu, "5号楼1单元楼道灯坏了")
    for time in (1, 2):
        await town.zhao.says(f"接单 {number}")
        await town.zhao.says(f"办结 {number} 已更换灯泡")
        ask = [p for p in await town.liu.receives() if "请您评价" in p.text][-1]
        reopened = await town.liu.taps("不满意", ask)
        assert "重新" in reopened, reopened.text
        if time == 1:
            assert not [p for p in await town.li.receives() if "议题" in p.text]
        town.clock.advance(days=3)
    offer = offer_in(await town.li.receives())
    assert offer.text == (
        f"5号楼的诉求 {number}（“公共设施”）已经重新处理2次，居民还是不满意，"
        "要不要作为议题提交初审？"
    )
    done = await town.li.taps("提交初审", offer)
    ref = TOPIC.search(done.text)
    assert ref and number in done.text, done.text
    [card] = [p for p in await town.li.receives() if f"【新议题 {ref.group(0)}】" in p.text]
    assert "已重新处理2次" in card.text and f"来源：{number}" in card.text


# ---- the button ------------------------------------------------------------------------


async def test_a_double_tap_makes_one_topic(town_on_both: Town) -> None:
    town = town_on_both
    numbers = await three_lamps(town)
    offer = offer_in(await town.li.receives())
    first = await town.li.taps("提交初审", offer)
    second = await town.li.taps("提交初审", offer)
    ref = TOPIC.search(first.text)
    assert ref and f"已由李书记整理成议题 {ref.group(0)}" in second, second.text
    assert await topic_count(town) == 1
    # Two taps at once (two moderators' phones, or an impatient thumb): still one topic.
    town.clock.advance(days=1)
    await report(town.zhang, "5号楼门口路灯又不亮了")  # the cluster counts again after it
    town.clock.advance(days=1)
    await report(town.liu, "5号楼1单元楼道灯又坏了")
    town.clock.advance(days=1)
    last = await report(town.liu, "5号楼2单元楼道灯坏了")
    again = offer_in(await town.li.receives())
    assert last in again.text and numbers[0] not in again.text
    both = await asyncio.gather(*(town.li.says(again.button("提交初审")) for _ in range(2)))
    made = [a for a in both if "进入初审" in a]
    assert len(made) == 1, [a.text for a in both]
    assert await topic_count(town) == 2


async def test_a_resident_cannot_use_the_offer(town: Town) -> None:
    await three_lamps(town)
    offer = offer_in(await town.li.receives())
    refused = await town.zhang.says(offer.button("提交初审"))
    assert "需要社区工作者身份" in refused, refused.text
    refused = await town.liu.says(offer.button("暂不提交"))
    assert "需要社区工作者身份" in refused, refused.text
    assert await topic_count(town) == 0
    [row] = await offers(town)
    assert row.status == "open", "a refused tap changes nothing"
    done = await town.li.taps("提交初审", offer)
    assert "进入初审" in done


# ---- configuration -----------------------------------------------------------------------


@pytest.fixture
async def strict_town(sqlite_url: str, clock: Clock) -> AsyncIterator[Town]:
    """A community that wants to hear of two reports within 30 days, and no reopenings."""
    from bot.demo import seed_demo

    settings = make_settings(
        sqlite_url,
        consultation={
            "recurring_ticket_count": 2,
            "recurring_window_days": 30,
            "recurring_reopen_count": 0,
        },
    )
    bot = Yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow, clock())
    yield Town(bot, clock)
    await bot.stop()


async def test_the_thresholds_are_the_communitys(strict_town: Town) -> None:
    town = strict_town
    await report(town.liu, "5号楼1单元楼道灯坏了")
    town.clock.advance(days=31)
    await report(town.zhang, "5号楼门口的路灯不亮了")
    assert await town.li.receives() == [], "31 days apart: outside a 30-day window"
    town.clock.advance(days=10)
    second = await report(town.liu, "5号楼2单元楼道灯又不亮了")
    offer = offer_in(await town.li.receives())
    assert offer.text.startswith("5号楼近30天有2件“公共设施”问题") and second in offer.text


def test_the_example_configuration_documents_the_defaults() -> None:
    from pathlib import Path

    from bot.config import ConsultationSettings, load_settings

    example = load_settings(Path(__file__).parents[2] / "config.example.toml").consultation
    for key in ("recurring_ticket_count", "recurring_window_days", "recurring_reopen_count"):
        assert getattr(example, key) == ConsultationSettings.model_fields[key].default, key
    with pytest.raises(ValueError, match="at least 2"):
        ConsultationSettings(recurring_ticket_count=1)


# ---- the check never costs a report ------------------------------------------------------


async def broken_offers(town: Town) -> None:
    """The offers table refuses every row (a trigger): the recurring check fails inside the
    transaction that files the third ticket, as a bug or a bad row would make it fail."""
    async with town.bot.uow() as uow:
        if town.bot.settings.storage.url.startswith("sqlite"):
            await uow.session.execute(
                text(
                    "CREATE TRIGGER refuse_offers BEFORE INSERT ON recurring_offers "
                    "BEGIN SELECT RAISE(ABORT, 'recurring offers are broken'); END"
                )
            )
            return
        await uow.session.execute(
            text(
                "CREATE FUNCTION refuse_offers() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'recurring offers are broken'; END $$ LANGUAGE plpgsql"
            )
        )
        await uow.session.execute(
            text(
                "CREATE TRIGGER refuse_offers BEFORE INSERT ON recurring_offers "
                "FOR EACH ROW EXECUTE FUNCTION refuse_offers()"
            )
        )


async def test_a_failing_recurring_check_still_files_the_report(
    town_on_both: Town, caplog: pytest.LogCaptureFixture
) -> None:
    """The check runs as the ticket is filed; if it fails, the resident's report is filed
    and answered as usual, the grid worker gets the task, and the failure is logged
    without the resident's words, name or phone."""
    town = town_on_both
    await broken_offers(town)
    await report(town.liu, "5号楼1单元楼道灯坏了，晚上黑乎乎的")
    town.clock.advance(days=12)
    await report(town.zhang, "5号楼门口的路灯不亮了")
    town.clock.advance(days=15)
    await town.zhao.receives()
    draft = await town.liu.says("5号楼2单元楼道灯又不亮了，电话13923456789")
    filed = await town.liu.taps("确认提交", draft)
    number = filed.ticket
    assert filed.text.startswith(f"已受理，诉求编号 {number}。已推送给第二网格"), filed.text
    async with town.bot.uow() as uow:
        found = await uow.session.execute(
            text("SELECT id FROM tickets WHERE number = :n"), {"n": number}
        )
        ticket_id = found.scalar_one()  # the report is filed
    [task] = [p for p in await town.zhao.receives() if number in p.text]
    assert "楼道灯又不亮了" in task.text
    assert not [p for p in await town.li.receives() if "议题" in p.text], "no offer made"
    assert await offers(town) == []
    [failed] = [r for r in caplog.records if r.name == "yishi.notices" and r.levelname != "INFO"]
    logged = failed.getMessage() + str(failed.__dict__)
    assert failed.__dict__["event"] == f"ticket:{ticket_id}", logged  # which ticket
    assert re.fullmatch(r"\w+\.py:\d+", failed.__dict__["at"]), logged  # and where it failed
    for personal in ("楼道灯", "刘大爷", "13923456789", "6789"):
        assert personal not in logged, logged
    # The next report is filed too (the failure left nothing half done behind).
    town.clock.advance(days=1)
    assert await report(town.zhang, "5号楼3单元楼道灯也坏了")
