"""What the scheduler's tests share: a fixed start, a stand-in meetings source, the
group's texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from consultation.schedule import TimedEvent
from consultation.timetable import parse_offset
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory

GROUPS = [("web", "group:main"), ("web", "group:east")]
START = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # Saturday 09:30 Shanghai


@dataclass
class MeetingsStandIn:
    """Meetings held in memory; announces each at the offsets to every group."""

    starts: dict[str, datetime] = field(default_factory=dict)
    offsets: tuple[str, ...] = ("7d", "1d", "2h")
    groups: list[tuple[str, str]] = field(default_factory=lambda: list(GROUPS))
    fired: list[tuple[str, bool]] = field(default_factory=list)
    fail_times: int = 0
    kinds: tuple[str, ...] = ("meeting.announce",)

    async def upcoming(
        self, uow: UnitOfWork, now: datetime, horizon: timedelta
    ) -> list[TimedEvent]:
        return [
            TimedEvent(
                key=f"meeting.announce:{ref}:{offset}",
                kind="meeting.announce",
                ref=ref,
                due_at=start - parse_offset(offset),
                stale_at=start,
                data={"offset": offset},
            )
            for ref, start in self.starts.items()
            for offset in self.offsets
        ]

    async def fire(self, uow: UnitOfWork, event: TimedEvent, now: datetime, late: bool) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("database hiccup")
        self.fired.append((event.key, late))
        text = f"{'【补发】' if late else ''}{event.ref} 议事会通知（提前{event.data['offset']}）"
        for platform, chat in self.groups:
            payload = {"text": text, "buttons": [], "mentions": [], "chat_id": None}
            await uow.pushes.enqueue(platform, chat, payload, f"{event.key}:{chat}", now=now)


async def group_texts(uow: UnitOfWorkFactory, chat: str = "group:main") -> list[str]:
    async with uow() as u:
        return [str(p.payload["text"]) for p in await u.pushes.for_chat("web", chat)]
