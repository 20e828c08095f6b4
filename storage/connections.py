"""What every SQLite connection is set up with, and what a statement tells the unit of
work's after-commit hooks (it wrote rows, it queued a push). Shared by the async engine
(storage.engine) and the inline SQLite lane (storage.sqlite_session), which imports
nothing of the engine.
"""

from __future__ import annotations

from typing import Any


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off (isolation_level
    # None) so that we can BEGIN IMMEDIATE: a writer takes the lock up front
    # and waits on busy_timeout instead of failing mid-transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-16000")
    # Deleted rows are overwritten, not left in free pages: a withdrawn draft or an
    # anonymous vote's pending choice (held in the conversation until confirmed) is gone.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


WROTE, PUSHED = "yishi_wrote", "yishi_pushed"


_UNSCHEDULED = (
    "inbound_messages",
    "conversation_states",
    "platform_identities",
    "platform_nonces",
    "platform_contacts",
    "platform_callbacks",
)


def write_marks(statement: str, context: Any) -> tuple[str, ...]:
    """What a statement tells the after-commit hooks: it changed rows (WROTE), it
    queued a push (PUSHED), or nothing they care about.

    Every message writes its inbound record and often its conversation state, and
    a newcomer's first message its platform identity (a WeChat callback also its
    signature nonce and its sender's last-seen time); those change no schedule and
    queue no push, so they leave no mark, and the bot wakes the push sender and
    re-reads the schedule only when there is a reason.
    """
    if context is None or not (context.isinsert or context.isupdate or context.isdelete):
        return ()
    head = statement[:48]
    if any(table in head for table in _UNSCHEDULED):
        return ()
    return (WROTE, PUSHED) if " pushes" in head else (WROTE,)
