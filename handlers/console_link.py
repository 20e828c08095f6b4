"""工作台: a moderator, grid worker or department contact gets a one-time workbench link.

Only in private chat (a link in a group could be opened by anyone in it); residents
get a plain answer instead. The link is valid minutes and opens one session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from consultation.roles import Role
from consultation.workbench import LINK_TTL, AccessError, issue_link
from kernel.commands import Command, Parsed
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import ChatType, Reply
from kernel.texts import t

STAFF = frozenset({Role.MODERATOR, Role.GRID_WORKER, Role.DEPARTMENT})


class ConsoleLinkHandler(Handler):
    """``工作台`` → ``{public_url}/console/login?token=…`` in private chat."""

    #: Anyone may ask (a resident is told the workbench is for staff); the help lists it
    #: for the staff who can use it.
    grammar = (
        Command(
            "工作台",
            "handle",
            aliases=("/console",),
            roles=STAFF,
            section="工作台",
        ),
    )

    async def run(self, ctx: Context, parsed: Parsed) -> Sequence[Reply]:
        return await self.handle(ctx)

    def __init__(self, public_url: str = "http://127.0.0.1:8080", ttl: timedelta = LINK_TTL):
        self.public_url = public_url.rstrip("/")
        self.ttl = ttl

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        resident = ctx.user.resident
        if ctx.message.chat_type is not ChatType.PRIVATE:
            return [Reply(t("console.in_group"))]
        try:
            token = await issue_link(
                ctx.uow, resident.id if resident is not None else None, ctx.now, self.ttl
            )
        except AccessError:
            return [Reply(t("console.not_staff"))]
        url = f"{self.public_url}/console/login?token={token}"
        minutes = int(self.ttl.total_seconds() // 60)
        return [Reply(t("console.link", url=url, minutes=minutes), secret=True)]
