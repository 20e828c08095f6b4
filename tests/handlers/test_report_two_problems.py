"""Two problems typed one after the other are two tickets: the walk had 刘大爷's
"4号楼灯坏了" then "5号楼灯坏了" merged into one draft (问题 "4号楼灯坏了；5号楼灯坏了",
位置 5号楼), and "…路灯不亮" then "5号楼东边的路灯也不亮" dropped the first one."""

from __future__ import annotations

from tests.kit import Town


async def test_a_problem_at_another_building_is_a_second_ticket_not_a_correction(
    model_town: Town,
) -> None:
    town = model_town
    first = await town.liu.says("4号楼灯坏了")
    assert "位置：4号楼" in first, first.text
    both = await town.liu.says("5号楼灯坏了")
    assert "两件事" in both, both.text
    assert "① 类别：公共设施｜位置：4号楼｜问题：4号楼灯坏了" in both, both.text
    assert "② 类别：公共设施｜位置：5号楼｜问题：5号楼灯坏了" in both, both.text
    assert "4号楼灯坏了；" not in both.text, "never merged into one description"
    filed = await town.liu.taps("确认提交", both)
    assert filed.text.count("已受理") == 2, filed.text
    [four, five] = await town.tickets_of("liu")
    assert (four.building, four.description) == ("4号楼", "4号楼灯坏了")
    assert (five.building, five.description) == ("5号楼", "5号楼灯坏了")
    assert four.grid_id != five.grid_id, "each goes to its own building's grid"


async def test_a_correction_still_moves_the_card(model_town: Town) -> None:
    """What looks like a correction ("是5号楼", a bare "6号楼") corrects the card."""
    town = model_town
    await town.liu.says("4号楼灯坏了")
    moved = await town.liu.says("是5号楼")
    assert "位置：5号楼" in moved and "两件事" not in moved, moved.text
    moved = await town.liu.says("6号楼")
    assert "位置：6号楼" in moved and "两件事" not in moved, moved.text
    await town.liu.taps("确认提交", moved)
    [ticket] = await town.tickets_of("liu")
    assert ticket.building == "6号楼"


async def test_another_matter_said_with_haiyou_keeps_the_first(model_town: Town) -> None:
    """The walk: "5号楼1单元的楼道灯不亮了" then "还有6号楼门口的垃圾桶满了没人倒": the bot said the
    first was put down and filed only the second."""
    town = model_town
    await town.zhang.says("5号楼1单元的楼道灯不亮了")
    both = await town.zhang.says("还有6号楼门口的垃圾桶满了没人倒")
    assert "放下" not in both.text, both.text
    assert "问题：5号楼1单元的楼道灯不亮了" in both, both.text
    assert "问题：6号楼门口的垃圾桶满了没人倒" in both, both.text
    await town.zhang.taps("确认提交", both)
    places = [(tk.building, tk.category) for tk in await town.tickets_of("zhang")]
    assert places == [("5号楼", "公共设施"), ("6号楼", "环境卫生")]


async def test_a_first_problem_still_asked_about_is_taken_up_after_the_second(
    model_town: Town,
) -> None:
    """The walk: at a 4号楼 扶手 draft's category question, "还行 不过9号楼的路灯也不亮了"
    joined the draft and moved it to 9号楼. It is its own draft, never merged; once it is
    filed, the first is taken up again where it was."""
    town = model_town
    asked = await town.liu.says("4号楼的楼道扶手松了")
    assert "这属于哪一类问题" in asked, asked.text
    other = await town.liu.says("还行 不过6号楼的路灯也不亮了")
    assert "“4号楼的楼道扶手松了”也还在" in other, other.text
    assert "位置：6号楼" in other and "问题：6号楼的路灯也不亮了\n" in other, other.text
    filed = await town.liu.taps("确认提交", other)
    assert "已受理" in filed and "4号楼的楼道扶手松了" in filed, filed.text
    assert "这属于哪一类问题" in filed, filed.text
    card = await town.liu.says("公共设施")
    assert "位置：4号楼" in card and "问题：4号楼的楼道扶手松了\n" in card, card.text
    await town.liu.taps("确认提交", card)
    six, four = await town.tickets_of("liu")
    assert (four.building, six.building) == ("4号楼", "6号楼")
    assert "扶手" not in six.description and "路灯" not in four.description


async def test_cancel_at_the_card_of_both_files_neither(model_town: Town) -> None:
    town = model_town
    await town.liu.says("7号楼灯坏了")
    both = await town.liu.says("8号楼灯坏了")
    assert "两件事" in both, both.text
    await town.liu.taps("取消", both)
    assert await town.tickets_of("liu") == []


async def test_a_photo_sent_before_the_words_goes_with_the_report(model_town: Town) -> None:
    """The walk: a photo, then "这是4号楼门口的井盖，被人挪开了": the ticket had no photo.
    An open manhole is now an emergency, filed at once: the photo goes with it too."""
    town = model_town
    photo = await town.zhang.says("", image="https://img.example/bins.jpg")
    assert "图片" in photo and "一起提交" in photo, photo.text
    card = await town.zhang.says("这是4号楼门口的垃圾桶，好几天没人清了")
    assert "位置：4号楼门口" in card and "照片：1 张" in card, card.text
    await town.zhang.taps("确认提交", card)
    [ticket] = await town.tickets_of("zhang")
    assert ticket.photos == ["https://img.example/bins.jpg"]

    await town.liu.says("", image="https://img.example/well.jpg")
    urgent = await town.liu.says("这是4号楼门口的井盖，被人挪开了")
    assert "已按紧急诉求受理" in urgent, urgent.text
    [well] = await town.tickets_of("liu")
    assert well.urgent and well.photos == ["https://img.example/well.jpg"]


async def test_a_correction_said_in_words_is_a_correction(model_town: Town) -> None:
    """A correction said in words ("地点是5号楼", "说错了，是6号楼的灯坏了") corrects the
    card: never a second problem."""
    town = model_town
    await town.liu.says("4号楼灯坏了")
    moved = await town.liu.says("地点是5号楼")
    assert "位置：5号楼" in moved and "两件事" not in moved, moved.text
    moved = await town.liu.says("说错了，是6号楼的灯坏了")
    assert "位置：6号楼" in moved and "两件事" not in moved, moved.text
    await town.liu.taps("确认提交", moved)
    [ticket] = await town.tickets_of("liu")
    assert ticket.building == "6号楼"


async def test_a_first_problem_at_the_duplicate_prompt_is_offered_again_after(
    model_town: Town,
) -> None:
    """The first draft waited at "已有人反映 R…，要关注它吗？" when the second was said: once
    the second is filed, the first is back at that question, not lost."""
    town = model_town
    await town.liu.taps("确认提交", await town.liu.says("5号楼灯坏了"))
    offered = await town.zhang.says("5号楼1单元的楼道灯不亮了")
    assert "要关注它吗" in offered, offered.text
    second = await town.zhang.says("还有6号楼门口的垃圾桶满了没人倒")
    assert "“5号楼1单元的楼道灯不亮了”也还在" in second, second.text
    assert "问题：6号楼门口的垃圾桶满了没人倒\n" in second, second.text
    filed = await town.zhang.taps("确认提交", second)
    assert "已受理" in filed and "要关注它吗" in filed, filed.text
    followed = await town.zhang.taps("关注它", filed)
    assert "已关注" in followed, followed.text
    filed_by_her = [tk for tk in await town.tickets_of("zhang") if tk.reporter_user_id == "zhang"]
    assert [tk.building for tk in filed_by_her] == ["6号楼"], "the 5号楼 one is followed"
