"""A TCP proxy in front of PostgreSQL that a test can break for real.

``cut()`` closes the listening socket and every connection (a stopped server, a
reset network); ``silence()`` keeps every connection open and accepts new ones but
lets no byte through either way (a firewall that drops packets, a hung server);
``restore()`` forwards again. Nothing is mocked: the driver sees real sockets.
"""

from __future__ import annotations

import asyncio
import contextlib


class FaultyProxy:
    """Forwards 127.0.0.1:<port> to ``target`` until told to fail."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.silent = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.silent:
            return  # accepted, never answered
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self._flowing.wait()  # silent: hold the bytes, nothing passes or closes
                sink.write(data)
                await sink.drain()
        with contextlib.suppress(OSError):
            sink.close()

    def silence(self) -> None:
        self.silent = True
        self._flowing.clear()

    async def cut(self) -> None:
        """Stop listening and drop every connection, as a stopped server does."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._drop()

    async def _drop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for writer in list(self._writers):
            with contextlib.suppress(OSError, RuntimeError):
                writer.transport.abort()
        self._writers.clear()
        await asyncio.sleep(0)

    async def restore(self) -> None:
        """Forward again (on the same port); connections held while silent are dropped."""
        self.silent = False
        self._flowing.set()
        await self._drop()
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()
