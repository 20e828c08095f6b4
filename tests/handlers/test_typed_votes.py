"""A poll of options voted by typing, as residents do it: "投2" (the card's own example),
"B", "西门", "投西门", "我选地库", "我还是选东门吧" — a vote on the one open poll they may
vote in, never a poll's number, never a report about the west gate; asked about when
more than one poll could be meant, with buttons and a fix-up one would type. With the
trained model, as the demo understands."""

from __future__ import annotations

from tests.kit import Answer, Town

CHARGERS = "开启投票 充电桩装在哪里 单独表决 选项:东门/西门/地库"


async def _two_closed_polls(town: Town) -> None:
    """P1 and P2, yes/no polls, opened and closed without 张阿姨's vote (lately: still
    "in play" for a late 赞成)."""
    for question in ("要不要修车棚", "要不要签养犬公约"):
        opened = await town.li.says(f"开启投票 {question} 单独表决")
        ref = "P1" if "P1" in opened else "P2"
        assert (await town.li.says(f"结束投票 {ref}")).text.startswith(f"【表决结果 {ref}】")


async def _no_dialogue(town: Town, who: str) -> None:
    async with town.bot.uow() as uow:
        conv = await uow.conversations.get("web", who, who, town.clock())
    assert conv is None, f"a dialogue was opened for {who}: {conv}"


async def test_a_typed_option_is_a_vote_on_the_one_open_poll(model_town: Town) -> None:
    """With P2 closed, "投2" was answered “P2 已经结束了 … 请回复如“投票 P3 投2””, "西门"
    opened a report draft and "B" was not understood; only "投票 P3 B" counted."""
    town = model_town
    await _two_closed_polls(town)
    card = await town.li.says(CHARGERS)
    assert card.text.startswith("【表决 P3】") and "如“投2”" in card, card.text

    first = await town.zhang.says("投2")  # exactly the card's example: option B of P3
    assert first.text.startswith("已记录您对 P3 的投票：B.西门。"), first.text
    assert "P2" not in first
    for who, said, choice in (
        ("liu", "B", "B.西门"),
        ("chen", "西门", "B.西门"),
        ("wang", "投西门", "B.西门"),
        ("zhao", "我选地库", "C.地库"),
    ):
        voted = await town.person(who).says(said)
        assert voted.text.startswith(f"已记录您对 P3 的投票：{choice}。"), (said, voted.text)
        await _no_dialogue(town, who)
    status = await town.li.says("投票情况 P3")
    assert "已投 5/" in status and "A.东门 0，B.西门 4，C.地库 1" in status, status.text

    # Over a vote already cast, a typed option is a change: asked first, with a button.
    again = await town.zhang.says("我还是选东门吧")
    assert again.text == (
        "您在 P3 投的是「B.西门」，要改成「A.东门」吗？要改请点下面的按钮；不改的话不用回复。"
    )
    assert again.labels == ["改成A.东门"]
    assert "B.西门 4" in await town.li.says("投票情况 P3"), "nothing changed unasked"
    changed = await town.zhang.taps("改成A.东门", again)
    assert changed.text.startswith("已改票，P3 以您最后一次的选择为准：A.东门。"), changed.text
    same = await town.liu.says("选B")
    assert same.text.startswith("您在 P3 已经投过「B.西门」了"), same.text
    status = await town.li.says("投票情况 P3")
    assert "已投 5/" in status and "A.东门 1，B.西门 3，C.地库 1" in status, status.text


async def test_an_option_named_with_no_poll_offering_it_is_still_a_report(
    model_town: Town,
) -> None:
    """Only while a poll the person may vote in offers 西门 is "西门" a vote."""
    town = model_town
    draft = await town.zhang.says("西门的路灯坏了")
    assert "请确认" in draft or "问题" in draft, draft.text
    await town.zhang.says("算了")
    assert "【表决 P1】" in await town.li.says(CHARGERS)
    unverified = await town.xiaochen.says("西门")
    assert "已记录" not in unverified, unverified.text
    neighbours = await town.zhang.says("西门", in_group=True)  # chatter, not to the bot
    assert "已记录" not in neighbours and "已投 0/" in await town.li.says("投票情况 P1")


async def test_a_typed_option_in_an_anonymous_poll_keeps_the_secret(model_town: Town) -> None:
    """Typed rather than tapped, an anonymous vote is marked a secret ballot all the same:
    no answer names the option, history keeps “（投票内容不保存）”, the record says "vote"."""
    town = model_town
    await town.li.says(CHARGERS + " 匿名")

    def secret(answer: Answer) -> None:
        assert answer.replies and all(r.ballot for r in answer), answer.replies
        for option in ("东门", "西门", "地库"):
            assert option not in answer.text, answer.text
        assert answer.labels == [], "no button names an option"

    cast = await town.zhang.says("西门", mid="typed-west")
    assert "匿名票已投出" in cast, cast.text
    secret(cast)
    for said in ("投2", "我还是选东门吧", "C"):
        asked = await town.zhang.says(said)
        assert asked.text.startswith("您已经投过 P1 了。这是匿名投票"), asked.text
        secret(asked)
    other = await town.liu.says("我选地库")
    assert "匿名票已投出" in other
    secret(other)
    async with town.bot.uow() as uow:
        kept = await uow.inbound.get("web", "zhang", "typed-west")
    assert kept is not None and kept.intent == "vote" and "西门" not in str(kept.reply)
    closed = await town.li.says("结束投票 P1")  # both typed votes counted; too few to show
    assert "参与 2 人，不足 5 人" in closed and "西门" not in closed, closed.text


async def test_several_polls_are_asked_about_with_buttons_and_a_natural_fix_up(
    model_town: Town,
) -> None:
    town = model_town
    assert "【表决 P1】" in await town.li.says("开启投票 车棚建在哪里 单独表决 选项:北门/南门")
    assert "【表决 P2】" in await town.li.says(CHARGERS)

    asked = await town.zhang.says("投2")  # B of P1 or of P2: nothing counted, asked
    assert asked.text.startswith("现在有几个投票在进行：P1、P2。这句话还没有算作投票。")
    assert "“投票 P1 B”" in asked and "投2”" not in asked, asked.text
    assert asked.labels == ["P1 车棚建在哪里", "P2 充电桩装在哪里"]
    shown = await town.zhang.taps("P2 充电桩装在哪里", asked)
    assert shown.text.startswith("【表决 P2】充电桩装在哪里")
    assert shown.labels == ["A.东门", "B.西门", "C.地库"]
    assert "已投 0/" in await town.li.says("投票情况 P1")
    assert "已投 0/" in await town.li.says("投票情况 P2")

    west = await town.zhang.says("西门")  # only P2 offers it
    assert west.text.startswith("已记录您对 P2 的投票：B.西门。"), west.text


async def test_a_poll_ended_lately_asks_with_a_fix_up_one_would_type(model_town: Town) -> None:
    """“投4” may be late for an options poll just closed without the person's vote (the
    open one has no 4th option): asked, offered the open poll's buttons and “投票 P2 B”
    (it said “投票 P2 投4”). Words the open poll takes are its vote."""
    town = model_town
    await town.li.says("开启投票 车棚建在哪里 单独表决 选项:北门/南门/东门/西门")
    await town.li.says("结束投票 P1")
    await town.li.says(CHARGERS)
    asked = await town.zhang.says("投4")
    assert asked.text.startswith("P1 已经结束了，不能再投。您是要对 P2“充电桩装在哪里”投票吗？")
    assert asked.text.endswith("请点下面的按钮投票，或回复如“投票 P2 B”。"), asked.text
    assert asked.labels == ["A.东门", "B.西门", "C.地库"]
    west = await town.zhang.says("投西门")  # P1's too, but P1 has ended: P2's vote
    assert west.text.startswith("已记录您对 P2 的投票：B.西门。"), west.text


async def test_changing_ones_mind_is_about_the_poll_one_voted_in(model_town: Town) -> None:
    """“我改主意了，反对” was answered “现在有几个投票在进行：P1、P2”, pointing at a poll
    she had not voted in."""
    town = model_town
    await town.li.says("开启投票 要不要修车棚 单独表决")
    await town.li.says("开启投票 要不要签养犬公约 单独表决")
    assert "已记录您对 P2 的投票：赞成" in await town.zhang.says("投票 P2 赞成")
    asked = await town.zhang.says("我改主意了，反对")
    assert asked.text == (
        "您在 P2 投的是「赞成」，要改成「反对」吗？要改请点下面的按钮；不改的话不用回复。"
    )
    changed = await town.zhang.taps("改成反对", asked)
    assert changed.text.startswith("已改票，P2 以您最后一次的选择为准：反对。")
    assert "已投 0/" in await town.li.says("投票情况 P1")
    bare = await town.zhang.says("反对")  # no word of a change: P1 could be meant
    assert bare.text.startswith("现在有几个投票在进行：P1、P2。"), bare.text


async def test_my_vote_is_answered_as_what_did_i_vote(model_town: Town) -> None:
    town = model_town
    await town.li.says(CHARGERS)
    await town.zhang.says("投票 P1 C")
    for said in ("我的投票", "我的投票呢？", "查一下我的投票记录"):
        mine = await town.zhang.says(said)
        assert mine.text == "您在 P1“充电桩装在哪里”投的是「C.地库」。截止前可以改票。", said


async def test_with_a_secret_ballot_in_play_the_answer_never_depends_on_the_option(
    model_town: Town,
) -> None:
    """With P1 (北门/南门) and an anonymous P2 (东门/西门/地库) open, "西门" fits P2 only and
    "投2" both: counting one and asking about the other would keep, with the message, a
    hint of the secret choice. Both are asked the same way; nothing is counted."""
    town = model_town
    await town.li.says("开启投票 车棚建在哪里 单独表决 选项:北门/南门")
    await town.li.says(CHARGERS + " 匿名")
    answers = [await town.zhang.says(said) for said in ("西门", "投2", "投3", "我选地库")]
    assert {a.text for a in answers} == {answers[0].text}, [a.text for a in answers]
    assert answers[0].text.startswith("现在有几个投票在进行：P1、P2。这句话还没有算作投票。")
    assert all(r.ballot for a in answers for r in a), "kept as “（投票内容不保存）”"
    assert "已投 0/" in await town.li.says("投票情况 P1")
    assert "已投 0/" in await town.li.says("投票情况 P2")
