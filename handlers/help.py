"""帮助 / 菜单: what the bot can do, for the roles the sender holds."""

from __future__ import annotations

from collections.abc import Sequence

from consultation.roles import Role
from kernel.commands import Command, staff_help
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Button, Reply
from kernel.texts import t

#: The staff help's sections, in order (each command names its own).
SECTIONS = ("工作台", "诉求", "绑定", "议题", "议事日", "通知", "投票", "代办", "落实", "教我听懂")


class HelpHandler(Handler):
    """Answers /help, 帮助, 菜单 and the ``help`` intent."""

    intents = (Intent.HELP,)
    grammar = (
        Command(
            "帮助",
            "handle",
            aliases=("/help", "/start", "菜单", "help", "?", "？", "功能"),
            listed=False,
        ),
    )
    #: Every handler's commands, set by the wiring: the staff sections list them.
    commands: Sequence[Command] = ()

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        user = ctx.user
        parts = [t("help.header", community=ctx.community.name), t("help.guest")]
        if user.has(Role.RESIDENT):
            parts.append(t("help.resident"))
        elif not user.has(Role.MODERATOR, Role.GRID_WORKER, Role.COMMITTEE):
            parts.append(t("help.unverified"))
        for role, key in (
            (Role.MODERATOR, "help.moderator"),
            (Role.GRID_WORKER, "help.grid_worker"),
            (Role.COMMITTEE, "help.committee"),
        ):
            if user.has(role):
                parts.append(t(key))
                if role is not Role.COMMITTEE:
                    parts.extend(staff_help(list(self.commands), role, SECTIONS))
        buttons = (
            Button("反映问题", "我要反映问题"),
            Button("我的诉求", "我的诉求"),
            Button("议事日安排", "这个月议事日是哪天"),
        )
        return [Reply("\n".join(parts), buttons=buttons)]
