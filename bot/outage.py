"""A database outage answered cleanly on every HTTP path.

While the database is down, stopped, dropped or silent past its timeouts, any route
may fail the same way. Instead of aiohttp's text/plain "500 Server got itself in
trouble" and a traceback per request, the API answers 503 with a JSON body whose
``error`` is the Chinese sentence the web chat shows the resident, and a browser page
a short Chinese page; both carry ``Retry-After``. WeChat and Telegram treat a 503 as
"not delivered" and call again later. Bugs stay 500s with their traceback.
"""

from __future__ import annotations

import html
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.http import json_reply
from kernel.texts import t
from storage.faults import is_outage

log = logging.getLogger("yishi.outage")

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = "30"


def unavailable_response(request: web.Request) -> web.Response:
    """503: JSON for the API and webhooks, a Chinese page for a browser's GET."""
    sentence = t("router.unavailable")
    wants_page = (
        request.method == "GET"
        and not request.path.startswith("/api/")
        and "text/html" in request.headers.get("Accept", "")
    )
    if wants_page:
        response = web.Response(
            text=f"<!doctype html><meta charset=utf-8><title>议事通</title>"
            f"<p>{html.escape(sentence)}</p>",
            status=503,
            content_type="text/html",
        )
    else:
        response = json_reply({"error": sentence, "reason": "database_unavailable"}, status=503)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


@web.middleware
async def storage_outage(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a database outage on any route into :func:`unavailable_response`."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if not is_outage(exc):
            raise
        log.warning(
            "database unavailable",
            extra={"path": request.path, "error": type(exc).__name__},
        )
        return unavailable_response(request)
