"""帮助 for staff: one line per section, generated from the commands each handler declares."""

from __future__ import annotations

from consultation.roles import Role
from kernel.commands import Command, staff_help, word
from tests.kit import Town


async def test_a_command_named_as_its_section_is_not_said_twice(town: Town) -> None:
    """The moderator's help read “工作台：工作台”."""
    shown = await town.li.says("帮助")
    lines = shown.text.split("\n")
    assert "工作台" in lines and "工作台：工作台" not in shown, shown.text
    assert any(line.startswith("投票：开启投票 ") for line in lines), shown.text


def test_the_section_heads_its_own_command_and_others_follow() -> None:
    staff = frozenset({Role.MODERATOR})
    commands = [
        Command("工作台", "link", roles=staff, section="工作台"),
        Command("工作台 退出", "out", roles=staff, section="工作台"),
        Command("结束投票", "close", (word("poll", "P3"),), roles=staff, section="投票"),
    ]
    assert staff_help(commands, Role.MODERATOR, ("工作台", "投票")) == [
        "工作台｜工作台 退出",
        "投票：结束投票 P3",
    ]
    assert staff_help(commands[:1], Role.MODERATOR, ("工作台",)) == ["工作台"]
