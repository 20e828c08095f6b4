"""Serving ``yishi run`` / ``yishi demo``: migrate, start, wait for a signal, shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app import Yishi, build_web_app
from bot.demo import seed_consultation_demo, seed_demo

log = logging.getLogger("yishi.serve")

SHUTDOWN_GRACE_SECONDS = 10.0


async def serve(yishi: Yishi, *, demo: bool = False, ready: asyncio.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests get a grace period to finish."""
    await yishi.prepare_database()
    if demo and await seed_demo(yishi.uow):
        log.info("demo community seeded")
        code = await seed_consultation_demo(
            yishi.uow, yishi.settings.consultation.rules(), yishi.community.zone, yishi.clock()
        )
        log.info("demo consultation day seeded", extra={"meeting": code})
    settings = yishi.settings
    app = build_web_app(yishi)
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_GRACE_SECONDS, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web.host, settings.web.port)
    await site.start()
    url = f"http://{settings.web.host}:{settings.web.port}/"
    log.info("serving", extra={"url": url, "database": yishi.engine.url.render_as_string()})
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
        log.info("stopped")
