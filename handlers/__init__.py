"""Intent handlers: one module per intent, thin, no SQL."""

from __future__ import annotations

from bot.intents import Intent
from consultation.config import ConsultationRules
from handlers.base import Handler
from handlers.help import HelpHandler
from handlers.meetings import JoinMeetingHandler, MeetingAdminHandler, MeetingInfoHandler
from handlers.outcomes import EvaluateHandler, OutcomeAdminHandler
from handlers.pending import PendingIntentHandler
from handlers.report import ReportHandler
from handlers.topics import ProposeTopicHandler, SecondTopicHandler, TopicModerationHandler
from handlers.votes import PollAdminHandler, PollStatusHandler, VoteHandler

CONSULTATION_INTENTS = (
    Intent.PROPOSE_TOPIC,
    Intent.SECOND_TOPIC,
    Intent.JOIN_MEETING,
    Intent.MEETING_INFO,
    Intent.VOTE,
    Intent.FEEDBACK,
)


def consultation_handlers(rules: ConsultationRules) -> list[Handler]:
    """The consultation day: topics, meetings, votes, outcomes (moderator commands first)."""
    return [
        TopicModerationHandler(rules),
        MeetingAdminHandler(rules),
        PollAdminHandler(rules),
        OutcomeAdminHandler(rules),
        PollStatusHandler(),
        ProposeTopicHandler(rules),
        SecondTopicHandler(rules),
        MeetingInfoHandler(rules),
        JoinMeetingHandler(rules),
        VoteHandler(),
        EvaluateHandler(),
    ]


def default_handlers(rules: ConsultationRules | None = None) -> list[Handler]:
    """The handlers ``yishi run`` serves, in registration order."""
    done = (Intent.HELP, Intent.REPORT_ISSUE, Intent.OTHER, *CONSULTATION_INTENTS)
    pending = [i for i in Intent if i not in done]
    return [
        HelpHandler(),
        ReportHandler(),
        *consultation_handlers(rules or ConsultationRules()),
        PendingIntentHandler(pending),
    ]
