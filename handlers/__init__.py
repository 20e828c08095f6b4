"""Intent handlers: one module per intent, thin, no SQL."""

from __future__ import annotations

from consultation.config import ConsultationRules
from consultation.ticket_parsing import Catalogue
from handlers.assisted import AssistAnswerHandler, AssistHandler
from handlers.bind import (
    BindHandler,
    IssueBindCodeHandler,
    IssueBindQrHandler,
    VerifyHandler,
    WelcomeHandler,
)
from handlers.chat import EverydayHandler
from handlers.console_link import ConsoleLinkHandler
from handlers.feedback import FeedbackHandler
from handlers.help import HelpHandler
from handlers.meetings import (
    JoinMeetingHandler,
    LeaveMeetingHandler,
    MeetingAdminHandler,
    MeetingInfoHandler,
)
from handlers.nlu_labels import NluLabelHandler
from handlers.notify import NotifyPreferenceHandler, UpdatesOffHandler, UpdatesOnHandler
from handlers.outcomes import EvaluateHandler, OutcomeAdminHandler
from handlers.report import ReportHandler
from handlers.schedule import ScheduleHandler
from handlers.tickets import (
    GridWorkerHandler,
    ModeratorTicketHandler,
    TicketRatingHandler,
    TicketStatusHandler,
)
from handlers.topics import (
    ProposeTopicHandler,
    SecondTopicHandler,
    TopicListHandler,
    TopicModerationHandler,
)
from handlers.votes import (
    OwnVoteHandler,
    PollAdminHandler,
    PollStatusHandler,
    VoteHandler,
)
from kernel.handler import Handler
from nlu.faq import Faq


def ticket_handlers(tickets: Catalogue | None) -> list[Handler]:
    """诉求: reporting, status, worker actions, moderator tools."""
    return [
        ReportHandler(tickets),
        TicketStatusHandler(tickets),
        GridWorkerHandler(tickets),
        ModeratorTicketHandler(tickets),
    ]


def consultation_handlers(rules: ConsultationRules) -> list[Handler]:
    """The consultation day: topics, meetings, votes, outcomes (moderator commands first)."""
    return [
        TopicModerationHandler(rules),
        MeetingAdminHandler(rules),
        PollAdminHandler(rules),
        OutcomeAdminHandler(rules),
        AssistHandler(rules),
        AssistAnswerHandler(rules),
        PollStatusHandler(),
        OwnVoteHandler(),
        ProposeTopicHandler(rules),
        TopicListHandler(rules),
        SecondTopicHandler(rules),
        MeetingInfoHandler(rules),
        JoinMeetingHandler(rules),
        LeaveMeetingHandler(rules),
        VoteHandler(),
    ]


def default_handlers(
    tickets: Catalogue | None = None,
    rules: ConsultationRules | None = None,
    console: ConsoleLinkHandler | None = None,
    faq: Faq | None = None,
) -> list[Handler]:
    """The handlers ``yishi run`` serves, in registration order."""
    rating, evaluation = TicketRatingHandler(tickets), EvaluateHandler()
    # Both answer "满意" inside their own conversations; outside one, FeedbackHandler picks.
    rating.intents = evaluation.intents = ()
    helper = HelpHandler()
    handlers = [
        helper,
        *ticket_handlers(tickets),
        *consultation_handlers(rules or ConsultationRules()),
        rating,
        evaluation,
        FeedbackHandler(rating, evaluation),
        WelcomeHandler(),
        BindHandler(),
        IssueBindQrHandler(),
        IssueBindCodeHandler(),
        VerifyHandler(),
        NotifyPreferenceHandler(),
        UpdatesOnHandler(tickets),
        UpdatesOffHandler(tickets),
        ScheduleHandler(),
        console or ConsoleLinkHandler(),
        NluLabelHandler(),
        EverydayHandler(faq),
    ]
    # 帮助's staff sections list what the router accepts: the same declarations.
    helper.commands = [command for handler in handlers for command in handler.grammar]
    return handlers
