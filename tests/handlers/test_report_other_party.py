"""“对方是几号楼几室？” (a 邻里纠纷's question) is answered with the other party's home:
a room said then, or at the card after it, goes to 对方 and never replaces where the
complainant is; an answer that names no home joins the problem (nothing said is lost)
and the question is asked once more; "不知道" lets it go."""

from __future__ import annotations

from storage.tickets import Ticket, TicketRepository
from tests.kit import Town

ASKED = "对方是几号楼几室"


async def _filed(town: Town, who: str) -> Ticket:
    async with town.bot.uow() as uow:
        [ticket] = await uow.get(TicketRepository).of_reporter("web", who, None)
    return ticket


async def test_an_answer_that_is_no_room_is_kept_and_the_question_asked_again(
    model_town: Town,
) -> None:
    """The tester: 好几个月了 晚上11点以后 was taken as 对方, and 是5号楼2单元502的 then
    replaced 位置 (刘大爷's home, 5号楼1单元102) while 对方 stayed wrong; filed that way."""
    town = model_town
    asked = await town.liu.says("楼上邻居天天半夜蹦迪 吵得睡不着")
    assert ASKED in asked, asked.text
    again = await town.liu.says("好几个月了 晚上11点以后")
    assert "请确认" not in again and ASKED in again and "不知道" in again, again.text
    card = await town.liu.says("是5号楼2单元502的")
    assert "位置：5号楼1单元102室" in card, card.text
    assert f"{ASKED}：是5号楼2单元502的" in card, card.text
    assert "问题：楼上邻居天天半夜蹦迪 吵得睡不着；好几个月了 晚上11点以后" in card, card.text
    await town.liu.taps("确认提交", card)
    ticket = await _filed(town, "liu")
    assert (ticket.building, ticket.unit, ticket.room) == ("5号楼", "1单元", "102")
    assert list(ticket.details.values()) == ["是5号楼2单元502的"]
    assert "晚上11点以后" in ticket.description
    [task] = await town.zhao.receives()
    assert f"{ASKED}：是5号楼2单元502的" in task.text and "102" not in task.text, task.text


async def test_a_room_said_at_the_card_goes_to_the_other_party(town: Town) -> None:
    """After 不知道, the room remembered at the card is 对方's, not the complainant's place."""
    asked = await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    assert ASKED in asked, asked.text
    card = await town.liu.says("不知道")
    assert "请确认" in card and f"{ASKED}：不知道" in card, card.text
    card = await town.liu.says("想起来了，是5号楼1单元202的")
    assert "位置：5号楼1单元102室" in card, card.text
    assert f"{ASKED}：想起来了，是5号楼1单元202的" in card, card.text
    moved = await town.liu.says("我家是5号楼1单元101")  # his own home: the place
    assert "位置：5号楼1单元101室" in moved and "202" in moved, moved.text


async def test_a_second_answer_with_no_room_moves_on_and_keeps_the_words(town: Town) -> None:
    await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    again = await town.liu.says("就是楼上那家")
    assert ASKED in again and "请确认" not in again, again.text
    card = await town.liu.says("他家老是不在")
    assert "请确认" in card and f"{ASKED}：" not in card, card.text
    assert "就是楼上那家" in card and "他家老是不在" in card, card.text
    assert "位置：5号楼1单元102室" in card


async def test_a_room_answered_at_once_is_the_other_partys(town: Town) -> None:
    """The answer the first time: kept as said, the draft's place unchanged."""
    await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    card = await town.liu.says("就楼上 202")
    assert f"{ASKED}：就楼上 202" in card and "位置：5号楼1单元102室" in card, card.text


async def test_a_complaint_that_says_what_happened_is_the_problem(model_town: Town) -> None:
    """The walk: "3号楼402的老王天天在楼道里骂人" was asked "请简单说说是什么问题？" and the
    card said only 问题：他骂人. What happened is the problem; only what is missing is asked."""
    town = model_town
    asked = await town.zhang.says("3号楼402的老王天天在楼道里骂人")
    assert "是什么问题" not in asked and "哪一类" in asked, asked.text
    other = await town.zhang.says("邻里纠纷")
    assert ASKED in other, other.text
    card = await town.zhang.says("就是3号楼402")
    assert "问题：3号楼402的老王天天在楼道里骂人" in card, card.text


async def test_noted_in_the_problem_is_said_only_when_it_was(model_town: Town) -> None:
    """The walk: "这句我先记在问题里了" was said of a bare 还行, which went nowhere."""
    town = model_town
    asked = await town.liu.says("楼上邻居天天半夜蹦迪 吵得睡不着")
    assert ASKED in asked, asked.text
    bare = await town.liu.says("还行")
    assert ASKED in bare and "记在问题里" not in bare, bare.text
