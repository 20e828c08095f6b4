"""The chat-transcript kit: a test reads as who says what where, what the bot answers,
and what is pushed to whom — on a real database, on a clock the test moves.

    async def test_the_grid_worker_gets_the_task(town: Town) -> None:
        draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
        assert "请确认" in draft
        filed = await town.zhang.taps("确认提交", draft)
        [task] = await town.wang.receives()
        assert filed.ticket in task.text and task.labels == ["接单", "处理中", …]

``town`` is the demo community (张阿姨 ``zhang``, 刘大爷 ``liu``, 小陈 ``xiaochen`` unverified,
李书记 ``li`` moderator, 王网格员 ``wang`` and 赵网格员 ``zhao`` grid workers, 陈委员 ``chen``
committee, 孙科长 ``sun`` department) in the web chat; ``town.group`` is the residents'
group chat. Everything goes through the router as a real message would (commands, the
classifier, conversations, the unit of work and its events); pushes are read from the
outbox the push service would send from. Fixtures: ``town`` (SQLite file) and
``town_on_both`` (SQLite and PostgreSQL), both with the keyword classifier; ``model_town``
understands with the trained Chinese model, as the demo does (for free sentences such as
"T3这个议题我不太赞同").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.app import Yishi
from kernel.messages import ChatType, Inbound, Location, Reply
from storage.tickets import Ticket, TicketRepository
from storage.types import utcnow

GROUP = "group:main"
TICKET_NUMBER = re.compile(r"R\d{8}-\d{4}")


def message(
    text: str,
    sender: str = "zhang",
    *,
    chat: str | None = None,
    mid: str | None = None,
    group: bool = False,
    addressed: bool | None = None,
    platform: str = "web",
    sent_at: datetime | None = None,
    **fields: Any,
) -> Inbound:
    """One message as an adapter hands it to the router (private unless ``group``)."""
    return Inbound(
        platform=platform,
        chat_id=chat or (GROUP if group else sender),
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        sender_id=sender,
        message_id=mid or uuid.uuid4().hex,
        text=text,
        sent_at=sent_at or utcnow(),
        addressed=(not group) if addressed is None else addressed,
        **fields,
    )


async def say(bot: Yishi, text: str, sender: str = "zhang", **kw: Any) -> list[Reply]:
    """``sender`` says ``text`` (see :func:`message`); the bot's replies."""
    return await bot.router.handle(message(text, sender, **kw))


async def said(bot: Yishi, text: str, sender: str = "zhang", **kw: Any) -> str:
    """The same as :func:`say`, the replies' texts as one string."""
    return "\n".join(r.text for r in await say(bot, text, sender, **kw))


async def pushes(bot: Yishi, who: str, platform: str = "web") -> list[Reply]:
    """Everything the outbox holds for ``who``'s private chat, oldest first."""
    async with bot.uow() as uow:
        rows = await uow.pushes.for_chat(platform, who, 500)
    return [Reply.from_json(p.payload) for p in rows]


@dataclass
class Answer:
    """What the bot said back to one message (possibly several replies, possibly none)."""

    replies: list[Reply]

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for r in self.replies for b in r.buttons]

    @property
    def ticket(self) -> str:
        """The ticket number the answer names (fails the test when there is none)."""
        found = TICKET_NUMBER.search(self.text)
        assert found, f"no ticket number in: {self.text!r}"
        return found.group(0)

    @property
    def private(self) -> bool:
        """Said to the sender alone (Reply.private): a message typed in the group is
        answered in the sender's own chat, and the group is shown neither."""
        return bool(self.replies) and all(r.private for r in self.replies)

    def button(self, label: str) -> str:
        """The data a tap on ``label`` sends."""
        for reply in self.replies:
            for b in reply.buttons:
                if b.label == label:
                    return b.data
        raise AssertionError(f"no button {label!r} in {self.labels}")

    def __contains__(self, needle: str) -> bool:
        return needle in self.text

    def __bool__(self) -> bool:
        return bool(self.replies)

    def __iter__(self) -> Iterator[Reply]:
        return iter(self.replies)

    def __len__(self) -> int:
        return len(self.replies)


@dataclass
class Inbox:
    """A chat's pushes in the outbox, read once each by :meth:`new`."""

    bot: Yishi
    platform: str
    chat_id: str
    seen: int = 0

    async def all(self) -> list[Reply]:
        async with self.bot.uow() as uow:
            rows = await uow.pushes.for_chat(self.platform, self.chat_id, 500)
        return [Reply.from_json(p.payload) for p in rows]

    async def new(self) -> list[Reply]:
        everything = await self.all()
        fresh, self.seen = everything[self.seen :], len(everything)
        return fresh


@dataclass
class Speaker:
    """One person of the community, in their private chat with the bot (web chat)."""

    town: Town
    key: str
    platform: str = "web"
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.town.bot, self.platform, self.key)

    async def says(
        self,
        text: str,
        *,
        in_group: bool = False,
        addressed: bool | None = None,
        mid: str | None = None,
        image: str | None = None,
        location: Location | None = None,
    ) -> Answer:
        """Send ``text`` privately (or in the group); the bot's answer."""
        message = Inbound(
            platform=self.platform,
            chat_id=GROUP if in_group else self.key,
            chat_type=ChatType.GROUP if in_group else ChatType.PRIVATE,
            sender_id=self.key,
            message_id=mid or uuid.uuid4().hex,
            text=text,
            sent_at=self.town.clock(),
            image_url=image,
            location=location,
            addressed=(not in_group) if addressed is None else addressed,
        )
        return Answer(await self.town.bot.router.handle(message))

    async def taps(self, label: str, on: Answer | Reply, *, in_group: bool = False) -> Answer:
        """Press the button ``label`` of a reply or push (it sends the button's data)."""
        answer = on if isinstance(on, Answer) else Answer([on])
        return await self.says(answer.button(label), in_group=in_group)

    async def receives(self) -> list[Reply]:
        """Pushes to this person's private chat since the last look."""
        return await self.inbox.new()


class ClockLike(Protocol):
    """What the kit needs of the test clock (tests/conftest.py ``Clock``)."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> datetime: ...


class Town:
    """The demo community under test, wired as ``yishi run`` wires it."""

    def __init__(self, bot: Yishi, clock: ClockLike) -> None:
        self.bot = bot
        self.clock = clock
        self._people: dict[str, Speaker] = {}
        self.group = Inbox(bot, "web", GROUP)

    def __getattr__(self, key: str) -> Speaker:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.person(key)

    def person(self, key: str, platform: str = "web") -> Speaker:
        found = self._people.get(f"{platform}:{key}")
        if found is None:
            found = self._people[f"{platform}:{key}"] = Speaker(self, key, platform)
        return found

    async def later(self, **delta: float) -> list[str]:
        """Move the clock on and let the scheduler fire what fell due (its event keys)."""
        self.clock.advance(**delta)
        return await self.scheduler_runs()

    async def at(self, when: datetime) -> list[str]:
        """Set the clock and let the scheduler fire what fell due."""
        self.clock.now = when
        return await self.scheduler_runs()

    async def scheduler_runs(self) -> list[str]:
        await self.bot.scheduler.tick()
        return list(await self.bot.scheduler.run_due())

    async def tickets_of(self, who: str, platform: str = "web") -> list[Ticket]:
        """The tickets ``who`` filed from their own chat, by number."""
        async with self.bot.uow() as uow:
            found = await uow.get(TicketRepository).of_reporter(platform, who, None)
        return sorted(found, key=lambda tk: tk.number)


async def accepted_topic(town: Town, title: str = "小区东门加装夜间照明，晚上回家太黑") -> str:
    """张阿姨 proposes a topic and 李书记 accepts it, so it collects co-signatures: its
    reference (T1 on a fresh town)."""
    await town.zhang.says(f"我想提个议题：{title}")
    filed = await town.zhang.says("确认提交")
    found = re.search(r"T\d+", filed.text)
    assert found, filed.text
    assert "已通过审核" in await town.li.says(f"审核 {found.group(0)} 通过")
    return found.group(0)


def texts(replies: Sequence[Reply]) -> list[str]:
    return [r.text for r in replies]
