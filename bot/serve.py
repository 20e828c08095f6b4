"""Serving ``yishi run`` / ``yishi demo``: migrate, start, wait for a signal, shut down cleanly."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket

from aiohttp import web

from bot.app import Yishi, build_web_app
from bot.demo import seed_demo_community
from bot.logs import AccessLog, access_logger

log = logging.getLogger("yishi.serve")

SHUTDOWN_GRACE_SECONDS = 10.0


#: Young objects allocated (net) before the cyclic collector runs; Python's default is 700.
GC_YOUNG_THRESHOLD = 20_000


def tune_garbage_collector() -> tuple[int, int, int]:
    """Collect less often, and never walk what start-up built.

    The tables' metadata, the handlers, the NLU weights and jieba's dictionary are
    ~150k objects that live as long as the process; Python's full collections
    walked every one of them (measured under load: up to 120 ms each, a stall for
    every message in flight). ``gc.freeze()`` moves them to a generation that is
    never collected. Messages make almost no reference cycles (refcounting frees
    their objects), yet with 200 in flight a young collection walks thousands of
    live objects every 700 allocations; at 20,000 most are gone by then. Measured
    over 6,400 messages at 200 senders: time in the collector 0.95 s → 0.05 s,
    longest pause 120 ms → 19 ms. Returns the thresholds it replaced.
    """
    gc.collect()
    gc.freeze()
    previous = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, previous[1], previous[2])
    return previous


async def serve(
    yishi: Yishi,
    *,
    demo: bool = False,
    ready: asyncio.Event | None = None,
    sock: socket.socket | None = None,
    banner: bool = True,
) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests get a grace period to finish.

    ``sock``: a listening socket to accept on instead of binding ``[web]``'s address
    (a worker of ``--workers N``, see bot/workers.py; its parent prints the banner).
    """
    await yishi.prepare_database()
    if demo:
        code = await seed_demo_community(
            yishi.uow, yishi.settings.consultation.rules(), yishi.community.zone, yishi.clock()
        )
        if code is not None:
            log.info("demo community seeded", extra={"meeting": code})
    settings = yishi.settings
    app = build_web_app(yishi)
    runner = web.AppRunner(
        app,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
        access_log_class=AccessLog,
        access_log=access_logger() if settings.log.access else None,
    )
    await runner.setup()
    site: web.BaseSite = (
        web.TCPSite(runner, settings.web.host, settings.web.port)
        if sock is None
        else web.SockSite(runner, sock)
    )
    await site.start()
    url = f"http://{settings.web.host}:{settings.web.port}/"
    log.info("serving", extra={"url": url, "database": yishi.engine.url.render_as_string()})
    gc_before = tune_garbage_collector()
    if banner:
        print(f"议事通已启动：{url}  （Ctrl+C 停止）", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await runner.cleanup()
        gc.set_threshold(*gc_before)
        gc.unfreeze()
        log.info("stopped")
