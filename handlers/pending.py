"""Intents whose services are still being built: an honest reply, so routing works end to end."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t


class PendingIntentHandler(Handler):
    """Says plainly that the feature is on its way; replaced intent by intent."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self.intents = tuple(intents)

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        intent = ctx.nlu.intent if ctx.nlu is not None else Intent.OTHER
        return [Reply(t(f"pending.{intent.value}"))]
