"""Intent labels and the classifier port the router depends on.

The labels are a public contract (DESIGN.md): ``yishi nlu`` prints them and the
router dispatches on them. Any classifier — the keyword stand-in below or the
trained model in :mod:`nlu` — implements :class:`IntentClassifier`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Intent(StrEnum):
    """The ten intent labels of the contract."""

    REPORT_ISSUE = "report_issue"
    QUERY_STATUS = "query_status"
    PROPOSE_TOPIC = "propose_topic"
    SECOND_TOPIC = "second_topic"
    JOIN_MEETING = "join_meeting"
    MEETING_INFO = "meeting_info"
    VOTE = "vote"
    FEEDBACK = "feedback"
    HELP = "help"
    OTHER = "other"


INTENT_LABELS: tuple[str, ...] = tuple(i.value for i in Intent)


@dataclass(frozen=True, slots=True)
class NluResult:
    """What a classifier says about one message.

    ``alternatives`` holds the ranked (label, score) pairs, best first, so the
    router can ask "did you mean A or B?" when ``confidence`` is low.
    """

    text: str
    intent: Intent
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[tuple[Intent, float], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The ``yishi nlu`` line for this result."""
        return {
            "text": self.text,
            "intent": self.intent.value,
            "confidence": round(self.confidence, 4),
            "slots": self.slots,
        }


class IntentClassifier(Protocol):
    """Port: text in, intent with confidence and slots out. Must be pure and fast.

    ``slots=False`` asks for the intent alone: the router routes on it, and handlers
    parse what they need from the text themselves (:mod:`nlu.slots`).
    """

    def classify(self, text: str, *, slots: bool = True) -> NluResult: ...


_KEYWORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    (Intent.HELP, ("帮助", "菜单", "help", "怎么用", "能做什么")),
    (Intent.SECOND_TOPIC, ("附议", "支持这个议题")),
    (Intent.PROPOSE_TOPIC, ("议题", "提议", "建议讨论")),
    (Intent.VOTE, ("投票", "赞成", "反对", "弃权", "投")),
    (Intent.JOIN_MEETING, ("报名", "参加", "我要去")),
    (Intent.MEETING_INFO, ("议事日", "开会", "会议", "几点")),
    (Intent.FEEDBACK, ("满意", "评价", "不满意")),
    (Intent.QUERY_STATUS, ("进度", "怎么样了", "有人管吗", "我的诉求", "查询")),
    (Intent.REPORT_ISSUE, ("坏了", "漏水", "堵", "投诉", "反映", "噪音", "垃圾", "不亮")),
)


_TICKET_NUMBER = re.compile(r"(?<![a-z0-9])r\s?20\d{6}\s?-\s?\d{1,4}(?![0-9])", re.IGNORECASE)


class KeywordClassifier:
    """A keyword stand-in used until (or when) no trained model is available."""

    def classify(self, text: str, *, slots: bool = True) -> NluResult:
        lowered = text.strip().lower()
        for intent, words in _KEYWORDS:
            if any(w in lowered for w in words):
                return NluResult(text=text, intent=intent, confidence=0.6)
        if _TICKET_NUMBER.search(lowered):  # a bare ticket number asks how it stands
            return NluResult(text=text, intent=Intent.QUERY_STATUS, confidence=0.6)
        return NluResult(text=text, intent=Intent.OTHER, confidence=0.3)
