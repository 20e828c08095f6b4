"""After a rating: a new problem is a new problem, natural words rate, nothing is lost.

The tester's walk: 赵网格员 closed 刘大爷's ticket, 刘大爷 tapped 满意, was invited to
add a comment, and typed a new problem — which was filed as a comment on the archived
ticket, nobody told. And "挺好的 就是慢了点" at the rating question was not understood.
"""

from __future__ import annotations

import pytest

from storage.tickets import TicketRepository
from tests.kit import Answer, Town


async def resolved_for_liu(town: Town) -> tuple[str, Answer]:
    """刘大爷's rubbish heap, resolved by 赵网格员 (第二网格): its number and the question."""
    draft = await town.liu.says("5号楼1单元门口堆了好多垃圾没人清")
    number = (await town.liu.taps("确认提交", draft)).ticket
    await town.later(hours=1)  # the filing's own dialogue is over
    await town.zhao.says(f"接单 {number}")
    await town.zhao.says(f"办结 {number} 已清运")
    [ask] = [p for p in await town.liu.receives() if "请您评价" in p.text]
    return number, Answer([ask])


async def events_of(town: Town, number: str) -> list[str]:
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
        assert tk is not None
        return [e.action for e in await uow.get(TicketRepository).history(tk.id)]


async def rated_by_liu(town: Town, rating: str) -> tuple[str, Answer]:
    number, ask = await resolved_for_liu(town)
    rated = await town.liu.taps(rating, ask)
    assert number in rated and "没有的话发“没有”" in rated, rated.text
    return number, rated


@pytest.mark.parametrize(
    ("rating", "problem"),
    [("满意", "8号楼楼下的健身器材坏了"), ("基本满意", "3号楼门口的井盖坏了 有个洞")],
)
async def test_a_new_problem_right_after_rating_starts_its_own_report(
    town: Town, rating: str, problem: str
) -> None:
    """The walk: it got "您的意见已记下，谢谢！" and was a comment on the archived ticket."""
    number, _ = await rated_by_liu(town, rating)
    draft = await town.liu.says(problem)
    assert "您的意见已记下" not in draft.text
    assert "请确认" in draft and f"问题：{problem}" in draft, draft.text
    assert "确认提交" in draft.labels
    filed = await town.liu.taps("确认提交", draft)
    assert filed.ticket != number
    tasks = await town.wang.receives() + await town.zhao.receives()
    assert any(filed.ticket in p.text for p in tasks), "its grid's workers are pushed"
    assert "commented" not in await events_of(town, number)


async def test_a_proposal_right_after_rating_starts_a_topic_draft(model_town: Town) -> None:
    """The walk: "我有个建议 小区能不能建个老年食堂" was kept as a comment on R…."""
    town = model_town
    number, _ = await rated_by_liu(town, "满意")
    draft = await town.liu.says("我有个建议 小区能不能建个老年食堂")
    assert "您的意见已记下" not in draft.text
    assert "议题" in draft and "老年食堂" in draft, draft.text
    assert "commented" not in await events_of(town, number)


@pytest.mark.parametrize("comment", ["师傅态度很好", "就是慢了点"])
async def test_a_word_about_the_repair_stays_its_comment(town: Town, comment: str) -> None:
    number, _ = await rated_by_liu(town, "满意")
    saved = await town.liu.says(comment)
    assert saved.text == "您的意见已记下，谢谢！", saved.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
        assert tk is not None
        history = await uow.get(TicketRepository).history(tk.id)
    assert [e.note for e in history if e.action == "commented"] == [comment]


async def test_unsure_after_rating_is_asked_and_either_answer_is_kept(town: Town) -> None:
    """ "建议下次早点来" may be about the repair or a new matter: asked with buttons, and
    the words go where the resident says — never dropped, never guessed."""
    number, _ = await rated_by_liu(town, "满意")
    asked = await town.liu.says("建议下次早点来")
    assert f"是对 {number} 的补充意见" in asked and asked.labels == ["补充意见", "新问题"]
    assert "commented" not in await events_of(town, number)
    saved = await town.liu.taps("补充意见", asked)
    assert saved.text == "您的意见已记下，谢谢！", saved.text
    assert "commented" in await events_of(town, number)


async def test_unsure_after_rating_answered_new_is_handled_as_new(town: Town) -> None:
    number, _ = await rated_by_liu(town, "满意")
    asked = await town.liu.says("楼道灯还是不亮")  # this ticket's light, or another?
    assert asked.labels == ["补充意见", "新问题"], asked.text
    new = await town.liu.taps("新问题", asked)
    assert "您的意见已记下" not in new.text and "楼道灯还是不亮" in new, new.text
    assert "commented" not in await events_of(town, number)


async def test_after_unsatisfied_what_is_wrong_is_the_comment(town: Town) -> None:
    """不满意 asks "哪里不满意？": the answer, naming what is still wrong, is its comment."""
    number, _ = await rated_by_liu(town, "不满意")
    said = await town.liu.says("门口的垃圾还是没清干净")
    assert said.text == "您的意见已记下，谢谢！", said.text
    assert "commented" in await events_of(town, number)


@pytest.mark.parametrize(
    ("words", "rating", "comment"),
    [
        ("挺好的 就是慢了点", "基本满意", "挺好的 就是慢了点"),
        ("还行吧", "基本满意", None),
        ("修好了 谢谢", "满意", None),
        ("很好，师傅很负责", "满意", "很好，师傅很负责"),
        ("没修好 门口还是一堆", "不满意", "没修好 门口还是一堆"),
        ("满意 清得很干净", "满意", "清得很干净"),
        # The walk: each got "这属于哪一类问题？", a new draft, the ticket left unrated.
        ("修得太马虎了 一下雨又堵", "不满意", "修得太马虎了 一下雨又堵"),
        ("太慢了 等了好几天才来修", "不满意", "太慢了 等了好几天才来修"),
    ],
)
async def test_a_rating_in_the_residents_own_words_is_understood(
    town: Town, words: str, rating: str, comment: str | None
) -> None:
    """The walk: "挺好的 就是慢了点", "还行吧", "修好了 谢谢" got "请点“满意”…"."""
    number, _ask = await resolved_for_liu(town)
    answer = await town.liu.says(words)
    assert "请点" not in answer.text, answer.text
    said = "没让您满意" if rating == "不满意" else f"谢谢您的评价（{rating}）"
    assert said in answer and number in answer, answer.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and tk.rating == rating and tk.rating_comment == comment
    if comment is None:  # only the rating said: a comment is still invited
        assert "想补充意见可以直接说" in answer or "可以说说哪里不满意" in answer, answer.text
    else:
        assert comment in answer, answer.text


async def test_no_rating_in_the_words_is_asked_again_with_the_buttons(town: Town) -> None:
    number, _ask = await resolved_for_liu(town)
    hint = await town.liu.says("师傅来过了")
    assert f"评价 {number}" in hint and hint.labels == ["满意", "基本满意", "不满意"], hint.text


@pytest.mark.parametrize(
    ("words", "rating"),
    [("挺好的 就是慢了点", "基本满意"), ("还行吧", "基本满意"), ("修好了 谢谢", "满意")],
)
async def test_the_walks_words_rate_with_the_trained_model(
    model_town: Town, words: str, rating: str
) -> None:
    """As the demo understands (the trained model), the tester's own words."""
    number, _ask = await resolved_for_liu(model_town)
    answer = await model_town.liu.says(words)
    assert f"谢谢您的评价（{rating}）" in answer and number in answer, answer.text


@pytest.mark.parametrize("words", ["修得太马虎了 一下雨又堵", "太慢了 等了好几天才来修"])
async def test_the_walks_complaints_rate_unsatisfied_with_the_trained_model(
    model_town: Town, words: str
) -> None:
    """As the demo understands: a complaint about the work at the rating question is 不满意,
    the words its comment, and no "这属于哪一类问题？"."""
    number, _ask = await resolved_for_liu(model_town)
    answer = await model_town.liu.says(words)
    assert "这属于哪一类问题" not in answer.text, answer.text
    assert f"抱歉没让您满意。{number} 已重新交办" in answer and words in answer, answer.text


@pytest.mark.parametrize("problem", ["8号楼楼下的健身器材坏了", "3号楼门口的井盖坏了 有个洞"])
async def test_the_walks_new_problem_with_the_trained_model(model_town: Town, problem: str) -> None:
    number, _ = await rated_by_liu(model_town, "满意")
    draft = await model_town.liu.says(problem)
    assert "请确认" in draft and f"问题：{problem}" in draft, draft.text
    assert "commented" not in await events_of(model_town, number)


async def test_a_new_problem_instead_of_a_rating_is_a_report_and_the_buttons_still_rate(
    town: Town,
) -> None:
    """At the rating question a new problem is no "请点满意…": it starts its report, and
    the question's buttons still rate the ticket afterwards."""
    number, ask = await resolved_for_liu(town)
    draft = await town.liu.says("8号楼楼下的健身器材坏了")
    assert "请点“满意”" not in draft.text and "请确认" in draft, draft.text
    await town.liu.says("取消")
    rated = await town.liu.taps("满意", ask)
    assert f"谢谢您的评价（满意）！{number} 已归档" in rated, rated.text


async def test_a_rating_tap_while_a_draft_waits_rates_and_keeps_the_draft(town: Town) -> None:
    """The walk: a tap on 满意 with a report draft open answered "先放下了；需要的话再说
    一次" and threw the draft away; its 确认提交 then became a comment on the rated one."""
    number, ask = await resolved_for_liu(town)
    draft = await town.liu.says("8号楼楼下的健身器材坏了")
    assert "请确认" in draft, draft.text
    rated = await town.liu.taps("满意", ask)
    assert f"谢谢您的评价（满意）！{number} 已归档" in rated, rated.text
    assert "先放下" not in rated.text and "草稿还在" in rated, rated.text
    assert "想补充意见" not in rated.text, "the next message is the draft's"
    filed = await town.liu.taps("确认提交", draft)
    assert "已受理" in filed and filed.ticket != number, filed.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
        new = await uow.get(TicketRepository).by_number(filed.ticket)
    assert tk is not None and tk.rating == "满意"
    assert new is not None and new.description == "8号楼楼下的健身器材坏了"
    assert "commented" not in await events_of(town, number)


async def fixed_within_the_hour(town: Town) -> tuple[str, Answer]:
    """刘大爷's rubbish heap cleared twenty minutes after he filed it: the filing's own
    dialogue ("有新情况直接发给我") is still open when the 办结 notice comes."""
    draft = await town.liu.says("5号楼1单元门口堆了好多垃圾没人清")
    number = (await town.liu.taps("确认提交", draft)).ticket
    await town.later(minutes=20)  # within the filing's window (30 minutes)
    await town.zhao.says(f"接单 {number}")
    await town.zhao.says(f"办结 {number} 已清运")
    [ask] = [p for p in await town.liu.receives() if "请您评价" in p.text]
    return number, Answer([ask])


@pytest.mark.parametrize(("words", "rating"), [("满意", "满意"), ("挺好的 就是慢了点", "基本满意")])
async def test_a_ticket_fixed_soon_after_filing_is_rated_in_words(
    town: Town, words: str, rating: str
) -> None:
    """The walk: a lamp fixed twenty minutes after it was reported; "挺好的 就是慢了点"
    then was not taken as the rating (the filing's dialogue kept the question shut)."""
    number, _ask = await fixed_within_the_hour(town)
    answer = await town.liu.says(words)
    assert f"谢谢您的评价（{rating}）" in answer and number in answer, answer.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and tk.rating == rating


async def test_a_draft_being_written_when_the_ticket_is_fixed_is_not_lost(town: Town) -> None:
    """In the middle of a second report when the first is fixed: the draft stays where it
    was (its next answer fills it), and the notice's buttons still rate the first."""
    draft = await town.liu.says("5号楼1单元门口堆了好多垃圾没人清")
    number = (await town.liu.taps("确认提交", draft)).ticket
    await town.later(minutes=5)
    asked = await town.liu.says("健身器材坏了")
    await town.zhao.says(f"接单 {number}")
    await town.zhao.says(f"办结 {number} 已清运")
    [ask] = [p for p in await town.liu.receives() if "请您评价" in p.text]
    card = await town.liu.says("8号楼楼下")
    assert "请确认" in card and "8号楼" in card and "健身器材" in card, (asked.text, card.text)
    rated = await town.liu.taps("满意", Answer([ask]))
    assert f"谢谢您的评价（满意）！{number} 已归档" in rated, rated.text


# ---- a problem somewhere else, said at the rating question ------------------------------------


@pytest.mark.parametrize(
    "problem", ["8号楼的下水道又堵了", "东门的路灯又不亮了", "5号楼2单元又堵了", "2单元门口又堵了"]
)
async def test_a_problem_in_another_place_at_the_rating_question_is_a_new_report(
    town: Town, problem: str
) -> None:
    """The walk: asked to rate 5号楼1单元's rubbish heap, 刘大爷 typed "8号楼的下水道又堵了":
    it was 不满意 on the rubbish heap, reopened to its grid, and 8号楼 never reported. A
    problem in another place starts its own draft; the question's buttons still rate."""
    number, ask = await resolved_for_liu(town)
    draft = await town.liu.says(problem)
    assert "没让您满意" not in draft.text, draft.text
    if "这属于哪一类问题" in draft:  # 下水道: the draft asks its category first
        draft = await town.liu.taps(draft.labels[0], draft)
    assert "请确认" in draft and f"问题：{problem}" in draft, draft.text
    filed = await town.liu.taps("确认提交", draft)
    assert "已受理" in filed and filed.ticket != number, filed.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and (tk.status, tk.rating) == ("resolved", None)
    rated = await town.liu.taps("满意", ask)
    assert f"谢谢您的评价（满意）！{number} 已归档" in rated, rated.text


@pytest.mark.parametrize(
    "words", ["5号楼的下水道又堵了", "5号楼1单元门口还是没清", "门口又堵了 修得太马虎"]
)
async def test_the_same_place_again_at_the_rating_question_is_unsatisfied(
    town: Town, words: str
) -> None:
    """About the rated ticket's own place (or none), "又堵了" says the fix did not hold:
    不满意, its words the comment."""
    number, _ask = await resolved_for_liu(town)
    answer = await town.liu.says(words)
    assert f"抱歉没让您满意。{number} 已重新交办" in answer and words in answer, answer.text
    async with town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and (tk.rating, tk.rating_comment) == ("不满意", words)


async def test_a_rating_said_outright_stays_a_rating_wherever_it_points(town: Town) -> None:
    number, _ask = await resolved_for_liu(town)
    answer = await town.liu.says("不满意 8号楼那边也没清")
    assert f"抱歉没让您满意。{number}" in answer, answer.text


async def test_the_walks_other_place_with_the_trained_model(model_town: Town) -> None:
    number, _ask = await resolved_for_liu(model_town)
    draft = await model_town.liu.says("8号楼的下水道又堵了")
    assert "没让您满意" not in draft.text, draft.text
    assert "请确认" in draft or "这属于哪一类问题" in draft, draft.text
    same = await model_town.liu.says("取消")
    assert "取消" in same.text, same.text
    async with model_town.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and tk.rating is None


async def a_bit_slow(here: Town) -> None:
    """ "有点慢" alone is a reservation (nlu/slots/rating.py): 基本满意, its words kept."""
    number, _ask = await resolved_for_liu(here)
    answer = await here.liu.says("有点慢")
    assert f"谢谢您的评价（基本满意）！{number}" in answer and "有点慢" in answer, answer.text
    async with here.bot.uow() as uow:
        tk = await uow.get(TicketRepository).by_number(number)
    assert tk is not None and (tk.rating, tk.rating_comment) == ("基本满意", "有点慢")


async def test_a_bit_slow_alone_is_basically_satisfied(town: Town) -> None:
    await a_bit_slow(town)


async def test_a_bit_slow_alone_is_basically_satisfied_with_the_trained_model(
    model_town: Town,
) -> None:
    await a_bit_slow(model_town)


@pytest.mark.parametrize("rating", ["满意", "不满意"])
async def test_a_problem_in_another_place_after_the_rating_is_a_new_report(
    town: Town, rating: str
) -> None:
    """After the rating too: "8号楼的下水道又堵了" was asked about (补充意见 or 新问题?) after
    满意, and after 不满意's "哪里不满意？" kept as the heap's comment."""
    number, _ = await rated_by_liu(town, rating)
    draft = await town.liu.says("8号楼的下水道又堵了")
    assert "补充意见" not in draft.labels and "您的意见已记下" not in draft.text, draft.text
    assert "请确认" in draft or "这属于哪一类问题" in draft, draft.text
    assert "commented" not in await events_of(town, number)


async def test_the_same_place_after_unsatisfied_is_still_the_comment(town: Town) -> None:
    number, _ = await rated_by_liu(town, "不满意")
    said = await town.liu.says("5号楼的下水道又堵了")
    assert said.text == "您的意见已记下，谢谢！", said.text
    assert "commented" in await events_of(town, number)
