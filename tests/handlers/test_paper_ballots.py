"""录入纸质票: a moderator enters a resident's paper ballot. What it can't count is said
about that resident, never as if the moderator were the voter."""

from __future__ import annotations

from bot.app import Yishi
from tests.kit import say


async def test_a_paper_ballot_that_cannot_count_names_the_voter(yishi: Yishi) -> None:
    """The walk: `录入纸质票 P1 小陈 反对` told 李书记 “投票需要先完成居民身份认证，可以找
    社区工作者办理” — to the 社区工作者 himself, about himself. It names 小陈 and says
    how to put it right."""
    await say(yishi, "开启投票 是否同意加装电梯 单独表决", sender="li")
    [unverified] = await say(yishi, "录入纸质票 P1 小陈 反对", sender="li")
    assert unverified.text.startswith("小陈还没有完成居民身份认证"), unverified.text
    assert "认证 小陈" in unverified.text and "您" not in unverified.text, unverified.text
    [counted] = await say(yishi, "录入纸质票 P1 刘大爷 反对", sender="li")
    assert "已录入 刘大爷 的纸质票" in counted.text, counted.text
