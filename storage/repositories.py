"""Repositories: the only place the framework's SQL lives.

Each repository wraps one :class:`AsyncSession`; a :class:`UnitOfWork` hands
them out and commits them together, so a handler's effects, its pushes and the
record that the message was handled land in one transaction or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, literal, literal_column, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    AuditEntry,
    Building,
    ConversationState,
    Grid,
    InboundMessage,
    PlatformIdentity,
    Push,
    Resident,
    RoleAssignment,
)
from storage.readonly import columns_of, copy_of
from storage.sqlite_fast import compiled
from storage.sqlite_session import InlineSession
from storage.types import json_value, utcnow


def insert_for(session: AsyncSession, table: Any) -> Any:
    """INSERT for the session's dialect (both support ON CONFLICT, which the portable
    ``insert()`` lacks); every repository's upserts go through here."""
    dialect = session.sync_session.get_bind().dialect.name
    return pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class _DriverRepo(_Repo):
    """A repository on the router's hot path: on SQLite its statements skip the ORM
    and run on the unit of work's driver connection."""

    async def _driver(self) -> sqlite3.Connection | None:
        if isinstance(self.session, InlineSession):
            return await self.session.driver()
        return None

    async def _write(self, statement: Callable[[str], Any], values: dict[str, Any]) -> None:
        """Run the INSERT/UPDATE/DELETE ``statement(dialect)`` builds (once per dialect)
        with ``values``: compiled on SQLite's driver, as Core on the session elsewhere."""
        driver = await self._driver()
        if driver is not None:
            compiled(statement("sqlite"), tuple(values)).execute(driver, values)
            return
        conn = await self.session.connection()
        await conn.execute(statement(conn.dialect.name), values)


@cache
def _snapshot_statement(dialect: str = "sqlite") -> Any:
    """Built once per dialect: constructing this SELECT costs more than running it."""
    platform: Any = bindparam("platform")
    sender: Any = bindparam("sender_id")
    roles = (
        select(
            func.string_agg(col(RoleAssignment.role), literal_column("','"))
            if dialect == "postgresql"
            else func.group_concat(col(RoleAssignment.role), literal_column("','"))
        )
        .where(col(RoleAssignment.resident_id) == col(PlatformIdentity.resident_id))
        .scalar_subquery()
    )
    handled = (
        select(InboundMessage.reply)
        .where(
            col(InboundMessage.platform) == platform,
            col(InboundMessage.platform_message_id) == bindparam("message_id"),
        )
        .scalar_subquery()
    )
    anchor = select(literal(1).label("one")).subquery()
    columns: list[Any] = [
        handled.label("handled"),
        col(PlatformIdentity.id).label("identity_id"),
        col(PlatformIdentity.display_name).label("display_name"),
        *columns_of(Resident, "r_"),
        roles.label("roles"),
        *columns_of(ConversationState, "cs_"),
    ]
    return (
        sa_select(*columns)
        .select_from(anchor)
        .outerjoin(
            PlatformIdentity,
            and_(
                col(PlatformIdentity.platform) == platform,
                col(PlatformIdentity.platform_user_id) == sender,
            ),
        )
        .outerjoin(Resident, col(Resident.id) == col(PlatformIdentity.resident_id))
        .outerjoin(
            ConversationState,
            and_(
                col(ConversationState.platform) == platform,
                col(ConversationState.chat_id) == bindparam("chat_id"),
                col(ConversationState.user_id) == sender,
            ),
        )
    )


@cache
def _record_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(InboundMessage)
        .on_conflict_do_nothing(index_elements=["platform", "platform_message_id"])
        .returning(col(InboundMessage.id))
    )


@cache
def _introduce_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING of a new (unbound) identity, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(PlatformIdentity).on_conflict_do_nothing(
        index_elements=["platform", "platform_user_id"]
    )


@cache
def _conversation_upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (platform, chat, user) DO UPDATE, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ConversationState)
    changed = ("flow", "step", "data", "expires_at", "updated_at")
    return stmt.on_conflict_do_update(
        index_elements=["platform", "chat_id", "user_id"],
        set_={name: stmt.excluded[name] for name in changed},
    )


@cache
def _conversation_delete(dialect: str = "sqlite") -> Any:
    """The same DELETE on every database (the argument fits :meth:`_DriverRepo._write`)."""
    return delete(ConversationState).where(
        col(ConversationState.platform) == bindparam("platform"),
        col(ConversationState.chat_id) == bindparam("chat_id"),
        col(ConversationState.user_id) == bindparam("user_id"),
    )


@dataclass(frozen=True, slots=True)
class MessageSnapshot:
    """Everything the router needs before running a handler, read in one query.

    ``resident`` and ``conversation`` are read-only copies (see storage.readonly):
    code that changes a resident loads it through :class:`ResidentRepository`.
    """

    already_handled: bool
    stored_reply: list[dict[str, Any]]
    identity_id: int | None
    identity_name: str | None
    resident: Resident | None
    roles: tuple[str, ...]
    conversation: ConversationState | None


class InboundRepository(_DriverRepo):
    """The de-duplication log of delivered messages.

    The hot path is two statements: :meth:`snapshot` before the handler and
    :meth:`record` after it, in the handler's own transaction. ``record`` is an
    INSERT … ON CONFLICT DO NOTHING: if a concurrent delivery of the same
    message got there first, it returns False and the caller rolls back.
    """

    async def snapshot(
        self, platform: str, message_id: str, chat_id: str, sender_id: str, now: datetime
    ) -> MessageSnapshot:
        """The delivery record, sender identity, resident, roles and conversation at once."""
        params = {
            "platform": platform,
            "message_id": message_id,
            "chat_id": chat_id,
            "sender_id": sender_id,
        }
        row: Mapping[str, Any] | None
        driver = await self._driver()
        if driver is not None:
            row = compiled(_snapshot_statement("sqlite")).fetchone(driver, params)
        else:  # Core on the session's connection: a third of the ORM's per-statement cost
            conn = await self.session.connection()
            result = await conn.execute(_snapshot_statement(conn.dialect.name), params)
            row = dict(result.one()._mapping)
        assert row is not None
        resident = copy_of(Resident, row, "r_") if row["r_id"] is not None else None
        conversation = None
        if row["cs_id"] is not None and row["cs_expires_at"] > now:
            conversation = copy_of(ConversationState, row, "cs_")
        stored = row["handled"]
        return MessageSnapshot(
            already_handled=stored is not None,
            stored_reply=list(stored or []) if not isinstance(stored, str) else json_value(stored),
            identity_id=row["identity_id"],
            identity_name=row["display_name"],
            resident=resident,
            roles=tuple(sorted(set(filter(None, (row["roles"] or "").split(","))))),
            conversation=conversation,
        )

    async def record(
        self,
        platform: str,
        message_id: str,
        chat_id: str,
        sender_id: str,
        intent: str | None,
        reply: list[dict[str, Any]],
        now: datetime | None = None,
    ) -> bool:
        """Record the handled message with its reply; False when it was recorded already."""
        values = {
            "platform": platform,
            "platform_message_id": message_id,
            "chat_id": chat_id,
            "sender_id": sender_id,
            "intent": intent,
            "reply": reply,
            "received_at": now or utcnow(),
        }
        driver = await self._driver()
        if driver is not None:
            fast = compiled(_record_statement("sqlite"), tuple(values))
            return fast.fetchone(driver, values) is not None
        conn = await self.session.connection()
        result = await conn.execute(_record_statement(conn.dialect.name), values)
        return result.scalar_one_or_none() is not None

    async def get(self, platform: str, message_id: str) -> InboundMessage | None:
        stmt = select(InboundMessage).where(
            InboundMessage.platform == platform,
            InboundMessage.platform_message_id == message_id,
        )
        return (await self.session.exec(stmt)).first()


class IdentityRepository(_DriverRepo):
    """Platform accounts and the residents they belong to."""

    async def introduce(self, platform: str, user_id: str, display_name: str | None) -> None:
        """Record a first contact (an unbound identity) unless it is known already.

        The router's path for a newcomer: one compiled INSERT … ON CONFLICT DO
        NOTHING instead of :meth:`ensure`'s three ORM statements (~1.7 ms).
        """
        values = {
            "platform": platform,
            "platform_user_id": user_id,
            "display_name": display_name[:64] if display_name else None,  # the column's size
            "created_at": utcnow(),
        }
        await self._write(_introduce_statement, values)

    async def ensure(
        self, platform: str, user_id: str, display_name: str | None = None
    ) -> PlatformIdentity:
        """The identity for this account, created (unbound) on first contact."""
        stmt = select(PlatformIdentity).where(
            PlatformIdentity.platform == platform, PlatformIdentity.platform_user_id == user_id
        )
        found = (await self.session.exec(stmt)).first()
        if found is not None:
            return found
        await self.introduce(platform, user_id, display_name)
        return (await self.session.exec(stmt)).one()

    async def bind(self, platform: str, user_id: str, resident_id: int) -> PlatformIdentity:
        identity = await self.ensure(platform, user_id)
        identity.resident_id = resident_id
        self.session.add(identity)
        await self.session.flush()
        return identity

    async def directory(self, platform: str) -> list[dict[str, Any]]:
        """Bound accounts on ``platform`` with names and roles (the web chat's switcher)."""
        stmt = (
            select(PlatformIdentity, Resident)
            .join(Resident, col(Resident.id) == col(PlatformIdentity.resident_id))
            .where(PlatformIdentity.platform == platform)
            .order_by(col(PlatformIdentity.id))
        )
        rows = (await self.session.exec(stmt)).all()
        roles: dict[int, list[str]] = {}
        ids = [r.id for _, r in rows if r.id is not None]
        if ids:
            found = await self.session.exec(
                select(RoleAssignment).where(col(RoleAssignment.resident_id).in_(ids))
            )
            for assignment in found.all():
                roles.setdefault(assignment.resident_id, []).append(assignment.role)
        return [
            {
                "user_id": identity.platform_user_id,
                "name": resident.name,
                "verified": resident.verified,
                "roles": sorted(set(roles.get(resident.id or 0, []))),
            }
            for identity, resident in rows
        ]

    async def for_resident(self, resident_id: int) -> Sequence[PlatformIdentity]:
        stmt = select(PlatformIdentity).where(PlatformIdentity.resident_id == resident_id)
        return (await self.session.exec(stmt)).all()


class ResidentRepository(_Repo):
    """Residents, buildings, grids and roles."""

    async def get(self, resident_id: int) -> Resident | None:
        return await self.session.get(Resident, resident_id)

    async def add(self, resident: Resident) -> Resident:
        self.session.add(resident)
        await self.session.flush()
        return resident

    async def roles_of(self, resident_id: int) -> Sequence[RoleAssignment]:
        stmt = select(RoleAssignment).where(RoleAssignment.resident_id == resident_id)
        return (await self.session.exec(stmt)).all()

    async def grant(self, resident_id: int, role: str, grid_id: int | None = None) -> None:
        await self.session.execute(
            insert_for(self.session, RoleAssignment)
            .values(resident_id=resident_id, role=role, grid_id=grid_id)
            .on_conflict_do_nothing(index_elements=["resident_id", "role", "grid_id"])
        )

    async def with_role(self, role: str, grid_id: int | None = None) -> Sequence[Resident]:
        stmt = (
            select(Resident)
            .join(RoleAssignment, col(RoleAssignment.resident_id) == col(Resident.id))
            .where(RoleAssignment.role == role)
        )
        if grid_id is not None:
            stmt = stmt.where(RoleAssignment.grid_id == grid_id)
        return (await self.session.exec(stmt.order_by(col(Resident.id)))).all()

    async def grid_by_code(self, code: str) -> Grid | None:
        return (await self.session.exec(select(Grid).where(Grid.code == code))).first()

    async def ensure_grid(self, code: str, name: str | None = None) -> Grid:
        grid = await self.grid_by_code(code)
        if grid is None:
            grid = Grid(code=code, name=name or code)
            self.session.add(grid)
            await self.session.flush()
        return grid

    async def building_by_name(self, name: str) -> Building | None:
        stmt = select(Building).where(Building.name == name)
        return (await self.session.exec(stmt)).first()

    async def ensure_building(self, name: str, grid_id: int | None) -> Building:
        building = await self.building_by_name(name)
        if building is None:
            building = Building(name=name, grid_id=grid_id)
            self.session.add(building)
            await self.session.flush()
        elif grid_id is not None and building.grid_id != grid_id:
            building.grid_id = grid_id
            self.session.add(building)
        return building

    async def find_resident(
        self, name: str, building_id: int | None, unit: str | None, room: str | None
    ) -> Resident | None:
        stmt = select(Resident).where(
            Resident.name == name,
            Resident.building_id == building_id,
            Resident.unit == unit,
            Resident.room == room,
        )
        return (await self.session.exec(stmt)).first()

    async def count(self) -> int:
        return int((await self.session.exec(select(func.count(col(Resident.id))))).one())


class ConversationRepository(_DriverRepo):
    """Multi-turn state, per user per chat, with an expiry."""

    async def get(
        self, platform: str, chat_id: str, user_id: str, now: datetime
    ) -> ConversationState | None:
        stmt = select(ConversationState).where(
            ConversationState.platform == platform,
            ConversationState.chat_id == chat_id,
            ConversationState.user_id == user_id,
        )
        state = (await self.session.exec(stmt)).first()
        if state is not None and state.expires_at <= now:
            await self.session.delete(state)
            return None
        return state

    async def save(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        flow: str,
        step: str,
        data: dict[str, Any],
        expires_at: datetime,
    ) -> None:
        """Create or replace this user's conversation in this chat (one upsert)."""
        values = {
            "platform": platform,
            "chat_id": chat_id,
            "user_id": user_id,
            "flow": flow,
            "step": step,
            "data": dict(data),
            "expires_at": expires_at,
            "updated_at": utcnow(),
        }
        await self._write(_conversation_upsert, values)

    async def clear(self, platform: str, chat_id: str, user_id: str) -> None:
        params = {"platform": platform, "chat_id": chat_id, "user_id": user_id}
        await self._write(_conversation_delete, params)


class AuditRepository(_Repo):
    """The append-only record of who changed what."""

    async def record(
        self,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                actor=actor,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )

    async def for_entity(self, entity_type: str, entity_id: str) -> Sequence[AuditEntry]:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(col(AuditEntry.id))
        )
        return (await self.session.exec(stmt)).all()


class PushRepository(_Repo):
    """The outbox of pushes: enqueued in a transaction, claimed and settled by the sender."""

    async def enqueue(
        self,
        platform: str,
        chat_id: str,
        payload: dict[str, Any],
        dedupe_key: str | None = None,
        *,
        now: datetime | None = None,
    ) -> bool:
        """Queue a push, due at ``now``; False when ``dedupe_key`` was already queued once."""
        now = now or utcnow()
        stmt = insert_for(self.session, Push).values(
            platform=platform,
            chat_id=chat_id,
            payload=payload,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        if dedupe_key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = await self.session.execute(stmt.returning(Push.id))
        return result.scalar_one_or_none() is not None

    async def enqueue_latest(
        self,
        platform: str,
        chat_id: str,
        payload: dict[str, Any],
        dedupe_key: str,
        *,
        now: datetime | None = None,
    ) -> None:
        """Queue a push that replaces a still-pending one with the same key (latest wins).

        A burst of updates to one live message (a poll's count) thus leaves one push
        waiting; once that one is being sent or done, its key is freed for the next.
        """
        pending = await self.session.execute(
            update(Push)
            .where(col(Push.dedupe_key) == dedupe_key, col(Push.status) == "pending")
            .values(payload=payload)
        )
        if getattr(pending, "rowcount", 0) == 1:
            return
        await self.session.execute(
            update(Push).where(col(Push.dedupe_key) == dedupe_key).values(dedupe_key=None)
        )
        await self.enqueue(platform, chat_id, payload, dedupe_key, now=now)

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Push]:
        """Take up to ``limit`` due pushes for sending; a crashed sender's lease runs out."""
        stmt = (
            select(Push)
            .where(
                or_(col(Push.status) == "pending", col(Push.status) == "sending"),
                col(Push.next_attempt_at) <= now,
            )
            .order_by(col(Push.next_attempt_at), col(Push.id))
            .limit(limit)
        )
        candidates = (await self.session.exec(stmt)).all()
        claimed: list[Push] = []
        for push in candidates:
            result = await self.session.execute(
                update(Push)
                .where(col(Push.id) == push.id, col(Push.attempts) == push.attempts)
                .values(status="sending", attempts=push.attempts + 1, next_attempt_at=now + lease)
            )
            if getattr(result, "rowcount", 0) == 1:
                claimed.append(push)  # the UPDATE synchronised status and attempts in session
        return claimed

    async def settle(
        self,
        push_id: int,
        *,
        status: str,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = utcnow()
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        await self.session.execute(update(Push).where(col(Push.id) == push_id).values(**values))

    async def for_chat(self, platform: str, chat_id: str, limit: int = 50) -> Sequence[Push]:
        stmt = (
            select(Push)
            .where(Push.platform == platform, Push.chat_id == chat_id)
            .order_by(col(Push.id).desc())
            .limit(limit)
        )
        return list(reversed((await self.session.exec(stmt)).all()))
