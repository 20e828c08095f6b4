"""工作台: a moderator, grid worker or department contact gets a one-time workbench link.

Only in private chat (a link in a group could be opened by anyone in it); residents
get a plain answer instead. The link is valid minutes and opens one session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from consultation.workbench import LINK_TTL, AccessError, issue_link
from kernel.context import Context
from kernel.handler import Handler
from kernel.messages import ChatType, Reply
from kernel.texts import t


class ConsoleLinkHandler(Handler):
    """``工作台`` → ``{public_url}/console/login?token=…`` in private chat."""

    commands = ("工作台", "/console")

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
        return [Reply(t("console.link", url=url, minutes=minutes))]
