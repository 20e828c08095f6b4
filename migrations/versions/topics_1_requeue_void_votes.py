"""topics: a topic whose vote decided nothing, left 已列入议程 on a meeting that is over,
goes back to 已达附议人数 to wait for an agenda, as a void vote's topic does now

Since ``PollService._requeue``, a vote on a topic that closes void (无人投票, 未达法定人数,
平票) puts the topic back from ``scheduled`` to ``qualified``, off the past meeting, with
its reason, audited as ``topic_requeued``. Void votes closed before that left their
topics ``scheduled`` on a past meeting, so residents asking were told 已列入议程 of a
consultation day long over, and no later agenda offered them. Each such topic is put
back exactly as ``_requeue`` does it, with the same reason and the same audit entry,
by ``migration:topics_1`` at the time of the upgrade. Such a topic is one that:

* is ``scheduled`` on a meeting that began before the upgrade and was not cancelled
  (one ahead will vote on it there; a topic on a cancelled meeting's agenda is free
  to go on another one, ``MeetingService`` allows it, and is left to that);
* has a closed poll about it (``polls.topic_id``), the latest of which closed void;
* has no poll about it that decided (passed or voted down) — a void vote is read from
  the poll's stored result the way the code reads it now (``stored_tally``,
  ``decides``), also when older code recorded a decision for it.

Every other topic is left as it is. The reason's wording and the refs come from the
domain (``consultation.outcomes.requeue_reason``, ``consultation.ids``), so a repaired
topic reads like one requeued by a vote closed today. A data repair: downgrading leaves
the topics where they are (the schema is unchanged, and putting them back on a past
meeting would only restore the fault).
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types
from consultation.ballots import Tally
from consultation.ids import poll_ref, topic_ref
from consultation.outcomes import requeue_reason, stored_tally
from consultation.polls import decides
from storage.polls import Poll

revision: str = "topics_1"
down_revision: str | None = "identities_2"

#: Who the audit log says put the topics back.
ACTOR = "migration:topics_1"


def _utc(name: str) -> sa.ColumnClause[Any]:
    return sa.column(name, storage.types.UTCDateTime(timezone=True))


TOPICS = sa.table(
    "topics",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("meeting_id", sa.Integer),
    sa.column("reason", sa.String),
    _utc("updated_at"),
)
MEETINGS = sa.table(
    "meetings",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("status", sa.String),
    _utc("starts_at"),
)
POLLS = sa.table(
    "polls",
    sa.column("id", sa.Integer),
    sa.column("topic_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("question", sa.String),
    sa.column("kind", sa.String),
    sa.column("options", sa.JSON),
    sa.column("quorum_pct", sa.Integer),
    sa.column("pass_rule", sa.String),
    sa.column("result", sa.JSON),
    _utc("closed_at"),
)
AUDIT_LOG = sa.table(
    "audit_log",
    _utc("at"),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
)


def upgrade() -> None:
    requeue_void_votes(op.get_bind(), datetime.now(UTC))


def downgrade() -> None:
    """Nothing to undo: a data repair (see the module's docstring)."""


def requeue_void_votes(conn: sa.Connection, now: datetime) -> list[int]:
    """Put back every topic the module's docstring describes; their ids."""
    stuck = conn.execute(
        sa.select(TOPICS.c.id, MEETINGS.c.code)
        .join(MEETINGS, MEETINGS.c.id == TOPICS.c.meeting_id)
        .where(
            TOPICS.c.status == "scheduled",
            MEETINGS.c.starts_at < now,
            MEETINGS.c.status != "cancelled",
        )
        .order_by(TOPICS.c.id)
    ).all()
    requeued = []
    for topic_id, meeting_code in stuck:
        void = _void_vote(conn, topic_id)
        if void is None:
            continue
        poll_id, outcome = void
        reason = requeue_reason(poll_id, outcome)
        conn.execute(
            TOPICS.update()
            .where(TOPICS.c.id == topic_id, TOPICS.c.status == "scheduled")
            .values(status="qualified", meeting_id=None, reason=reason, updated_at=now)
        )
        # As consultation.audit.audit_change writes it: the after values and "at".
        conn.execute(
            AUDIT_LOG.insert().values(
                at=now,
                actor=ACTOR,
                action="topic_requeued",
                entity_type="topic",
                entity_id=topic_ref(topic_id),
                before={"status": "scheduled", "meeting": meeting_code},
                after={
                    "status": "qualified",
                    "poll": poll_ref(poll_id),
                    "outcome": outcome,
                    "reason": reason,
                    "at": now.isoformat(),
                },
            )
        )
        requeued.append(topic_id)
    return requeued


def _void_vote(conn: sa.Connection, topic_id: int) -> tuple[int, str] | None:
    """The topic's latest closed poll and its outcome, when that vote was void and no
    vote about the topic decided anything; else None."""
    rows = conn.execute(
        sa.select(POLLS).where(POLLS.c.topic_id == topic_id, POLLS.c.status == "closed")
    ).all()
    tallies = [(row, _tally(row)) for row in rows]
    if not tallies or any(tally is not None and decides(tally) for _, tally in tallies):
        return None
    last, tally = max(tallies, key=lambda found: _closed_order(found[0]))
    if tally is None:
        return None  # closed without a stored result: nothing says it was void
    return last.id, tally.outcome


def _tally(row: sa.Row[Any]) -> Tally | None:
    """The poll's stored result, read as the code reads it now."""
    return stored_tally(
        Poll(
            id=row.id,
            question=row.question,
            kind=row.kind,
            options=list(row.options or []),
            quorum_pct=row.quorum_pct,
            pass_rule=row.pass_rule,
            result=row.result,
        )
    )


def _closed_order(row: sa.Row[Any]) -> tuple[datetime, int]:
    closed: datetime | None = row.closed_at
    return (closed or datetime.min.replace(tzinfo=UTC), row.id)
