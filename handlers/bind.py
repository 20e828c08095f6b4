"""绑定: a platform account joins its resident record; 生成绑定码: a moderator issues the code.

Also the greeting a new WeChat follower gets (``/welcome``), which offers binding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.messages import Reply
from bot.texts import t
from consultation.binding import BindError, issue_code, redeem
from consultation.roles import Role
from handlers.base import Context, Handler
from storage.platforms import PlatformRepository

CODE = re.compile(r"(\d{6})")
RESIDENT_ID = re.compile(r"#\s*(\d+)")


class WelcomeHandler(Handler):
    """A new follower (WeChat subscribe) is greeted and offered binding."""

    commands = ("/welcome",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        return [Reply(t("bind.welcome", community=ctx.community.name))]


class BindHandler(Handler):
    """“绑定 483920” / “/bind 483920”."""

    commands = ("/bind",)
    command_prefixes = ("绑定",)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        found = CODE.search(ctx.text)
        if found is None:
            return [Reply(t("bind.ask_code"))]
        msg = ctx.message
        try:
            bound = await redeem(ctx.uow, found.group(1), msg.platform, msg.sender_id, ctx.now)
        except BindError as exc:
            return [Reply(t(f"bind.{exc.code}"))]
        key = "bind.already" if bound.already else "bind.done"
        return [Reply(t(key, name=bound.resident.name))]


class IssueBindCodeHandler(Handler):
    """“生成绑定码 张阿姨” or “生成绑定码 #12” (moderators)."""

    commands = ("/bindcode",)
    command_prefixes = ("生成绑定码",)
    required_roles = frozenset({Role.MODERATOR})

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        who = ctx.text.removeprefix("生成绑定码").removeprefix("/bindcode").strip()
        if not who:
            return [Reply(t("bind.issue_ask"))]
        by_id = RESIDENT_ID.fullmatch(who)
        if by_id:
            person = await ctx.uow.residents.get(int(by_id.group(1)))
            people = [person] if person is not None else []
        else:
            people = list(await ctx.uow.get(PlatformRepository).residents_named(who))
        if not people:
            return [Reply(t("bind.issue_not_found", who=who))]
        if len(people) > 1:
            ids = "、".join(f"#{p.id}" for p in people)
            return [Reply(t("bind.issue_ambiguous", count=len(people), who=who, ids=ids))]
        [person] = people
        assert person.id is not None
        code = await issue_code(ctx.uow, person.id, ctx.user.actor, ctx.now)
        return [Reply(t("bind.issued", name=person.name, code=code, hours=24))]
