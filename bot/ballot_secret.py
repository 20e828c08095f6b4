"""The server secret anonymous ballots are sealed with: from the config, or a file.

Kept out of the database and the logs on purpose: an operator (or a backup) with
the whole database must not be able to open a sealed ballot. Generated once into
a file readable only by its owner; processes that start together all end up with
the same secret (the file appears atomically, complete, or not at all).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from bot.config import BALLOT_SECRET_FILE, ConfigError, PollSettings
from consultation.ballot_box import SECRET_BYTES, BallotKeys

log = logging.getLogger("yishi.ballots")


def load_ballot_keys(settings: PollSettings) -> BallotKeys:
    """The configured secret, else the file's (generated on first start)."""
    if settings.ballot_secret:
        return BallotKeys(settings.ballot_secret.encode())
    path = Path(settings.ballot_secret_file or BALLOT_SECRET_FILE)
    secret = read_or_create(path)
    if len(secret.encode()) < SECRET_BYTES:
        raise ConfigError(
            f"config error: polls.ballot_secret_file: {path} holds less than {SECRET_BYTES} bytes"
        )
    return BallotKeys(secret.encode())


def read_or_create(path: Path) -> str:
    """The secret in ``path``; a new random one (mode 0600) if there is none yet."""
    try:
        return _read_secret_file(path)
    except FileNotFoundError:
        pass
    fresh = secrets.token_hex(SECRET_BYTES)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        message = f"config error: polls.ballot_secret_file: cannot write {path}: {exc}"
        raise ConfigError(message) from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(fresh + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)  # fails if another process got there first: use theirs
        except FileExistsError:
            return _read_secret_file(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    log.warning("generated a ballot secret; keep it with the config", extra={"path": str(path)})
    return fresh


def _read_secret_file(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the ballot secret file is readable by others", extra={"path": str(path)})
    return path.read_text(encoding="utf-8").strip()
