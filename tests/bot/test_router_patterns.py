"""Commands and phrases in the router: declared once, parsed with their arguments."""

from __future__ import annotations

from collections.abc import Sequence

from bot.router import HandlerRegistry
from kernel.commands import Command, Parsed, meeting, ref, rest, ticket, word
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import Reply


class _Echo(Handler):
    grammar = (
        Command("签到", "handle", (meeting(optional=True),)),
        Command("审核", "handle", (ref("T", "topic"), rest("verdict", "通过"))),
        Command("接单", "handle", (ticket(),)),
        Command("绑定", "handle", (word("code", "483920", pattern=r"\d{6}"),)),
        Command("绑定二维码", "handle", (rest("who", "张阿姨", optional=False),)),
    )
    phrases = (r"(?:我(?:想|要)?)?提(?:一?个)?议题.*",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        return [Reply(ctx.text)]


def _parsed(registry: HandlerRegistry, text: str) -> Parsed:
    found = registry.command_for(text)
    assert isinstance(found, tuple), (text, found)
    return found[1]


def test_a_command_is_its_verb_and_its_arguments_parsed() -> None:
    registry = HandlerRegistry([_Echo()])
    assert _parsed(registry, "签到").values == {"code": None}
    assert _parsed(registry, "签到 m202612").values == {"code": "M202612"}
    assert _parsed(registry, "审核 T12 通过").values == {"topic": 12, "verdict": "通过"}
    assert _parsed(registry, "审核T3\n多行理由").values == {"topic": 3, "verdict": "多行理由"}
    assert _parsed(registry, "接单 r20261122-7").values == {"number": "R20261122-0007"}


def test_the_longest_verb_wins_and_free_text_is_not_a_command() -> None:
    registry = HandlerRegistry([_Echo()])
    assert _parsed(registry, "绑定二维码 张阿姨").command.verb == "绑定二维码"
    assert _parsed(registry, "绑定 483920").values == {"code": "483920"}
    assert registry.command_for("签到了吗大家") is None, "the verb with other words is not it"
    assert registry.command_for("我想审核 T12") is None
    assert registry.command_for("随便说说") is None


def test_a_verb_without_its_arguments_is_answered_with_the_usage() -> None:
    registry = HandlerRegistry([_Echo()])
    missing = registry.command_for("接单")
    assert isinstance(missing, Command) and missing.usage == "接单 R20261122-0007"


def test_phrases_match_the_whole_message() -> None:
    handler = _Echo()
    registry = HandlerRegistry([handler])
    assert registry.phrase_for("我想提个议题：停车难") is handler
    assert registry.phrase_for("关于议题的事") is None
