"""Intent handlers: one module per intent, thin, no SQL."""

from __future__ import annotations

from bot.intents import Intent
from consultation.ticket_parsing import Catalogue
from handlers.base import Handler
from handlers.bind import BindHandler, IssueBindCodeHandler, WelcomeHandler
from handlers.help import HelpHandler
from handlers.pending import PendingIntentHandler
from handlers.report import ReportHandler
from handlers.tickets import (
    GridWorkerHandler,
    ModeratorTicketHandler,
    TicketRatingHandler,
    TicketStatusHandler,
)

_SERVED = (Intent.HELP, Intent.REPORT_ISSUE, Intent.QUERY_STATUS, Intent.FEEDBACK, Intent.OTHER)


def default_handlers(tickets: Catalogue | None = None) -> list[Handler]:
    """The handlers ``yishi run`` serves, in registration order."""
    pending = [i for i in Intent if i not in _SERVED]
    return [
        HelpHandler(),
        ReportHandler(tickets),
        TicketStatusHandler(tickets),
        TicketRatingHandler(tickets),
        GridWorkerHandler(tickets),
        ModeratorTicketHandler(tickets),
        WelcomeHandler(),
        BindHandler(),
        IssueBindCodeHandler(),
        PendingIntentHandler(pending),
    ]
