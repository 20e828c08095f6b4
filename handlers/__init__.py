"""Intent handlers: one module per intent, thin, no SQL."""

from __future__ import annotations

from bot.intents import Intent
from handlers.base import Handler
from handlers.help import HelpHandler
from handlers.pending import PendingIntentHandler
from handlers.report import ReportHandler
from handlers.schedule import ScheduleHandler


def default_handlers() -> list[Handler]:
    """The handlers ``yishi run`` serves, in registration order."""
    pending = [i for i in Intent if i not in (Intent.HELP, Intent.REPORT_ISSUE, Intent.OTHER)]
    return [HelpHandler(), ReportHandler(), ScheduleHandler(), PendingIntentHandler(pending)]
