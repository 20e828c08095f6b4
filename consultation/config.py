"""The consultation day's community rules, as plain data (built from ``[consultation]``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from consultation.meeting_rule import MeetingRule
from consultation.screening import DEFAULT_CATALOGUE, DEFAULT_DISCUSS, DEFAULT_NOT_DISCUSS


@dataclass(frozen=True, slots=True)
class ConsultationRules:
    """Thresholds, the meeting rule, the 7+X committee and the screening lists."""

    cosign_threshold: int = 10
    cosign_per_household: bool = False
    meeting: MeetingRule = field(default_factory=MeetingRule)
    place: str = "社区党群服务中心议事厅"
    capacity: int = 60
    committee_members: tuple[str, ...] = ()
    catalogue: tuple[str, ...] = DEFAULT_CATALOGUE
    discuss: tuple[str, ...] = DEFAULT_DISCUSS
    not_discuss: tuple[str, ...] = DEFAULT_NOT_DISCUSS
    announce_chats: tuple[str, ...] = ("web:group:main",)
    default_quorum_pct: int = 50
    announce_before_hours: tuple[int, ...] = (168, 24, 2)
    remind_before_hours: int = 24
    #: Tickets become topics: this many tickets of one category in one building within
    #: ``recurring_window_days`` (or one ticket reopened ``recurring_reopen_count``
    #: times) are offered to the moderators as a topic; 0 turns each check off.
    recurring_ticket_count: int = 3
    recurring_window_days: int = 90
    recurring_reopen_count: int = 2
    extra: dict[str, str] = field(default_factory=dict)

    def group_chats(self) -> list[tuple[str, str]]:
        """``web:group:main`` → (``web``, ``group:main``)."""
        out = []
        for entry in self.announce_chats:
            platform, _, chat = entry.partition(":")
            if platform and chat:
                out.append((platform, chat))
        return out
