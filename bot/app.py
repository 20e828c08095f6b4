"""Explicit wiring: settings → engine → router → adapters → one aiohttp server.

:class:`Yishi` owns every long-lived part and their start/stop order, so tests,
the CLI and the benchmark all build the very same thing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from aiohttp import web
from sqlalchemy import text

from bot.adapters.base import Adapter
from bot.adapters.outbound import HttpClient
from bot.ballot_secret import load_ballot_keys
from bot.config import NluSettings, Settings
from bot.housekeeping import HousekeepingSource
from bot.http import add_security_headers, api_errors, json_reply
from bot.media import MediaStore
from bot.metrics import (
    CONTENT_TYPE,
    CountedSender,
    CountingUnitOfWorkFactory,
    Watch,
    observe_message,
)
from bot.outage import storage_outage
from bot.public import PublicPages
from bot.push import PushService
from bot.router import HandlerRegistry, Router
from bot.scheduler import SchedulerService
from consultation.audiences import AudienceResolver
from consultation.binding import LIMITS as BIND_LIMITS
from consultation.digests import (
    ConsultationFiguresQuery,
    GridDigestSource,
    MonthlyReportSource,
    OpenTasksQuery,
    TicketFiguresQuery,
)
from consultation.figures import ConsultationQueries, TicketQueries
from consultation.meetings import HALL_CODE_LIMITS, MeetingEvents
from consultation.polls import PollEvents
from consultation.schedule import TimedEventSource
from consultation.ticket_timers import TicketTimers
from consultation.tickets import unbound_limits
from consultation.timetable import Timetable, parse_clock
from consultation.topics import TopicThresholds
from handlers import default_handlers
from handlers.bind import IssueBindQrHandler
from handlers.console_link import ConsoleLinkHandler
from handlers.schedule import ScheduleHandler
from kernel.context import Community
from kernel.handler import Handler
from kernel.intents import IntentClassifier, KeywordClassifier
from nlu.faq import load_faq
from notices.dispatch import Dispatcher
from notices.table import dispatch_table
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.types import utcnow
from storage.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("yishi.app")

YISHI_KEY = web.AppKey("yishi", object)

#: The background loops :meth:`Yishi.start` runs unless told otherwise: the push
#: sender and the scheduler (which also runs the nightly housekeeping). The test
#: suite empties this, so a loop runs only in a test about it (``pytest.mark.loops``).
LOOPS: frozenset[str] = frozenset({"push", "scheduler"})


def load_default_classifier(settings: NluSettings | None = None) -> IntentClassifier:
    """The community's model (``[nlu] model_path``, written by ``yishi nlu train``) when
    it exists, else the shipped Chinese model, else the keyword stand-in; with the
    configured community words."""
    config = settings or NluSettings()
    path = Path(config.model_path)
    try:
        nlu = importlib.import_module("nlu")
        model_path = path if path.is_file() else None
        return cast(IntentClassifier, nlu.load_classifier(model_path, words=config.words()))
    except (ImportError, AttributeError):
        return KeywordClassifier()
    except FileNotFoundError:
        log.warning("no trained NLU model found; using the keyword classifier")
        return KeywordClassifier()


def default_timed_sources(
    settings: Settings,
    *,
    open_tasks: OpenTasksQuery | None = None,
    ticket_figures: TicketFiguresQuery | None = None,
    consultation_figures: ConsultationFiguresQuery | None = None,
) -> list[TimedEventSource]:
    """The timed events ``yishi run`` serves: each domain's source, plus digest and report.

    The digest and the report read other domains through query ports; each is
    scheduled once its data has a provider.
    """
    config = settings.scheduler
    sources: list[TimedEventSource] = []
    if config.digest_enabled and open_tasks is not None:
        sources.append(
            GridDigestSource(open_tasks, settings.zone, at=parse_clock(config.digest_time))
        )
    if config.report_enabled and (ticket_figures or consultation_figures):
        sources.append(
            MonthlyReportSource(
                settings.zone,
                tickets=ticket_figures,
                consultation=consultation_figures,
                day=config.report_day,
                at=parse_clock(config.report_time),
            )
        )
    if config.housekeeping_enabled:
        sources.append(
            HousekeepingSource(
                settings.zone,
                keep=timedelta(days=settings.storage.message_log_days),
                labels_keep=timedelta(days=settings.nlu.labels_keep_days),
                at=parse_clock(config.housekeeping_time),
                limits={
                    **BIND_LIMITS,
                    **HALL_CODE_LIMITS,
                    **unbound_limits(settings.tickets.catalogue()),
                },
            )
        )
    return sources


class Yishi:
    """The running bot: storage, router, push service and adapters."""

    def __init__(
        self,
        settings: Settings,
        *,
        classifier: IntentClassifier | None = None,
        handlers: Sequence[Handler] | None = None,
        clock: Callable[[], datetime] = utcnow,
        timed_sources: Sequence[TimedEventSource] | None = None,
        loops: Collection[str] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        #: Which of :data:`LOOPS` :meth:`start` runs.
        self.loops = frozenset(LOOPS if loops is None else loops)
        self.engine = create_engine(settings.storage.url, **settings.storage.engine_options())
        self.uow: UnitOfWorkFactory = CountingUnitOfWorkFactory(session_factory(self.engine))
        self.community = Community(
            name=settings.community.name,
            zone=settings.zone,
            conversation_ttl=timedelta(minutes=settings.bot.conversation_ttl_minutes),
            ballots=load_ballot_keys(settings.polls),
            anonymous_min_votes=settings.polls.anonymous_min_votes,
            duty_phone=settings.community.duty_phone,
        )
        self.push = PushService(self.uow, {}, settings.push, clock=clock)
        self.tickets = settings.tickets.catalogue()
        self.ticket_timers = TicketTimers(self.tickets, settings.zone)
        rules = settings.consultation.rules()
        #: What follows from each domain event (pushes), run as each unit of work commits.
        self.uow.publisher = Dispatcher(
            dispatch_table(self.tickets, rules, settings.zone, settings.community.name),
            AudienceResolver(rules),
            clock,
        )
        ticket_queries = TicketQueries(self.tickets, settings.zone)
        #: Every domain's timed behaviour (meetings, polls, tickets, digest, report).
        self.timed_sources: list[TimedEventSource] = (
            list(timed_sources)
            if timed_sources is not None
            else [
                MeetingEvents(rules, settings.zone),
                PollEvents(self.community.ballots, self.community.anonymous_min_votes),
                TopicThresholds(rules),
                self.ticket_timers,
                *default_timed_sources(
                    settings,
                    open_tasks=ticket_queries,
                    ticket_figures=ticket_queries,
                    consultation_figures=ConsultationQueries(),
                ),
            ]
        )
        self.timetable = Timetable(
            self.timed_sources,
            late_tolerance=timedelta(minutes=settings.scheduler.late_tolerance_minutes),
        )
        self.scheduler = SchedulerService(
            self.uow,
            self.timetable,
            settings.scheduler,
            zone=settings.zone,
            clock=clock,
            on_fired=self.push.wake,
        )
        link = ConsoleLinkHandler(
            settings.web.base_url, timedelta(minutes=settings.web.console_link_minutes)
        )
        chosen = list(
            handlers
            if handlers is not None
            else default_handlers(
                self.tickets, rules, link, load_faq(settings.community.faq_path or None)
            )
        )
        for handler in chosen:
            if isinstance(handler, ScheduleHandler):
                handler.timetable = self.timetable
        self.router = Router(
            self.uow,
            classifier or load_default_classifier(settings.nlu),
            HandlerRegistry(chosen),
            self.community,
            max_text_chars=settings.bot.max_text_chars,
            clock=clock,
            on_commit=self.committed,
            on_handled=observe_message,
        )
        self.adapters: list[Adapter] = []
        #: One client session for every platform API call (pooled, with timeouts).
        self.http = HttpClient()
        #: Other things serving HTTP on the one app (the public 居务公开 pages).
        self.pages: list[Any] = [PublicPages(self.uow, self.community, self.clock)]
        #: Residents' photos, kept with their tickets (served at /media/<name>).
        self.media = MediaStore.from_settings(settings.media, settings.web.base_url)
        self.pages.append(self.media)
        #: Metrics and the facts /healthz reports.
        self.watch = Watch(self.uow, clock, lambda: self.scheduler.leader)
        self._started = False

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters.append(adapter)
        self.push.register(adapter.platform, CountedSender(adapter.platform, adapter.sender))

    def committed(self, *, pushed: bool = True) -> None:
        """After a transaction that changed something: deliver its pushes (if it queued
        any) and re-read the schedule soon. A read-only message (帮助) costs neither."""
        if pushed:
            self.push.wake()
        self.scheduler.refresh()

    async def prepare_database(self) -> None:
        """Create or upgrade the schema; an empty or older database is brought to head."""
        await upgrade(self.engine)

    async def start(self) -> None:
        if "push" in self.loops:
            await self.push.start()
        for adapter in self.adapters:
            await adapter.start()
        if "scheduler" in self.loops and self.settings.scheduler.enabled:
            await self.scheduler.start()
        self._started = True

    async def stop(self) -> None:
        """Scheduler and adapters first (nothing new comes in), then pushes, then the database."""
        await self.scheduler.stop()
        for adapter in reversed(self.adapters):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter stop failed", extra={"platform": adapter.platform})
        await self.router.settle_later()  # what handlers left for after their commit
        await self.push.stop()
        await self.http.close()
        self.uow.close()
        await self.engine.dispose()
        self._started = False

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Database reachability, push backlog, scheduler role and each adapter's state.

        Cheap enough to probe every second: ``SELECT 1``, plus the backlog and the
        lease read at most every few seconds (see :class:`bot.metrics.Watch`)."""
        body: dict[str, Any] = {"status": "ok", "community": self.settings.community.name}
        try:
            # Through a unit of work, as every other use of the database while serving:
            # on SQLite a second connection taking the write lock could stall the loop.
            async with self.uow() as uow:
                await asyncio.wait_for(uow.session.execute(text("SELECT 1")), 2)
            body["database"] = "ok"
            reading = await self.watch.read()
        except Exception as exc:
            body["database"] = f"error: {type(exc).__name__}"
            body["status"] = "degraded"
        else:
            body["push_backlog"] = reading.backlog
            body["scheduler"] = {"role": self._scheduler_role(), "leader": reading.leader}
        body["adapters"] = {a.platform: a.health() for a in self.adapters}
        return body["status"] == "ok", body

    def _scheduler_role(self) -> str:
        """leader (this process fires the schedule), standby (ready to take over) or off."""
        if not (self._started and "scheduler" in self.loops and self.settings.scheduler.enabled):
            return "off"
        return "leader" if self.scheduler.leader else "standby"


async def _healthz(request: web.Request) -> web.Response:
    yishi = request.app[YISHI_KEY]
    assert isinstance(yishi, Yishi)
    ok, body = await yishi.health()
    return json_reply(body, status=200 if ok else 503)


async def _metrics(request: web.Request) -> web.Response:
    yishi = request.app[YISHI_KEY]
    assert isinstance(yishi, Yishi)
    body = await yishi.watch.exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def build_web_app(yishi: Yishi) -> web.Application:
    """The one aiohttp application: health, then every adapter's routes."""
    app = web.Application(client_max_size=yishi.settings.web.max_body_bytes)
    app.middlewares.append(api_errors)  # /api/: every refusal {"error": <Chinese>}
    app.middlewares.append(storage_outage)  # a database outage: 503, JSON or a Chinese page
    app[YISHI_KEY] = yishi
    app.on_response_prepare.append(add_security_headers)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    for adapter in yishi.adapters:
        adapter.add_routes(app)
    for page in yishi.pages:
        page.add_routes(app)
    _workbench(yishi).add_routes(app)

    async def _lifecycle(_app: web.Application) -> Any:
        await yishi.start()
        yield
        await yishi.stop()

    app.cleanup_ctx.append(_lifecycle)
    return app


def _workbench(yishi: Yishi) -> Any:
    """工作台 (/console/): the same services, timetable and clock as the chat."""
    from console import Workbench

    web_settings = yishi.settings.web
    return Workbench(
        yishi.uow,
        yishi.community,
        yishi.tickets,
        yishi.settings.consultation.rules(),
        yishi.timetable,
        yishi.clock,
        session_ttl=timedelta(hours=web_settings.console_session_hours),
        secure_cookie=web_settings.base_url.startswith("https://"),
        on_commit=yishi.committed,
    )


def build_yishi(settings: Settings, **kwargs: Any) -> Yishi:
    """A :class:`Yishi` with every adapter the settings enable."""
    from bot.adapters.port import CopySeal, PlatformStore
    from bot.adapters.web import WebChatAdapter, web_groups

    yishi = Yishi(settings, **kwargs)
    ballots = yishi.community.ballots
    # The adapters' one way to storage; a slow callback's kept copy (maybe a typed
    # anonymous vote) is sealed under the ballot secret.
    seal = CopySeal(ballots.key_for("platform_callbacks")) if ballots is not None else None
    store = PlatformStore(yishi.uow, seal=seal)
    if settings.web.enabled:
        yishi.add_adapter(
            WebChatAdapter(
                yishi.router,
                store,
                personas=settings.web.demo_personas,
                trusted_proxies=settings.web.trusted_proxies,
                allowed_origins=settings.web.allowed_origins,
                media=yishi.media,
                groups=web_groups(settings.consultation.announce_chats),
                site=settings.web.base_url,
            )
        )

    if settings.wechat.enabled:
        from bot.adapters.wechat import WechatAdapter

        wechat = WechatAdapter(
            yishi.router,
            store,
            settings.wechat,
            yishi.http,
            media=yishi.media,
            base_url=settings.web.base_url,
        )
        yishi.add_adapter(wechat)
        registry = yishi.router.registry
        for handler in registry.handlers:
            if isinstance(handler, IssueBindQrHandler):
                handler.qrcodes = wechat.api  # 生成绑定二维码 makes its QR codes here
    if settings.telegram.enabled:
        from bot.adapters.telegram import TelegramAdapter

        yishi.add_adapter(
            TelegramAdapter(yishi.router, store, settings.telegram, media=yishi.media)
        )
    if settings.wecom.enabled:
        from bot.adapters.wecom import WecomAdapter

        yishi.add_adapter(WecomAdapter(yishi.router, store, settings.wecom, yishi.http))
    return yishi
