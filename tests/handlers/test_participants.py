"""参与名单 (who voted) is for moderators: a visitor or a resident learns nothing from it."""

from __future__ import annotations

from bot.app import Yishi
from tests.kit import say


async def test_only_a_moderator_sees_who_voted(yishi: Yishi) -> None:
    await say(yishi, "开启投票 是否同意加装电梯", sender="li", chat="group:main", group=True)
    await say(yishi, "赞成", sender="zhang")
    await say(yishi, "反对", sender="liu")
    for who in ("visitor-42", "xiaochen", "zhang"):  # unbound, unverified, resident
        [refused] = await say(yishi, "参与名单 P1", sender=who)
        assert "社区工作者" in refused.text and "张阿姨" not in refused.text, who
    [named] = await say(yishi, "参与名单 P1", sender="li")
    assert "张阿姨" in named.text and "刘大爷" in named.text


async def test_an_anonymous_poll_has_no_participant_roll(yishi: Yishi) -> None:
    """参与名单 of an anonymous poll named its voters after close: beside a result of one
    vote (or a unanimous one) the names told who chose what. Its count is all there is,
    before close and after."""
    await say(yishi, "开启投票 是否同意养犬公约 匿名", sender="li", chat="group:main", group=True)
    await say(yishi, "赞成", sender="zhang")
    [early] = await say(yishi, "参与名单 P1", sender="li")
    assert early.text == "P1 是匿名投票，只公布参与人数，不提供参与名单。"
    await say(yishi, "结束投票 P1", sender="li")
    [after] = await say(yishi, "参与名单 P1", sender="li")
    assert after.text == "P1 是匿名投票，只公布参与人数，不提供参与名单。"
    [missing] = await say(yishi, "参与名单 P9", sender="li")
    assert "P9" in missing.text


async def test_a_refused_paper_ballot_in_an_anonymous_poll_says_no_more(yishi: Yishi) -> None:
    """录入纸质票 for someone who voted answered “刘大爷 已经投过 P1 了（线上或纸质）”
    while 参与名单 was refused until close. The moderator must know not to take the
    paper, so it still says it can't count — nothing about how or when the vote came in."""
    await say(yishi, "开启投票 是否同意养犬公约 匿名", sender="li", chat="group:main", group=True)
    await say(yishi, "赞成", sender="liu")
    [refused] = await say(yishi, "录入纸质票 P1 刘大爷 反对", sender="li")
    assert refused.text == "P1 已经计过刘大爷的票，这张纸质票不能再计，请收回作废。"
    [status] = await say(yishi, "投票情况 P1", sender="li")
    assert "已投 1/" in status.text, "the paper was not counted"
    # A named poll's roll is the moderators' at any time: its refusal may say more.
    await say(yishi, "开启投票 是否同意加装电梯", sender="li", chat="group:main", group=True)
    await say(yishi, "投票 P2 赞成", sender="liu")
    [named] = await say(yishi, "录入纸质票 P2 刘大爷 反对", sender="li")
    assert "刘大爷 已经投过 P2 了" in named.text
