"""Small HTTP helpers shared by the adapters."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

_dumps = partial(json.dumps, ensure_ascii=False)


def json_reply(data: Any, status: int = 200) -> web.Response:
    """JSON with Chinese left readable."""
    return web.json_response(data, status=status, dumps=_dumps)


_ERRORS: dict[int, type[web.HTTPClientError]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    415: web.HTTPUnsupportedMediaType,
}


def json_error(status: int, message: str) -> web.HTTPException:
    """A clean 4xx with a JSON body, to ``raise``."""
    return _ERRORS[status](text=_dumps({"error": message}), content_type="application/json")
