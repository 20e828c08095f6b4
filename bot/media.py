"""The media store: photos residents send, kept with their ticket for the ticket's life.

WeChat's media ids expire after three days and a Telegram file id opens nothing outside
the Bot API, so a photo is downloaded when it arrives and kept here: in a local directory
(``[media] dir``, the default) or, in production, in an S3-compatible bucket
(``[media] backend = "s3"``, through boto3). Only JPEG, PNG and WebP are kept (checked by
their first bytes, not by what the sender claims) and none larger than
``[media] max_bytes``. A kept photo is reached at ``{public_url}/media/<name>`` whichever
backend holds it: the name is 128 random bits, so the link is what lets the grid worker
and the moderator open it, nothing lists the store, and the bucket itself stays private.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from bot.config import MediaSettings

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


class Blobs(Protocol):
    """Where the bytes of kept photos live; names are already checked against ``_NAME``."""

    async def put(self, name: str, data: bytes, content_type: str) -> None: ...

    async def get(self, name: str) -> bytes | None: ...


class LocalBlobs:
    """A directory on this machine (one process, or several sharing a disk)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def put(self, name: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, name, data)

    def _write(self, name: str, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, self.directory / name)  # whole or not at all

    async def get(self, name: str) -> bytes | None:
        path = self.directory / name
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None


class S3Blobs:
    """A private bucket of an S3-compatible service (AWS, MinIO, 阿里云 OSS, 腾讯云 COS).

    boto3 is synchronous, so each call runs in a worker thread; its client is
    thread-safe. Credentials come from the config or, left empty, from boto3's usual
    chain (environment, instance role); they are never logged.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: MediaSettings) -> S3Blobs:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None,
            config=Config(
                connect_timeout=5,
                read_timeout=20,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": settings.s3_addressing_style},
            ),
        )
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    async def put(self, name: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, name, data, content_type)

    def _put(self, name: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:  # one PUT is atomic in S3: the object is there whole or not at all
            self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + name, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"S3 put failed: {type(error).__name__}") from error

    async def get(self, name: str) -> bytes | None:
        return await asyncio.to_thread(self._get, name)

    def _get(self, name: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
            body: bytes = found["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None
        except (BotoCoreError, ClientError) as error:
            raise OSError(f"S3 get failed: {type(error).__name__}") from error
        return body


class MediaStore:
    """Checks photos, keeps them in ``blobs`` under random names, serves ``/media/<name>``."""

    def __init__(self, blobs: Blobs, max_bytes: int, public_url: str) -> None:
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.public_url = public_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: MediaSettings, public_url: str) -> MediaStore:
        blobs: Blobs
        if settings.backend == "s3":
            blobs = S3Blobs.from_settings(settings)
        else:
            blobs = LocalBlobs(Path(settings.dir))
        return cls(blobs, settings.max_bytes, public_url)

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
        try:
            await self.blobs.put(name, data, KINDS[kind])
        except OSError as error:  # a full disk, an unreachable bucket (botocore's too)
            raise MediaRefused("unavailable") from error
        return f"{self.public_url}/media/{name}"

    async def read(self, link: str) -> bytes | None:
        """The bytes behind one of this store's links (None: not one of ours, or gone)."""
        name = link.rsplit("/media/", 1)[-1]
        if not _NAME.fullmatch(name):
            return None
        return await self.blobs.get(name)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/media/{name}", self._serve)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        try:
            data = await self.read(f"/media/{name}")
        except OSError:
            raise web.HTTPServiceUnavailable() from None
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=data,
            headers={
                "Content-Type": KINDS[name.rsplit(".", 1)[1]],
                "Cache-Control": "private, max-age=86400",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'",
            },
        )
