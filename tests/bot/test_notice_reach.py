"""Proof of notice on 居务公开: "已通知 n/m 户" is the outbox's deliveries, counted by household.

The meeting's notices go through the real outbox and push service: some delivered, one
still waiting for its retry, one undeliverable; the page's figure must equal what the
outbox says was delivered to the eligible households' own accounts — on SQLite and
PostgreSQL. The figure counts, it never names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.app import build_web_app
from bot.config import PushSettings
from bot.demo import DEMO_PEOPLE
from bot.push import PermanentPushError, PushService
from kernel.messages import Reply
from storage.models import Push
from storage.people import PeopleRepository
from tests.kit import GROUP, Town

#: The demo's households that may take part: verified and living here (张阿姨, 刘大爷,
#: 陈委员, and both grid workers, who have a flat in the register). 小陈 is unverified;
#: 李书记 and 孙科长 work here and have no home in the register.
ELIGIBLE = {"zhang", "liu", "wang", "zhao", "chen"}
#: 24 hours before M202612 (Sat 5 Dec 09:30 Shanghai): the reminder to those signed up.
REMINDER = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
#: The keys of the notices about M202612 (consultation.events: each push's key begins
#: with its event's): announcements, the reminder, a move, a cancellation, invitations.
ABOUT_M202612 = tuple(
    f"meeting.{kind}:M202612:" for kind in ("announce", "remind", "moved", "cancelled", "invite")
)


class Platform:
    """The web chat as the push service sees it: some people's chats refuse for good,
    some are unreachable for now (the push waits for its retry), the rest arrive."""

    def __init__(self, refused: set[str], unreachable: set[str]) -> None:
        self.refused, self.unreachable = refused, unreachable
        self.arrived: list[str] = []

    async def send(self, chat_id: str, reply: Reply) -> None:
        if chat_id in self.refused:
            raise PermanentPushError("the user blocked the account")
        if chat_id in self.unreachable:
            raise ConnectionError("platform unreachable")
        self.arrived.append(chat_id)


async def _deliver(town: Town, platform: Platform) -> None:
    """The real outbox: claimed, sent, settled with its delivery records."""
    service = PushService(
        town.bot.uow, {"web": platform}, PushSettings(retry_base_seconds=3600), clock=town.clock
    )
    await service.drain()


async def _outbox(town: Town, prefixes: tuple[str, ...]) -> dict[str, list[Push]]:
    """Every chat's pushes whose cause is one of ``prefixes``, as the outbox holds them."""
    found: dict[str, list[Push]] = {}
    async with town.bot.uow() as uow:
        for chat in [*DEMO_PEOPLE, GROUP]:
            for push in await uow.pushes.for_chat("web", chat, 500):
                if (push.dedupe_key or "").startswith(prefixes):
                    found.setdefault(chat, []).append(push)
    return found


def _delivered_households(outbox: dict[str, list[Push]]) -> set[str]:
    """The eligible households with at least one of these pushes sent (here each
    person is a household of their own: the demo's register gives no 户号)."""
    return {
        who
        for who, pushes in outbox.items()
        if who in ELIGIBLE and any(p.status == "sent" for p in pushes)
    }


async def _page(town: Town, path: str) -> str:
    server = TestServer(build_web_app(town.bot), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with ClientSession() as http, http.get(str(server.make_url(path))) as response:
            assert response.status == 200
            return await response.text()
    finally:
        await server.close()


def _figure(html: str, words: str) -> tuple[int, int]:
    found = re.search(rf"{words} (\d+)/(\d+) 户", html)
    assert found, f"no “{words} n/m 户” on the page"
    return int(found.group(1)), int(found.group(2))


async def test_the_notice_figure_is_the_outboxs_deliveries(town_on_both: Town) -> None:
    town = town_on_both
    await town.li.says("创建议事日")
    await town.scheduler_runs()  # the scheduler leads from now on (and plans the notices)
    for person in ("zhang", "liu", "wang", "chen", "li"):
        signed = await person_signs_up(town, person)
        assert "报名成功" in signed, signed
    fired = await town.at(REMINDER)
    assert any(k.startswith("meeting.remind:M202612") for k in fired), fired
    before = _figure(await _page(town, "/public/meetings/M202612"), "已通知")
    assert before == (0, 5), "queued is not notified"

    # 刘大爷 blocked the account (failed); 王网格员's chat is unreachable (pending, retried
    # in an hour); the others' notices arrive — among them 李书记's, who is no household.
    platform = Platform(refused={"liu"}, unreachable={"wang"})
    await _deliver(town, platform)
    outbox = await _outbox(town, ABOUT_M202612)
    statuses = {who: {p.status for p in pushes} for who, pushes in outbox.items()}
    assert statuses["liu"] == {"failed"} and statuses["wang"] == {"pending"}
    assert statuses["zhang"] == {"sent"} and statuses["li"] == {"sent"}
    assert statuses[GROUP] == {"sent"}
    reached = _delivered_households(outbox)
    assert reached == {"zhang", "chen"}

    html = await _page(town, "/public/meetings/M202612")
    assert _figure(html, "已通知") == (len(reached), len(ELIGIBLE)) == (2, 5)
    assert "另已在 1 个居民群发布" in html and "待发、失败的不计" in html
    for name in ("张阿姨", "刘大爷", "王网格员"):
        assert name not in html, "counts only: nobody reached or missed is named"

    # 王网格员's retry goes through: the figure follows the outbox.
    platform.unreachable.clear()
    town.clock.advance(hours=2)
    await _deliver(town, platform)
    assert _delivered_households(await _outbox(town, ABOUT_M202612)) == {"zhang", "chen", "wang"}
    assert _figure(await _page(town, "/public/meetings/M202612"), "已通知") == (3, 5)


async def test_a_decisions_page_says_how_many_households_its_result_reached(
    town_on_both: Town,
) -> None:
    town = town_on_both
    await town.li.says("创建议事日")
    opened = await town.li.says("开启投票 是否同意更换路灯 M202612", in_group=True)
    assert "P1" in opened
    for person in ("zhang", "liu", "chen"):
        await town.person(person).says("赞成")
    closed = await town.li.says("结束投票 P1", in_group=True)
    assert "通过" in closed
    await _deliver(town, Platform(refused={"liu"}, unreachable={"zhao"}))
    outbox = await _outbox(town, ("poll.close:P1:",))
    assert {p.status for p in outbox["zhao"]} == {"pending"}
    reached = _delivered_households(outbox)
    assert reached == {"zhang", "wang", "chen"}
    html = await _page(town, "/public/decisions/D1")
    assert _figure(html, "结果已送达") == (len(reached), len(ELIGIBLE))


async def person_signs_up(town: Town, who: str) -> str:
    return (await town.person(who).says("报名")).text


async def test_a_household_counts_once_whichever_members_were_reached(
    town_on_both: Town,
) -> None:
    """张阿姨 and 刘大爷 share a 户号: both reminders arrive, one household is reached."""
    town = town_on_both
    async with town.bot.uow() as uow:
        for name in ("张阿姨", "刘大爷"):
            [person] = await uow.get(PeopleRepository).by_name(name)
            person.household = "3-2-301"
            uow.session.add(person)
    await town.li.says("创建议事日")
    await town.scheduler_runs()
    for person in ("zhang", "liu", "chen"):
        assert "报名成功" in await person_signs_up(town, person)
    await town.at(REMINDER)
    await _deliver(town, Platform(refused=set(), unreachable={"chen"}))
    outbox = await _outbox(town, ABOUT_M202612)
    assert {p.status for p in outbox["zhang"] + outbox["liu"]} == {"sent"}
    assert {p.status for p in outbox["chen"]} == {"pending"}
    html = await _page(town, "/public/meetings/M202612")
    assert _figure(html, "已通知") == (1, 4), "one household of four: 3-2-301, 王, 赵, 陈"
