"""Which poll a typed vote is for, and who sees the answer — found by an outside walk of
the web chat (the residents' group and private chats):

- in the group, “投2” was counted as 反对 on the yes/no poll opened in that group, not
  on the newer poll of options whose card had just been shown there;
- in a private chat, once a poll of options had ended lately without the person's vote,
  “投1” or an option's name was asked about even though the open poll takes it;
- 李书记's “参与名单 P4” in the group named the voters in front of the group;
- an anonymous poll closed with nobody voting showed “赞成：0 票” for each option.

A typed option goes only to a poll that has it (a yes/no poll takes 赞成/反对/弃权),
two open polls that both take it are asked about, a poll ended lately matters only
when no open poll takes the words, and a vote or a list of names typed in the group
is answered to the sender alone.
"""

from __future__ import annotations

import pytest

from tests.kit import Answer, Town

CHARGERS = "开启投票 充电桩装在哪里 单独表决 选项:东门/西门/地库"
SHEDS = "开启投票 车棚建在哪里 单独表决 选项:北门/南门"


#: Where the words are typed: the residents' group (addressed to the bot), or the
#: person's private chat with it.
WHERE = pytest.mark.parametrize("in_group", [True, False], ids=["group", "private"])


def to_sender_alone(answer: Answer) -> None:
    assert answer.private, f"shown to the group: {answer.text!r}"


async def group_sees_nothing_new(town: Town) -> None:
    assert await town.group.new() == [], "nothing more was posted to the group"


async def test_a_typed_option_in_the_group_goes_to_the_poll_that_has_it(
    model_town: Town,
) -> None:
    town = model_town
    opened = await town.li.says("开启投票 要不要修车棚 单独表决", in_group=True)
    assert opened.text.startswith("【表决 P1】")
    assert "【表决 P2】" in await town.li.says(CHARGERS)  # in his own chat: shown to the group
    [card] = await town.group.new()
    assert card.text.startswith("【表决 P2】充电桩装在哪里") and "如“投2”" in card.text

    for who, said, choice in (
        ("zhang", "投2", "B.西门"),  # the card's own example
        ("liu", "B", "B.西门"),
        ("chen", "西门", "B.西门"),
    ):
        voted = await town.person(who).says(said, in_group=True, addressed=True)
        assert voted.text.startswith(f"已记录您对 P2 的投票：{choice}。"), (said, voted.text)
        to_sender_alone(voted)
    agreed = await town.wang.says("赞成", in_group=True, addressed=True)  # only P1 takes it
    assert agreed.text.startswith("已记录您对 P1 的投票：赞成。"), agreed.text
    to_sender_alone(agreed)
    await group_sees_nothing_new(town)
    assert "赞成 1，反对 0，弃权 0" in await town.li.says("投票情况 P1")
    assert "B.西门 3" in await town.li.says("投票情况 P2")

    privately = await town.zhao.says("投3")  # the same in a private chat
    assert privately.text.startswith("已记录您对 P2 的投票：C.地库。"), privately.text
    assert "已投 1/" in await town.li.says("投票情况 P1"), "P1 has wang's 赞成 only"


@WHERE
async def test_a_yes_no_poll_takes_only_yes_no_and_abstain(
    model_town: Town, in_group: bool
) -> None:
    """With only the yes/no poll open, “投2” was counted as its 反对: now it is said
    what the poll takes, and nothing is counted."""
    town = model_town
    await town.li.says("开启投票 要不要修车棚 单独表决", in_group=True)
    answer = await town.zhang.says("投2", in_group=in_group, addressed=True)
    assert answer.text.startswith("没看懂您的选择。P1 的选项是：赞成、反对、弃权。"), answer.text
    to_sender_alone(answer)
    assert "已投 0/" in await town.li.says("投票情况 P1")
    if in_group:
        maybe = await town.zhang.says("B", in_group=True, addressed=True)  # a vote, perhaps
        assert maybe.text.startswith("没太明白您的意思。如果是投票"), maybe.text
        to_sender_alone(maybe)
    against = await town.zhang.says("我反对", in_group=in_group, addressed=True)
    assert against.text.startswith("已记录您对 P1 的投票：反对。"), against.text
    to_sender_alone(against)


async def test_two_open_polls_that_both_take_the_words_are_asked_about(
    model_town: Town,
) -> None:
    """The poll opened in the group was taken for “投2” silently, the other one never
    asked about: wherever a poll was opened, its card is shown in the group too."""
    town = model_town
    assert "【表决 P1】" in await town.li.says(SHEDS, in_group=True)
    assert "【表决 P2】" in await town.li.says(CHARGERS)
    await town.group.new()
    for said, in_group in (("投2", True), ("投2", False), ("A", True)):
        asked = await town.zhang.says(said, in_group=in_group, addressed=True)
        assert asked.text.startswith("现在有几个投票在进行：P1、P2。这句话还没有算作投票。"), (
            said,
            asked.text,
        )
        assert asked.labels == ["P1 车棚建在哪里", "P2 充电桩装在哪里"]
        to_sender_alone(asked)
    await group_sees_nothing_new(town)
    west = await town.zhang.says("西门", in_group=True, addressed=True)  # only P2 has it
    assert west.text.startswith("已记录您对 P2 的投票：B.西门。"), west.text
    assert "已投 0/" in await town.li.says("投票情况 P1")

    assert "【表决 P3】" in await town.li.says("开启投票 要不要修车棚 单独表决", in_group=True)
    assert "【表决 P4】" in await town.li.says("开启投票 要不要签养犬公约 单独表决")
    both = await town.liu.says("赞成", in_group=True, addressed=True)
    assert both.text.startswith("现在有几个投票在进行：P3、P4。"), both.text
    to_sender_alone(both)
    assert "已投 0/" in await town.li.says("投票情况 P3")


@WHERE
async def test_a_poll_ended_lately_matters_only_when_no_open_poll_takes_the_words(
    model_town: Town, in_group: bool
) -> None:
    """P1 (北门/南门) closed an hour ago without their votes: “投1” and “东门” were asked
    about (“P1 已经结束了 … 您是要对 P2 投票吗？”) though the open P2 takes them."""
    town = model_town
    await town.li.says(SHEDS + " 匿名")
    assert (await town.li.says("结束投票 P1")).text.startswith("【表决结果 P1】")
    await town.later(hours=1)
    await town.li.says(CHARGERS)

    for who, said, choice in (("zhang", "投1", "A.东门"), ("liu", "东门", "A.东门")):
        voted = await town.person(who).says(said, in_group=in_group, addressed=True)
        assert voted.text.startswith(f"已记录您对 P2 的投票：{choice}。"), (said, voted.text)
        to_sender_alone(voted)
    assert "A.东门 2，B.西门 0" in await town.li.says("投票情况 P2")


async def test_words_only_a_poll_ended_lately_takes_are_asked_about(model_town: Town) -> None:
    """Nothing open takes “投2” (P2 is a yes/no poll): it may be late for P1, so it is
    asked — never counted as P2's 反对 — and P2 is offered without naming an option."""
    town = model_town
    await town.li.says(SHEDS)
    await town.li.says("结束投票 P1")
    await town.li.says("开启投票 要不要签养犬公约 单独表决 匿名")
    for in_group in (False, True):
        late = await town.zhang.says("投2", in_group=in_group, addressed=True)
        assert late.text == (
            "P1 已经结束了，不能再投。您是要对 P2“要不要签养犬公约”投票吗？这句话还没有算作投票，"
            "请点 P2 表决消息下的按钮，或回复“投票 P2”加您的选择。"
        ), late.text
        assert late.labels == [] and all(r.ballot for r in late)
        to_sender_alone(late)
    assert "已投 0/" in await town.li.says("投票情况 P2")


async def test_the_participant_roll_is_the_askers_alone_whatever_its_arguments(
    town: Town,
) -> None:
    await town.li.says("开启投票 是否同意加装电梯", in_group=True)
    await town.zhang.says("赞成")
    await town.liu.says("反对")
    await town.group.new()

    roll = await town.li.says("参与名单 P1", in_group=True, addressed=True)
    assert "张阿姨" in roll and "刘大爷" in roll, roll.text
    to_sender_alone(roll)
    for said in ("参与名单", "参与名单 P1 谢谢", "参与名单 第一个"):
        usage = await town.li.says(said, in_group=True, addressed=True)
        assert "参与名单 P3" in usage, (said, usage.text)
        to_sender_alone(usage)
    refused = await town.zhang.says("参与名单 P1", in_group=True, addressed=True)
    assert "社区工作者" in refused and "刘大爷" not in refused
    to_sender_alone(refused)
    await group_sees_nothing_new(town)

    privately = await town.li.says("参与名单 P1")
    assert "张阿姨" in privately and "刘大爷" in privately

    await town.li.says("开启投票 是否同意养犬公约 匿名", in_group=True)
    await town.zhang.says("投票 P2 赞成")
    secret = await town.li.says("参与名单 P2", in_group=True, addressed=True)
    assert secret.text == "P2 是匿名投票，只公布参与人数，不提供参与名单。"
    to_sender_alone(secret)


@WHERE
async def test_an_anonymous_poll_nobody_voted_in_shows_participation_only(
    town: Town, in_group: bool
) -> None:
    """Closed with no vote it read “赞成：0 票（0.0%）” for each option, to the group and
    in 投票结果; now as an anonymous poll below the minimum does: who took part, no more."""
    await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名", in_group=in_group)
    await town.group.new()

    def participation_only(text: str) -> None:
        assert "参与 0 人，不足 5 人，为保护匿名不公布各选项票数" in text, text
        assert "结论：无人投票，未形成决定" in text, text
        assert "0 票" not in text and "赞成：" not in text and "反对：" not in text, text

    closed = await town.li.says("结束投票 P1", in_group=in_group)
    participation_only(closed.text)
    pushed = [r.text for r in await town.group.new() if "【表决结果 P1】" in r.text]
    if not in_group:
        assert pushed, "the group hears the result"
    for text in pushed:
        participation_only(text)
    for asked in ("投票结果 P1", "投票情况 P1"):
        participation_only((await town.zhang.says(asked)).text)
