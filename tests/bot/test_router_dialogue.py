"""A message is understood on its own first, inside a dialogue too (issue 16, the dialogue).

Every case a resident met on main: an emergency added to a draft, cancelling in
natural words, a second report mid-draft, a ticket number after a rating, a stale
moderator dialogue, a grid worker's reason, small talk, everyday questions, English.
"""

from __future__ import annotations

import re

import pytest

from storage.tickets import TicketRepository
from tests.kit import Answer, Town


async def test_people_trapped_in_the_lift_added_to_a_draft_is_urgent_at_once(town: Town) -> None:
    draft = await town.liu.says("2号楼电梯坏了")
    assert "请确认" in draft and "紧急" not in draft
    urgent = await town.liu.says("2号楼电梯里困了人！快来")
    assert "96333" in urgent and "119" in urgent and "0551" not in urgent
    assert "紧急" in urgent and "请确认" not in urgent
    number = urgent.ticket
    [task] = await town.wang.receives()
    assert number in task.text and "（紧急）" in task.text and "困了人" in task.text
    assert "2号楼电梯坏了" in task.text  # the draft's own words are kept
    [to_li] = [r for r in await town.li.receives() if number in r.text]
    assert "（紧急）" in to_li.text
    # Another word of the same danger: the advice again, no second ticket; what it adds
    # reaches the grid as an update of the same ticket.
    again = await town.liu.says("电梯里有个老人出不来")
    assert "96333" in again and number in again
    [update] = await town.wang.receives()
    assert update.text.startswith(f"【居民补充】{number}") and "老人出不来" in update.text
    assert f"{number}（紧急）" in await town.liu.says("我的诉求"), "urgent marked in lists"
    assert f"{number}（紧急）" in await town.wang.says("我的任务")


async def test_an_emergency_about_another_place_is_its_own_ticket_and_the_draft_waits(
    town: Town,
) -> None:
    """A corridor light in 3号楼 in the draft, then people trapped in 2号楼's lift: two
    problems, two tickets (the walk through the demo had filed them as one, in 2号楼)."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    assert "请确认" in draft
    urgent = await town.zhang.says("2号楼电梯里困了人！快来")
    assert "96333" in urgent and "草稿还在" in urgent, urgent.text
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    assert ticket.urgent and ticket.building == "2号楼" and "楼道灯" not in ticket.description
    back = await town.zhang.says("继续")
    assert "楼道灯" in back and "3号楼" in back and "请确认" in back, back.text
    filed = await town.zhang.says("确认提交")
    assert filed.ticket != urgent.ticket


async def test_an_emergency_as_a_first_message_is_filed_and_the_duty_phone_told(
    town: Town,
) -> None:
    town.bot.router.community.duty_phone = "0551-6288 0000"
    answer = await town.zhang.says("电梯困人了，快打119")
    assert "96333" in answer and "社区值班电话：0551-6288 0000" in answer
    number = answer.ticket
    assert any(number in r.text and "紧急" in r.text for r in await town.wang.receives())
    smoke = await town.liu.says("楼道里冒烟了")
    assert "119" in smoke and "湿毛巾" in smoke and smoke.ticket != number


@pytest.mark.parametrize(
    "words",
    ["算了", "不用了", "不说了", "先不报了", "搞错了", "不要了", "算了不说了", "算了，不说了"],
)
async def test_cancelling_in_the_words_people_use(town: Town, words: str) -> None:
    await town.liu.says("2号楼电梯坏了")
    answer = await town.liu.says(words)
    assert answer.text == "好的，已取消。"
    # Nothing was filed and no draft waits.
    assert "当前没有进行中的事项" in await town.liu.says("取消")
    assert "还没有" in await town.liu.says("我的诉求") or "暂无" in await town.liu.says("我的诉求")


async def test_an_old_confirmation_after_cancelling_is_told_nothing_was_filed(town: Town) -> None:
    await town.liu.says("2号楼电梯坏了")
    draft = await town.liu.says("2单元，停在5楼不动")
    assert "确认提交" in draft.labels
    assert (await town.liu.says("算了不说了")).text == "好的，已取消。"
    late = await town.liu.taps("确认提交", draft)
    assert late.text == "这份草稿刚才已经取消了，没有提交。还要反映的话，直接说是什么问题就行。"
    assert "还没有" in await town.liu.says("我的诉求")
    # Only the one late confirmation: after it, 确认 is a message like any other.
    assert "草稿刚才已经取消" not in await town.liu.says("确认提交")


async def test_a_topic_draft_cancelled_then_confirmed_is_not_filed(town: Town) -> None:
    draft = await town.zhang.says("我想提个议题：小区东门加装夜间照明，晚上回家太黑")
    assert "确认提交" in draft.labels
    assert (await town.zhang.says("算了")).text == "好的，已取消。"
    late = await town.zhang.taps("确认提交", draft)
    assert late.text == "这份议题草稿刚才已经取消了，没有提交。想再提的话，直接说议题就行。"
    assert "当前没有进行中的事项" in await town.zhang.says("取消")


async def test_a_new_report_mid_draft_gets_its_own_draft(town: Town) -> None:
    await town.liu.says("2号楼电梯坏了")
    new = await town.liu.says("小区东门那边垃圾堆了三天没人清理，臭死了")
    assert "两件事" in new and "问题：2号楼电梯坏了\n" in new, new.text
    assert "类别：环境卫生｜位置：东门" in new, new.text
    assert "问题：小区东门那边垃圾堆了三天没人清理，臭死了" in new
    filed = await town.liu.says("确认提交")
    first, second = re.findall(r"R\d{8}-\d{4}", filed.text)
    view = await town.liu.says(second)
    assert "垃圾" in view and "电梯" not in view
    view = await town.liu.says(first)
    assert "电梯" in view and "垃圾" not in view


async def test_a_correction_stays_in_the_draft(town: Town) -> None:
    await town.liu.says("2号楼电梯坏了")
    corrected = await town.liu.says("是5号楼")
    assert "位置：5号楼" in corrected and "类别：公共设施" in corrected


async def test_a_ticket_number_after_rating_shows_the_ticket(town: Town) -> None:
    draft = await town.zhang.says("3号楼门口垃圾没人清")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.wang.says(f"接单 {number}")
    await town.wang.says(f"办结 {number} 清好了")
    rated = await town.zhang.says("满意")
    assert "想补充意见" in rated
    shown = await town.zhang.says(number)
    assert "您的意见已记下" not in shown and number in shown and "状态" in shown
    async with town.bot.uow() as uow:
        stored = await uow.get(TicketRepository).by_number(number)
    assert stored is not None and stored.rating == "满意" and stored.rating_comment is None
    # The comment step is closed: a later word is no comment either.
    assert "您的意见已记下" not in await town.zhang.says("谢谢你们！")


async def test_a_stale_moderator_list_does_not_eat_the_next_message(town: Town) -> None:
    listed = await town.li.says("接下来的通知")
    assert "取消通知 编号" in listed
    answer = await town.li.says("所有诉求")
    assert "已退出通知管理" not in answer
    assert "请再发一次" not in answer
    assert "在办的诉求" in answer or "在办诉求" in answer, answer.text


async def test_a_grid_worker_is_told_before_the_reason_not_after(town: Town) -> None:
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    [task] = await town.wang.receives()
    refused = await town.wang.taps("上报", task)
    assert "不在您手上" in refused and "请说明上报原因" not in refused
    await town.wang.says(f"接单 {number}")
    asked = await town.wang.taps("上报", task)
    assert "请说明上报原因" in asked
    done = await town.wang.says("需要街道协调更换线路")
    assert number in done and "不在您手上" not in done


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "您好！"),
        ("谢谢", "不客气"),
        ("谢谢你们！", "不客气"),
        ("👍", "谢谢"),
        ("物业费多少钱", "物业费"),
        ("社区医院几点开门", "卫生服务站"),
    ],
)
async def test_small_talk_and_everyday_questions(town: Town, text: str, expected: str) -> None:
    answer = await town.zhang.says(text)
    assert expected in answer
    assert "没太明白" not in answer and "都不是" not in answer.labels


async def test_a_question_nobody_here_can_answer_names_who_can(town: Town) -> None:
    answer = await town.zhang.says("小区附近有游泳馆吗？")
    assert "答不上来" in answer and "网格员" in answer
    assert "都不是" not in answer.labels


async def test_small_talk_mid_draft_keeps_the_draft_with_a_word(town: Town) -> None:
    await town.liu.says("2号楼电梯坏了")
    thanks = await town.liu.says("谢谢")
    assert "不客气" in thanks and "草稿还在" in thanks
    back = await town.liu.says("继续")
    assert "问题：2号楼电梯坏了" in back
    faq = await town.liu.says("物业费多少钱")
    assert "物业费" in faq and "草稿还在" in faq
    assert (await town.liu.says("确认提交")).ticket


async def test_an_english_report_is_understood_and_answered_in_chinese(town: Town) -> None:
    answer: Answer = await town.zhang.says("Hello, the elevator in building 5 is broken")
    assert "请确认" in answer and "位置：5号楼" in answer and "电梯坏了" in answer
    assert "投票" not in answer.labels and "都不是" not in answer.labels
    assert "您好" in await town.zhang.says("Hi")


async def test_a_topic_draft_is_kept_with_a_word(town: Town) -> None:
    draft = await town.zhang.says("我想提个议题：小区停车位太少，建议把东侧空地改成停车位")
    assert "请确认您的议题" in draft
    thanks = await town.zhang.says("谢谢")
    assert "不客气" in thanks and "议题草稿还在" in thanks
    assert "小区停车位太少" in await town.zhang.says("继续")


async def test_thanks_between_neighbours_in_the_group_is_not_answered(town: Town) -> None:
    assert not await town.zhang.says("谢谢", in_group=True)
    assert "不客气" in await town.zhang.says("谢谢", in_group=True, addressed=True)


async def test_an_emergency_while_a_rating_is_asked_is_filed_not_rated(town: Town) -> None:
    draft = await town.zhang.says("3号楼门口垃圾没人清")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.wang.says(f"接单 {number}")
    await town.wang.says(f"办结 {number} 清好了")
    await town.wang.receives()
    answer = await town.zhang.says("不满意！3号楼电梯里困了人")
    assert "96333" in answer and answer.ticket != number
    assert any("（紧急）" in r.text for r in await town.wang.receives())
    async with town.bot.uow() as uow:
        stored = await uow.get(TicketRepository).by_number(number)
    assert stored is not None and stored.rating is None


async def test_signing_up_mid_draft_is_a_sign_up_and_the_draft_is_kept(town: Town) -> None:
    """Found in the browser: "线上参加" (a meeting card's button word) typed while a report
    was open became the report's problem text."""
    draft = await town.liu.says("2号楼电梯坏了")
    assert "请确认" in draft
    signed = await town.liu.says("线上参加")
    assert "议事日" in signed and "草稿还在" in signed, signed.text
    back = await town.liu.says("继续")
    assert "问题：2号楼电梯坏了" in back and "线上参加" not in back


@pytest.mark.parametrize(
    "words", ["我想反应个问题", "我要反映一下情况", "您好，我想反映个问题", "报修", "我要投诉"]
)
async def test_asking_to_report_starts_by_asking_what(town: Town, words: str) -> None:
    """反应 for 反映 is what pinyin input gives; the request itself is no description."""
    assert (await town.liu.says(words)).text == "好的，请简单说说是什么问题？"
    draft = await town.liu.says("3号楼楼道灯坏了")
    assert "问题：3号楼楼道灯坏了" in draft and words not in draft


async def test_after_cancelling_a_draft_the_next_message_is_new(town: Town) -> None:
    await town.zhang.says("我想提个议题")
    assert (await town.zhang.says("算了")).text == "好的，已取消。"
    draft = await town.zhang.says("我想提个议题：东侧空地改成停车位")
    assert "标题：东侧空地改成停车位" in draft
    await town.liu.says("2号楼电梯坏了")
    await town.liu.says("不说了")
    asked = await town.liu.says("我要反应一下问题")
    assert asked.text == "好的，请简单说说是什么问题？"
    await town.liu.says("算了")
    again = await town.liu.says("3号楼楼道灯坏了")  # the classifier's report, not a phrase
    assert "问题：3号楼楼道灯坏了" in again and "超时" not in again


async def test_a_yes_to_cancelled_is_no_late_confirmation(town: Town) -> None:
    draft = await town.liu.says("2号楼电梯坏了，2单元停在5楼不动")
    assert "确认提交" in draft.labels
    await town.liu.says("算了")
    assert "草稿" not in await town.liu.says("好的")  # said to "好的，已取消。"
    late = await town.liu.says("确认提交")
    assert "刚才已经取消" not in late, "the marker went with the 好的"


async def test_people_trapped_in_a_lift_during_a_street_light_draft_is_filed_alone(
    town: Town,
) -> None:
    """No building named: the draft about a street light has nothing to do with a lift
    (the walk had filed "3号楼路灯坏了；电梯里有人被困住了" as one ticket, in 3号楼)."""
    draft = await town.zhang.says("3号楼路灯坏了")
    assert "请确认" in draft
    urgent = await town.zhang.says("电梯里有人被困住了")
    assert "96333" in urgent and "草稿还在" in urgent, urgent.text
    # The place it was filed at is said; the draft takes the next message, so not asked.
    assert "地点先按您登记的住址 3号楼2单元301室 记下了。" in urgent and "在哪儿" not in urgent
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    assert ticket.urgent and ticket.description == "电梯里有人被困住了"
    assert "路灯" in await town.zhang.says("继续")


async def test_an_emergency_during_a_topic_draft_keeps_the_draft(town: Town) -> None:
    """The walk's topic vanished: 燃气味很大 mid-proposal filed the gas and lost the topic."""
    draft = await town.zhang.says("我想提个议题：楼下广场舞太吵，晚上九点以后还在跳")
    assert "请确认您的议题" in draft
    urgent = await town.zhang.says("燃气味很大")
    assert "已按紧急诉求受理" in urgent and "议题草稿还在" in urgent, urgent.text
    async with town.bot.uow() as uow:
        [gas] = await uow.get(TicketRepository).of_reporter("web", "zhang", None)
    assert gas.urgent and gas.category == "治安消防"
    back = await town.zhang.says("继续")
    assert "请确认您的议题" in back and "广场舞" in back
    assert "议题 T1 已提交" in await town.zhang.taps("确认提交", back)


async def test_a_lift_emergency_is_no_duplicate_of_a_later_corridor_light(town: Town) -> None:
    """Both 公共设施 in 3号楼: the light used to be told “您已经反映过 R…（电梯里…）”."""
    urgent = await town.zhang.says("3号楼电梯里有人被困住了")
    lift = urgent.ticket
    draft = await town.liu.says("3号楼楼道灯坏了")
    assert "请确认" in draft and lift not in draft, draft.text
    same = await town.chen.says("3号楼电梯坏了，按了没反应")
    assert lift in same and "已有人反映" in same, same.text


async def test_a_draft_another_dialogue_takes_the_place_of_is_put_down_with_a_word(
    town: Town,
) -> None:
    """The last walk: 刘大爷's topic card, then a problem typed: the report's card came and
    the topic draft was gone without a word (its old 确认提交 then filed the report)."""
    topic = await town.liu.says("我想提个议题：楼下加装休息长椅")
    assert "确认提交" in topic.labels, topic.text
    report = await town.liu.says("7号楼门口的垃圾桶满了没人清")
    assert "请确认" in report, report.text
    assert "议题草稿“楼下加装休息长椅”还没提交，先放下了" in report, report.text

    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    assert "请确认" in draft
    proposed = await town.zhang.says("我想提个议题：小区里装几个电动车充电桩")
    assert "诉求“3号楼2单元的楼道灯坏了好几天了”还没提交，先放下了" in proposed, proposed.text

    await town.zhang.says("取消")  # withdrawn, not put down: nothing more said of it
    again = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    assert "先放下了" not in again, again.text
