"""Intent handlers: one module per intent, thin, no SQL."""

from __future__ import annotations

from bot.intents import Intent
from handlers.base import Handler
from handlers.bind import BindHandler, IssueBindCodeHandler, WelcomeHandler
from handlers.help import HelpHandler
from handlers.pending import PendingIntentHandler
from handlers.report import ReportHandler


def default_handlers() -> list[Handler]:
    """The handlers ``yishi run`` serves, in registration order."""
    pending = [i for i in Intent if i not in (Intent.HELP, Intent.REPORT_ISSUE, Intent.OTHER)]
    return [
        HelpHandler(),
        ReportHandler(),
        WelcomeHandler(),
        BindHandler(),
        IssueBindCodeHandler(),
        PendingIntentHandler(pending),
    ]
