"""满意 / 不满意 said outside any conversation: a decision evaluation (D…) or a ticket rating.

Inside a conversation the asking handler's flow takes the answer first; this
only decides where a bare rating goes when nothing was asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from consultation.ids import find_ref
from consultation.roles import ROLE_NAMES_ZH, allowed
from handlers.outcomes import EvaluateHandler
from handlers.tickets import TicketRatingHandler
from kernel.context import Context
from kernel.handler import Handler
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import t


class FeedbackHandler(Handler):
    """Routes ``feedback``: a named decision (D3) is evaluated, else the ticket is rated."""

    intents = (Intent.FEEDBACK,)
    #: A rating of one's ticket, or an evaluation of a decision, is the sender's own:
    #: typed in the group ("满意"), it is answered in their own chat.
    answers_privately = True

    def __init__(self, tickets: TicketRatingHandler, evaluations: EvaluateHandler) -> None:
        self.tickets = tickets
        self.evaluations = evaluations

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        if find_ref(ctx.text, "D") is None:
            return await self.tickets.handle(ctx)
        required = self.evaluations.required_roles
        if not allowed(ctx.user.roles, required):
            needed = "、".join(ROLE_NAMES_ZH[r] for r in sorted(required or ()))
            return [Reply(t("router.not_allowed", roles=needed))]
        return await self.evaluations.handle(ctx)
