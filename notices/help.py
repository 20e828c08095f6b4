"""帮助 / 菜单 as the sender reads it: what the bot can do for the roles they hold, with
each staff role's commands listed by section."""

from __future__ import annotations

from collections.abc import Sequence

from consultation.roles import Role
from kernel.commands import Command, staff_help
from kernel.context import User
from kernel.messages import Button, Reply
from kernel.texts import t

#: The staff help's sections, in order (each command names its own).
SECTIONS = ("工作台", "诉求", "绑定", "议题", "议事日", "通知", "投票", "代办", "落实", "教我听懂")
#: The staff roles' parts of the help, in order; the committee's has no commands.
_STAFF_PARTS = (
    (Role.MODERATOR, "help.moderator"),
    (Role.GRID_WORKER, "help.grid_worker"),
    (Role.COMMITTEE, "help.committee"),
    (Role.DEPARTMENT, "help.department"),
)


def help_reply(community: str, user: User, commands: Sequence[Command]) -> Reply:
    """The help for ``user``: what everyone can do, then each role's part (``commands``
    are every handler's declarations: the staff sections list the ones a role may use)."""
    parts = [t("help.header", community=community), t("help.guest")]
    if user.has(Role.RESIDENT):
        parts.append(t("help.resident"))
    elif not user.has(Role.MODERATOR, Role.GRID_WORKER, Role.COMMITTEE, Role.DEPARTMENT):
        parts.append(t("help.unverified"))
    for role, key in _STAFF_PARTS:
        if user.has(role):
            parts.append(t(key))
            if role is not Role.COMMITTEE:
                parts.extend(staff_help(list(commands), role, SECTIONS))
    buttons = (
        Button("反映问题", "我要反映问题"),
        Button("我的诉求", "我的诉求"),
        Button("议事日安排", "这个月议事日是哪天"),
    )
    return Reply("\n".join(parts), buttons=buttons)
