"""A complaint about a member of staff goes to the community's moderators only: never to
the grid's workers (the one complained about among them), never to a moderator it names;
the complainant's name is the moderators' alone, and the resident is told who has it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kernel.intents import IntentClassifier
from tests.conftest import Clock, town_with
from tests.kit import TICKET_NUMBER, Town

COMPLAINT = "我要投诉王网格员，态度太差，叫他修灯他还凶我"


async def _number(text: str) -> str:
    found = TICKET_NUMBER.search(text)
    assert found, text
    return found.group()


async def test_a_complaint_about_a_grid_worker_goes_to_the_moderators_only(
    model_town: Town,
) -> None:
    """The outside walk: it went to 第一网格's workers, 王网格员 with 张阿姨's name and 办结."""
    town = model_town
    draft = await town.zhang.says(COMPLAINT)
    filed = await town.zhang.taps("确认提交", draft)
    assert "已转社区负责人处理，不会转给被投诉的工作人员" in filed, filed.text
    assert "网格的网格员" not in filed, filed.text
    number = await _number(filed.text)
    assert await town.wang.receives() == []
    assert await town.zhao.receives() == []
    [card] = await town.li.receives()
    assert number in card.text and "投诉工作人员" in card.text, card.text
    assert "张阿姨" in card.text and "王网格员" in card.text, card.text
    tasks = await town.wang.says("我的任务")
    assert number not in tasks, tasks.text
    looked = await town.wang.says(number)
    assert "张阿姨" not in looked and "态度" not in looked, looked.text
    done = await town.wang.says(f"办结 {number} 已处理")
    assert "已办结" not in done and "张阿姨" not in done, done.text
    assert await town.zhang.receives() == []


async def test_a_worker_mentioned_without_a_complaint_is_an_ordinary_report(
    model_town: Town,
) -> None:
    town = model_town
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了，网格员说明天来修")
    filed = await town.zhang.taps("确认提交", draft)
    assert "不会转给被投诉" not in filed, filed.text
    [task] = await town.wang.receives()
    assert "投诉工作人员" not in task.text and "楼道灯" in task.text, task.text


@pytest.fixture
async def phone_town(
    sqlite_url: str, clock: Clock, trained_classifier: IntentClassifier
) -> AsyncIterator[Town]:
    phone = {"duty_phone": "0562-1234567"}
    async for found in town_with(sqlite_url, clock, trained_classifier, community=phone):
        yield found


async def test_a_complaint_about_the_only_moderator_reaches_nobody_and_says_whom_to_call(
    phone_town: Town,
) -> None:
    town = phone_town
    asked = await town.zhang.says("我要举报李书记，推诿扯皮不作为")
    draft = await town.zhang.taps("其他", asked)
    filed = await town.zhang.taps("确认提交", draft)
    assert "不会转给被投诉的工作人员" in filed and "0562-1234567" in filed, filed.text
    assert "街道" in filed, filed.text
    assert await town.li.receives() == []
    assert await town.wang.receives() == []
    assert await town.zhao.receives() == []
    number = await _number(filed.text)
    looked = await town.li.says(number)
    assert "张阿姨" not in looked and "推诿" not in looked, looked.text
    done = await town.li.says(f"办结 {number} 已处理")
    assert "张阿姨" not in done and "已办结" not in done, done.text
    assert await town.zhang.receives() == []


@pytest.mark.parametrize(
    "said",
    [
        "转人工",
        "找人工",
        "人工客服",
        "我要找真人",
        # The walk: the help menu, “问问您所在网格的网格员”, and a report's category question.
        "我不会打字 能打电话吗",
        "网格员电话多少",
        "我们楼的网格员是谁",
        "社区电话是多少？",
    ],
)
async def test_asking_for_a_person_names_the_duty_phone_and_the_grid_worker(
    phone_town: Town, said: str
) -> None:
    answer = await phone_town.zhang.says(said)
    assert "没太明白" not in answer and "赵网格员" not in answer, answer.text
    assert "0562-1234567" in answer and "王网格员" in answer, answer.text
