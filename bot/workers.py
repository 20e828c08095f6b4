"""Several processes on one address: ``yishi run --workers N`` (PostgreSQL only).

The parent binds the port once and spawns N workers that inherit the listening
socket (gunicorn's model), rather than each process binding its own with
SO_REUSEPORT. The socket then exists once, in the parent, for as long as it runs:
a worker that stops (crash, restart, SIGHUP) takes no connection with it, since
the kernel queues new connections on the one socket and whichever worker is free
accepts them. With SO_REUSEPORT each process has an accept queue of its own, and
the connections waiting in a closing process's queue are reset; any process of
the same user could also join the port. Workers are spawned (a fresh
interpreter each) rather than forked: the parent then holds no event loop,
threads or database connections that a fork would copy half alive.

What must be one across processes is kept in the database: the scheduler's lease
elects one leader (storage/scheduler.py), pushes are claimed row by row
(storage/pushes.py), a message's effect is keyed by its delivery
(storage/inbound.py). What is per process is divided: each worker sends pushes at
1/N of each platform's rate limit, so that together they stay within it.

Signals to the parent: SIGTERM or SIGINT stops every worker (each finishes the
requests it has in flight, see bot/serve.py) and then the parent; SIGHUP restarts
the workers one at a time, each replacement serving before its predecessor is
told to stop. A worker that dies is logged and started again (after a pause
that grows while it keeps dying young). A worker whose parent dies stops itself:
it holds the read end of a pipe (the lifeline) whose write end only the parent has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import make_url

from bot.config import Settings
from storage.engine import async_url

log = logging.getLogger("yishi.workers")

#: How long a new worker may take to serve (it loads the NLU model, connects, migrates).
READY_SECONDS = 120.0
#: How long a stopping worker may take (its requests' grace period, then its own shutdown).
STOP_SECONDS = 40.0
#: A worker that dies sooner than this after it started is restarted after a pause.
YOUNG_SECONDS = 30.0
MAX_PAUSE_SECONDS = 30.0
#: Connections the kernel queues for the workers to accept (aiohttp's own default is 128).
BACKLOG = 1024


def why_not_workers(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes can't serve these settings (one line), or None."""
    if workers < 2:
        return None
    backend = make_url(async_url(settings.storage.url)).get_backend_name()
    if backend != "postgresql":
        return (
            f"yishi: --workers {workers} needs PostgreSQL: SQLite has one writer at a time. "
            'Set [storage] url = "postgresql://…", or serve one process without --workers.'
        )
    if settings.telegram.enabled and settings.telegram.mode == "polling":
        return (
            f"yishi: --workers {workers}: Telegram polling takes exactly one process. "
            'Set [telegram] mode = "webhook".'
        )
    return None


def share_limits(settings: Settings, workers: int) -> Settings:
    """The settings one of ``workers`` processes runs with: each platform's send rates
    divided among them, so that together they keep the platform's limits."""
    if workers <= 1:
        return settings
    push = settings.push
    rates = {
        name: getattr(push, name) / workers
        for name in type(push).model_fields
        if name.endswith("_per_second")
    }
    telegram = settings.telegram
    wecom = settings.wecom
    return settings.model_copy(
        update={
            "push": push.model_copy(update=rates),
            "telegram": telegram.model_copy(
                update={
                    "global_per_second": telegram.global_per_second / workers,
                    "private_per_second": telegram.private_per_second / workers,
                    "group_per_minute": telegram.group_per_minute / workers,
                }
            ),
            "wecom": wecom.model_copy(
                update={"robot_per_minute": max(1, wecom.robot_per_minute // workers)}
            ),
        }
    )


def listen(host: str, port: int) -> socket.socket:
    """The one listening socket every worker accepts from."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def worker_command(
    workers: int, *, config_path: Path | None, demo: bool, python: str = sys.executable
) -> list[str]:
    """How the parent starts one worker: ``yishi worker`` (hidden) with the same config."""
    command = [python, "-m", "bot.cli", "worker", "--workers", str(workers)]
    if config_path is not None:
        command += ["--config", str(config_path.resolve())]
    if demo:
        command.append("--demo")
    return command


class WorkerFailed(Exception):
    """A worker exited or hung before it served."""


@dataclass(eq=False)
class Worker:
    """One child process serving in ``slot``."""

    slot: int
    proc: asyncio.subprocess.Process
    #: The parent's end of the lifeline: the worker stops when it closes.
    lifeline: int
    started: float = field(default_factory=time.monotonic)
    #: Told to stop by the parent: its exit is no crash.
    retiring: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid


class Supervisor:
    """Starts ``count`` workers on ``sock``, restarts the dead, rolls on SIGHUP, stops all."""

    def __init__(
        self,
        command: Sequence[str],
        count: int,
        sock: socket.socket,
        *,
        ready_seconds: float = READY_SECONDS,
        stop_seconds: float = STOP_SECONDS,
        banner: str | None = None,
    ) -> None:
        self.command = list(command)
        self.count = count
        self.sock = sock
        self.ready_seconds = ready_seconds
        self.stop_seconds = stop_seconds
        self.banner = banner
        #: The worker serving in each slot.
        self.slots: dict[int, Worker] = {}
        #: Every child still running: serving, starting or retiring.
        self.children: set[Worker] = set()
        self._locks = {slot: asyncio.Lock() for slot in range(count)}
        self._young_deaths: dict[int, int] = {}
        self._events: asyncio.Queue[tuple[str, Worker | None]] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._rolling: asyncio.Task[None] | None = None

    # -- the parent's loop ------------------------------------------------

    async def run(self) -> int:
        """Serve until SIGTERM/SIGINT; 0 after a clean stop, 1 when the workers never served."""
        loop = asyncio.get_running_loop()
        signals = {signal.SIGINT: "stop", signal.SIGTERM: "stop", signal.SIGHUP: "restart"}
        for sig, what in signals.items():
            loop.add_signal_handler(sig, self._events.put_nowait, (what, None))
        code = 0
        try:
            self._background(self._start_all())
            while True:
                what, worker = await self._events.get()
                if what == "stop":
                    log.info("stopping the workers")
                    break
                if what == "failed":
                    code = 1
                    break
                if what == "restart":
                    if self._rolling is None or self._rolling.done():
                        self._rolling = self._background(self._roll())
                    else:
                        log.info("a restart is already under way")
                elif what == "exited" and worker is not None:
                    self._exited(worker)
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._stop_all()
        return code

    def _background(self, work: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _start_all(self) -> None:
        """The first worker alone (it migrates the database and seeds a demo), then the rest."""
        try:
            self.slots[0] = await self._spawn(0)
            rest = await asyncio.gather(*(self._spawn(s) for s in range(1, self.count)))
        except WorkerFailed as exc:
            log.error("workers did not start: %s", exc)
            self._events.put_nowait(("failed", None))
            return
        for worker in rest:
            self.slots[worker.slot] = worker
        log.info(
            "serving",
            extra={"workers": self.count, "pids": [w.pid for w in self.slots.values()]},
        )
        if self.banner:
            print(self.banner, flush=True)

    # -- one worker -------------------------------------------------------

    async def _spawn(self, slot: int) -> Worker:
        """Start a worker in ``slot`` and return it once it serves."""
        ready_r, ready_w = os.pipe()
        life_r, life_w = os.pipe()
        fd = self.sock.fileno()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command,
                f"--socket-fd={fd}",
                f"--ready-fd={ready_w}",
                f"--lifeline-fd={life_r}",
                f"--slot={slot}",
                pass_fds=(fd, ready_w, life_r),
                # Signals come from the parent alone (Ctrl+C reaches the terminal's
                # process group): one orderly stop instead of N racing ones.
                start_new_session=True,
            )
        except BaseException:
            os.close(ready_r)
            os.close(life_w)
            raise
        finally:
            os.close(ready_w)
            os.close(life_r)
        worker = Worker(slot, proc, life_w)
        self.children.add(worker)
        pipe = os.fdopen(ready_r, "rb", buffering=0)
        try:
            said = await asyncio.wait_for(_read_line(pipe), self.ready_seconds)
        except TimeoutError:
            said = b""
        except BaseException:
            await self._retire(worker)
            raise
        finally:
            pipe.close()
        if said.strip() != b"ready":
            await self._retire(worker)
            raise WorkerFailed(f"worker {slot} (pid {proc.pid}) exited with {proc.returncode}")
        log.info("worker serving", extra={"slot": slot, "pid": proc.pid})
        self._background(self._watch(worker))
        return worker

    async def _watch(self, worker: Worker) -> None:
        await worker.proc.wait()
        self._events.put_nowait(("exited", worker))

    def _exited(self, worker: Worker) -> None:
        """A worker ended: a crash unless the parent retired it."""
        self._forget(worker)
        if worker.retiring or self.slots.get(worker.slot) is not worker:
            return
        del self.slots[worker.slot]
        lived = time.monotonic() - worker.started
        young = lived < YOUNG_SECONDS
        deaths = self._young_deaths.get(worker.slot, 0) + 1 if young else 0
        self._young_deaths[worker.slot] = deaths
        log.error(
            "worker died; starting another",
            extra={
                "slot": worker.slot,
                "pid": worker.pid,
                "returncode": worker.proc.returncode,
                "seconds": round(lived, 1),
            },
        )
        self._background(self._replace(worker.slot))

    async def _replace(self, slot: int) -> None:
        """Fill ``slot`` again, pausing 1, 2, 4 … 30 s while its workers keep dying young."""
        while True:
            deaths = self._young_deaths.get(slot, 0)
            if deaths:
                pause = min(MAX_PAUSE_SECONDS, 2.0 ** (deaths - 1))
                log.warning("worker keeps dying; pausing", extra={"slot": slot, "pause": pause})
                await asyncio.sleep(pause)
            async with self._locks[slot]:
                if slot in self.slots:  # a restart filled it meanwhile
                    return
                try:
                    self.slots[slot] = await self._spawn(slot)
                    return
                except WorkerFailed as exc:
                    log.error("worker did not start: %s", exc)
                    self._young_deaths[slot] = deaths + 1

    async def _roll(self) -> None:
        """SIGHUP: replace the workers one at a time; the port is never without one."""
        log.info("restarting the workers one at a time")
        for slot in range(self.count):
            async with self._locks[slot]:
                try:
                    fresh = await self._spawn(slot)
                except WorkerFailed as exc:
                    log.error("restart stopped; the running workers keep serving: %s", exc)
                    return
                old = self.slots.get(slot)
                self.slots[slot] = fresh
                self._young_deaths.pop(slot, None)
                if old is not None:
                    await self._retire(old)
        log.info("workers restarted", extra={"pids": [w.pid for w in self.slots.values()]})

    async def _retire(self, worker: Worker) -> None:
        """SIGTERM (the worker finishes what it has in flight), SIGKILL past the grace."""
        worker.retiring = True
        with contextlib.suppress(ProcessLookupError):
            worker.proc.terminate()
        try:
            await asyncio.wait_for(worker.proc.wait(), self.stop_seconds)
        except TimeoutError:
            log.error("worker did not stop; killing it", extra={"pid": worker.pid})
            with contextlib.suppress(ProcessLookupError):
                worker.proc.kill()
            await worker.proc.wait()
        self._forget(worker)

    def _forget(self, worker: Worker) -> None:
        if worker in self.children:
            self.children.discard(worker)
            with contextlib.suppress(OSError):
                os.close(worker.lifeline)

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._retire(w) for w in list(self.children)))
        self.slots.clear()
        log.info("workers stopped")


async def _read_line(pipe: BinaryIO) -> bytes:
    """One line from a pipe (b"" when its writer closes it first)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        return await reader.readline()
    finally:
        transport.close()


def supervise(
    settings: Settings, workers: int, *, config_path: Path | None, demo: bool = False
) -> int:
    """``yishi run/demo --workers N``: bind, spawn, supervise; the process's exit code."""
    reason = why_not_workers(settings, workers)
    if reason is not None:
        print(reason, file=sys.stderr)
        return 2
    host, port = settings.web.host, settings.web.port
    try:
        sock = listen(host, port)
    except OSError as exc:
        print(f"yishi: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    url = f"http://{host}:{port}/"
    pid = os.getpid()
    banner = f"议事通已启动：{url}  （{workers} 个工作进程；kill -HUP {pid} 逐个重启，Ctrl+C 停止）"
    command = worker_command(workers, config_path=config_path, demo=demo)
    with sock:
        supervisor = Supervisor(command, workers, sock, banner=banner)
        return asyncio.run(supervisor.run())


# -- the worker's side ------------------------------------------------------


def tag_records(slot: int) -> None:
    """Every log record of this process says which worker wrote it."""
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.worker = slot
        return record

    logging.setLogRecordFactory(factory)


def relay_web_chat(yishi: Any) -> None:
    """The web chat's live events reach the tabs on every worker (bot/adapters/web/relay.py)."""
    from bot.adapters.web import WebChatAdapter
    from bot.adapters.web.relay import PgRelay

    for adapter in yishi.adapters:
        if isinstance(adapter, WebChatAdapter):
            PgRelay(yishi.engine.url, adapter.hub, adapter.sessions)


async def serve_worker(
    settings: Settings,
    *,
    workers: int,
    slot: int,
    socket_fd: int,
    ready_fd: int,
    lifeline_fd: int,
    demo: bool,
) -> None:
    """One worker: serve on the inherited socket, say "ready", stop with the parent."""
    from bot.app import build_yishi
    from bot.serve import serve

    tag_records(slot)
    sock = socket.socket(fileno=socket_fd)
    yishi = build_yishi(share_limits(settings, workers))
    if workers > 1:
        relay_web_chat(yishi)
    ready = asyncio.Event()
    server = asyncio.ensure_future(serve(yishi, demo=demo, ready=ready, sock=sock, banner=False))
    serving = asyncio.ensure_future(ready.wait())
    await asyncio.wait({server, serving}, return_when=asyncio.FIRST_COMPLETED)
    if not serving.done():
        serving.cancel()
        await server  # it failed before serving: its exception is the exit reason
        return
    os.write(ready_fd, b"ready\n")
    os.close(ready_fd)
    loop = asyncio.get_running_loop()

    def parent_gone() -> None:
        loop.remove_reader(lifeline_fd)
        log.warning("the parent process is gone; stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    loop.add_reader(lifeline_fd, parent_gone)
    try:
        await server
    finally:
        with contextlib.suppress(ValueError, OSError):
            loop.remove_reader(lifeline_fd)
        os.close(lifeline_fd)
