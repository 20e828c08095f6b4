"""Once the day's meeting is held (its minutes out), 下次 / 下个月 / 1月份 and a sign-up
mean the next one: the walk had 刘大爷 told “您已经报过名了（现场参加 M202612）” for
January's, the morning December's was held, and shown its buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.kit import Town


async def held_and_next_created(town: Town) -> None:
    assert "M202612" in await town.li.says("创建议事日")
    assert "报名成功" in await town.liu.says("报名")
    town.clock.now = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 12:00 on the day, after it
    assert "纪要已发布" in await town.li.says("发布纪要 M202612")
    assert "M202701" in await town.li.says("创建议事日 2027-01")


async def test_asking_about_the_next_meeting_after_the_days_one_is_held(town: Town) -> None:
    await held_and_next_created(town)
    for asked in ("下次议事日是什么时候", "1月份的议事日是哪天", "下个月的议事日是哪天"):
        answer = await town.liu.says(asked)
        assert "M202701" in answer and "M202612" not in answer, (asked, answer.text)


async def test_signing_up_for_next_month_after_the_days_one_is_held(town: Town) -> None:
    await held_and_next_created(town)
    answer = await town.liu.says("下个月的议事会我报名")
    assert "M202701" in answer and "已经报过名" not in answer, answer.text
    listed = await town.li.says("报名名单 M202701")
    assert "刘大爷" in listed, listed.text


async def test_asking_about_a_month_not_yet_set_says_so_and_gives_the_next(town: Town) -> None:
    """“1月的议事日是哪天” (or 下个月) before January's is set was answered “没有找到
    议事日 M202701”, a code the resident never typed. (The town's clock is in November.)"""
    assert "M202612" in await town.li.says("创建议事日")
    answer = await town.liu.says("1月的议事日是哪天")
    assert answer.text.startswith("1月的议事日还没安排"), answer.text
    assert "M202612" in answer and "没有找到" not in answer, answer.text
