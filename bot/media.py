"""The media store: photos residents send, kept with their ticket for the ticket's life.

WeChat's media ids expire after three days and a Telegram file id opens nothing outside
the Bot API, so a photo is downloaded when it arrives and kept here (a local directory,
``[media] dir``). Only JPEG, PNG and WebP are kept (checked by their first bytes, not by
what the sender claims) and none larger than ``[media] max_bytes``. A kept photo is
reached at ``{public_url}/media/<name>``: the name is 128 random bits, so the link is
what lets the grid worker and the moderator open it, and nothing lists the directory.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path

from aiohttp import web

#: What a kept file may be, by its first bytes: the suffix and the Content-Type served.
KINDS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png|webp)")


class MediaRefused(Exception):
    """A file not kept: ``reason`` is ``too_big``, ``not_image`` or ``unavailable``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str | None:
    """The image kind of ``data`` by its magic bytes (None: not one we keep)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


class MediaStore:
    """Photos on the local disk, each under a random name, served at ``/media/<name>``."""

    def __init__(self, directory: Path, max_bytes: int, public_url: str) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.public_url = public_url.rstrip("/")

    def check(self, data: bytes) -> str:
        """The kind of an image we keep, or :class:`MediaRefused`."""
        if len(data) > self.max_bytes:
            raise MediaRefused("too_big")
        kind = sniff(data)
        if kind is None:
            raise MediaRefused("not_image")
        return kind

    async def save(self, data: bytes) -> str:
        """Keep ``data`` (checked first); the link to it."""
        kind = self.check(data)
        name = f"{secrets.token_hex(16)}.{kind}"
        await asyncio.to_thread(self._write, name, data)
        return f"{self.public_url}/media/{name}"

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.directory / name)  # whole or not at all

    def path_of(self, link: str) -> Path | None:
        """The file behind one of this store's links (None: not one of ours)."""
        name = link.rsplit("/media/", 1)[-1]
        if not _NAME.fullmatch(name):
            return None
        path = self.directory / name
        return path if path.is_file() else None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/media/{name}", self._serve)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = self.path_of(f"/media/{name}")
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(
            path,
            headers={
                "Content-Type": KINDS[name.rsplit(".", 1)[1]],
                "Cache-Control": "private, max-age=86400",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'",
            },
        )
