"""生成绑定码 for someone already bound: the moderator is told, the person's accounts hear
of the new one the moment it binds, and a staff member's code is issued in the 工作台 only."""

from __future__ import annotations

import re

from tests.kit import Town


def _code(text: str) -> str:
    found = re.search(r"\d{8}", text)
    assert found, text
    return found.group(0)


async def test_a_code_for_someone_bound_is_flagged_and_their_account_is_told(
    town: Town,
) -> None:
    """李书记's 生成绑定码 张阿姨 said nothing of her account, and a stranger's 绑定 with
    the digits ("我换手机了") bound silently: her own chat got nothing."""
    await town.zhang.says("你好")  # she uses the bot already
    issued = await town.li.says("生成绑定码 张阿姨")
    assert re.search(r"张阿姨已经在用议事通（\d个账号）", issued.text), issued.text
    assert "旧账号会收到提醒" in issued
    await town.zhang.receives()
    stranger = town.person("stranger")
    bound = await stranger.says(f"绑定 {_code(issued.text)}")
    assert "绑定成功！您好，张阿姨" in bound, bound.text
    [told] = await town.zhang.receives()
    assert told.text.startswith(
        "您的身份刚在另一个账号上绑定了。不是您本人操作的话，请马上联系社区"
    )
    assert await stranger.receives() == [], "the new account is not warned about itself"


async def test_a_staff_members_code_is_not_issued_in_chat(town: Town) -> None:
    """李书记's 生成绑定码 王网格员 gave the eight digits that open his tasks, votes and
    工作台 to whoever sends them."""
    for who, role in (("王网格员", "网格员"), ("孙科长", "职能部门"), ("李书记", "社区工作者")):
        refused = await town.li.says(f"生成绑定码 {who}")
        assert refused.text.startswith(f"{who}是{role}，工作人员的绑定码不在聊天里生成"), (
            refused.text
        )
        assert "工作台" in refused and not re.search(r"\d{8}", refused.text)
