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


async def test_anonymous_participants_only_after_close(yishi: Yishi) -> None:
    await say(yishi, "开启投票 是否同意养犬公约 匿名", sender="li", chat="group:main", group=True)
    await say(yishi, "赞成", sender="zhang")
    [early] = await say(yishi, "参与名单 P1", sender="li")
    assert "结束后公布" in early.text and "张阿姨" not in early.text
    await say(yishi, "结束投票 P1", sender="li")
    [after] = await say(yishi, "参与名单 P1", sender="li")
    assert "张阿姨" in after.text and "赞成" not in after.text
    [missing] = await say(yishi, "参与名单 P9", sender="li")
    assert "P9" in missing.text
