"""Logs for the person at the terminal and for the machine that collects them.

One JSON object a line (python-json-logger over orjson) where logs are collected,
short human lines (``17:02:11 WARN  push: push undeliverable  push_id=3``) where a
person reads stderr; ``[log] format = "auto"`` picks by whether stderr is a
terminal, ``"json"``/``"text"`` force one. Records are formatted and written on a
thread of their own (a :class:`~logging.handlers.QueueListener`): the event loop
only hands a record over, so a slow terminal or pipe never stalls a message.

The scheduler library's heartbeat ("Running job … tick" every few seconds) is kept
below INFO. Every HTTP request gets one access line (:class:`AccessLog`) with its
latency, written after the response has gone out; it names no client address and
no query string (where WeChat's signatures and one-time login tokens travel).
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
import time
from typing import IO

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse
from pythonjsonlogger.orjson import OrjsonFormatter

#: Loggers that say too much at INFO for a person to read (APScheduler's per-run
#: "Running job"/"executed successfully", SQL echo, HTTP client chatter, and
#: Alembic's step-by-step upgrade lines: storage.migrate says it in one).
QUIET = ("apscheduler", "alembic", "aiohttp.access", "sqlalchemy.engine", "httpx", "jieba")

ACCESS_LOGGER = "yishi.access"

#: What every LogRecord has; anything else on a record came in ``extra=``.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_LEVELS = {"WARNING": "WARN", "CRITICAL": "CRIT"}

_listener: logging.handlers.QueueListener | None = None


class HumanFormatter(logging.Formatter):
    """``HH:MM:SS LEVEL logger: message  key=value …`` (local time, short logger names)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        level = _LEVELS.get(record.levelname, record.levelname)
        name = record.name.removeprefix("yishi.")
        line = f"{stamp} {level:<5} {name}: {record.getMessage()}"
        extras = [f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD]
        if extras:
            line += "  " + " ".join(extras)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def json_formatter() -> logging.Formatter:
    return OrjsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


def wants_text(fmt: str, stream: IO[str]) -> bool:
    """``auto`` means text for a terminal, JSON for anything else (a file, a pipe, journald)."""
    if fmt != "auto":
        return fmt == "text"
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def setup_logging(
    level: str = "INFO",
    fmt: str = "auto",
    *,
    file: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """Configure the root logger for the process (again: the previous set-up is replaced).

    ``file`` sends the logs there instead of stderr (``yishi chat`` keeps them out of
    its prompt that way).
    """
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None
    target: logging.Handler
    if file:
        target, text = logging.FileHandler(file, encoding="utf-8"), fmt == "text"
    else:
        out = stream or sys.stderr
        target, text = logging.StreamHandler(out), wants_text(fmt, out)
    target.setFormatter(HumanFormatter() if text else json_formatter())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _listener = logging.handlers.QueueListener(records, target)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)
    for noisy in QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    atexit.register(stop_logging)


def stop_logging() -> None:
    """Write out what is queued (at exit; tests)."""
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None


class AccessLog(AbstractAccessLogger):
    """One line per HTTP request, after its response: method, path, status, size, latency.

    No client address and no query string: the log must not link a person to what
    they sent, nor carry a signature or a login token. A photo's name is the capability
    to open it (bot/media.py), so ``/media/`` paths are logged without it.
    """

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        logger = self.logger
        if not logger.isEnabledFor(logging.INFO):
            return
        path = request.path
        if path.startswith("/media/"):
            path = "/media/{name}"
        logger.info(
            "%s %s",
            request.method,
            path,
            extra={
                "status": response.status,
                "ms": round(time * 1000, 2),
                "bytes": response.body_length,
            },
        )

    @property
    def enabled(self) -> bool:
        """aiohttp ≥ 3.10 asks once per connection whether to call :meth:`log` at all."""
        return self.logger.isEnabledFor(logging.INFO)


def access_logger() -> logging.Logger:
    return logging.getLogger(ACCESS_LOGGER)
