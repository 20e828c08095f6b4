"""What is a person's own — their tickets, a ticket's details, a draft with their
address, a rating, a worker's tasks, a moderator's lists naming residents — is never
said in the residents' group: asked there, it is answered in the asker's own chat and
the group hears nothing of it."""

from __future__ import annotations

from tests.kit import Town

DISPUTE = "楼上邻居家漏水漏到我家，找他好几次了都不管，天天半夜拖椅子"


async def file(town: Town, who: str, text: str, *answers: str) -> str:
    speaker = town.person(who)
    draft = await speaker.says(text)
    for answer in answers:
        draft = await speaker.says(answer)
    assert "确认提交" in draft.labels, draft.text
    return (await speaker.taps("确认提交", draft)).ticket


async def test_my_tickets_and_a_ticket_number_asked_in_the_group_are_answered_privately(
    town: Town,
) -> None:
    """刘大爷 asked “@议事通 我的诉求” in the group: every neighbour saw his 邻里纠纷
    (R…｜邻里纠纷｜已受理｜楼上邻居家漏水…) and the detail with his address."""
    number = await file(town, "liu", DISPUTE, "3号楼2单元401室")
    await town.group.new()
    mine = await town.liu.says("我的诉求", in_group=True, addressed=True)
    assert mine.private and number in mine and "邻里纠纷" in mine, mine.text
    detail = await town.liu.says(f"{number}", in_group=True, addressed=True)
    assert detail.private and "邻里纠纷" in detail, detail.text
    bare = await town.liu.says(number, in_group=True, addressed=True)
    assert bare.private, bare.text
    assert await town.group.new() == []


async def test_tasks_notes_ratings_and_lists_typed_in_the_group_go_to_the_one_asking(
    town: Town,
) -> None:
    """我的任务, a worker's 办结 and the note it asks for, the resident's rating, and the
    moderator's 超期诉求/所有诉求 (residents' places and problems) typed in the group
    were all answered there. Each now goes to the one who asked; a dialogue begun in the
    group (the note asked for, the comment after a rating) goes on in their own chat.
    诉求统计, counts only, is still said where it is asked."""
    number = await file(town, "liu", DISPUTE, "3号楼2单元401室")
    await town.group.new()
    tasks = await town.zhao.says("我的任务", in_group=True, addressed=True)
    assert tasks.private and number in tasks and "邻里纠纷" in tasks, tasks.text
    accepted = await town.zhao.says(f"接单 {number}", in_group=True, addressed=True)
    assert accepted.private and number in accepted, accepted.text
    asked = await town.zhao.says(f"办结 {number}", in_group=True, addressed=True)
    assert asked.private and "处理结果" in asked, asked.text
    done = await town.zhao.says("已经上门调解，双方同意晚上十点后不再拖椅子")
    assert "办结" in done and number in done, done.text
    await town.liu.receives()

    rated = await town.liu.says("满意", in_group=True, addressed=True)
    assert rated.private and "谢谢您的评价" in rated and number in rated, rated.text
    comment = await town.liu.says("调解得很好")
    assert "意见" in comment or "收到" in comment, comment.text

    town.clock.advance(days=30)
    number = await file(town, "zhang", "3号楼2单元的楼道灯坏了好几天了")
    town.clock.advance(days=10)
    for asked_for in ("超期诉求", "所有诉求"):
        listing = await town.li.says(f"{asked_for}", in_group=True, addressed=True)
        assert listing.private and number in listing and "3号楼2单元" in listing, listing.text
    stats = await town.li.says("诉求统计", in_group=True, addressed=True)
    assert not stats.private, "counts by grid and category are the group's to see"
    said = "\n".join(r.text for r in await town.group.new())
    for secret in (number, "邻里纠纷", "3号楼2单元", "楼道灯", "拖椅子"):
        assert secret not in said, said


async def test_a_problem_reported_in_the_group_is_drafted_in_the_reporters_own_chat(
    town: Town,
) -> None:
    """“@议事通 3号楼楼道灯坏了” in the group put the draft — with the reporter's address —
    in front of every neighbour, and a 邻里纠纷 was drafted there in public. The draft now
    goes to the reporter alone and the dialogue goes on in their own chat."""
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了", in_group=True, addressed=True)
    assert draft.private and "确认提交" in draft.labels, draft.text
    filed = await town.zhang.taps("确认提交", draft)
    assert "已受理" in filed, filed.text

    asked = await town.liu.says(DISPUTE, in_group=True, addressed=True)
    assert asked.private and "保密" in asked, asked.text
    confirm = await town.liu.says("3号楼2单元401室")
    assert "邻里纠纷" in confirm and "确认提交" in confirm.labels, confirm.text
    assert "已受理" in await town.liu.taps("确认提交", confirm)
    assert await town.group.new() == []


async def test_an_emergency_said_in_the_group_tells_everyone_what_to_do_and_only_the_sender_where(
    town: Town,
) -> None:
    """Danger said in the group: what to do at once (96333, 119) is for everyone there;
    the ticket filed at the sender's home address is for the sender alone."""
    answer = await town.liu.says("电梯里有人被困住了", in_group=True)
    advice, *filed = answer.replies
    assert not advice.private and "96333" in advice.text, advice
    assert filed and all(r.private for r in filed), filed
    assert "5号楼" in "\n".join(r.text for r in filed), filed
    assert "5号楼" not in advice.text and "R2026" not in advice.text, advice
    told = await town.liu.says("不在5号楼，是3号楼的电梯")  # in his own chat, where it went
    assert "3号楼" in told and "R2026" in told, told.text
    assert [r for r in await town.group.new() if "5号楼" in r.text] == []


async def test_the_bots_name_without_an_at_addresses_it_in_the_group(town: Town) -> None:
    """The third walk: "议事通 报名名单" in the group (the name typed, no @) signed 李书记
    up for the meeting, and "议事通 代办 报名 张阿姨 线上" signed up 王网格员 himself, both
    announced to the group: the name was read as part of the words. Said first, it
    addresses the bot as an @ does."""
    await town.li.says("创建议事日")
    listing = await town.li.says("议事通 报名名单", in_group=True, addressed=False)
    assert listing.private and "报名成功" not in listing, listing.text
    assert "报名" in listing.text and "您已经报过名" not in listing, listing.text
    assisted = await town.wang.says("议事通，代办 报名 张阿姨 线上", in_group=True, addressed=False)
    assert assisted.private and "张阿姨" in assisted, assisted.text
    signed = await town.liu.says("议事通：报名", in_group=True, addressed=False)
    assert "报名成功" in signed, signed.text
    # The name alone says nothing to act on.
    assert not (await town.zhang.says("议事通", in_group=True, addressed=False)).replies
