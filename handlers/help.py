"""帮助 / 菜单: what the bot can do, for the roles the sender holds."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.commands import Command
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from notices.help import help_reply


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
        return [help_reply(ctx.community.name, ctx.user, self.commands)]
