"""Pattern commands in the router: a whole message matching a handler's regex reaches it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.router import HandlerRegistry
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import Reply


class _Echo(Handler):
    commands = ("签到",)
    patterns = (r"审核\s*T\d+.*",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        return [Reply(ctx.text)]


def test_exact_commands_first_then_patterns_on_the_whole_message() -> None:
    handler = _Echo()
    registry = HandlerRegistry([handler])
    assert registry.command_for("签到") is handler
    assert registry.command_for("审核 T12 通过") is handler
    assert registry.command_for("审核T3\n多行理由") is handler
    assert registry.command_for("我想审核 T12") is None, "patterns match the whole message"
    assert registry.command_for("随便说说") is None
