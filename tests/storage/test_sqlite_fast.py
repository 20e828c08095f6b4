"""The SQLite fast path returns exactly what SQLAlchemy's own execution returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.demo import seed_demo
from storage.engine import create_engine, session_factory
from storage.inbound import _record_statement, _snapshot_statement
from storage.sqlite_fast import compiled
from storage.sqlite_session import InlineSession
from storage.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def test_snapshot_and_record_match_sqlalchemy(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    uow = UnitOfWorkFactory(session_factory(engine))
    await seed_demo(uow)
    async with uow() as u:
        await u.conversations.save(
            "web",
            "zhang",
            "zhang",
            "report",
            "confirm",
            {"description": "灯坏了，好几天"},
            NOW + timedelta(minutes=30),
        )
        await u.inbound.record("web", "m1", "zhang", "zhang", "help", [{"text": "您好"}], NOW)
    params = {"platform": "web", "message_id": "m1", "chat_id": "zhang", "sender_id": "zhang"}
    try:
        async with uow() as u:
            assert isinstance(u.session, InlineSession)
            conn = await u.session.driver()
            fast = compiled(_snapshot_statement("sqlite")).fetchone(conn, params)
            sqlalchemy = u.session.sync_session
            slow = dict(sqlalchemy.execute(_snapshot_statement("sqlite"), params).one()._mapping)
            assert fast == slow
            assert fast["handled"] == [{"text": "您好"}]
            assert fast["cs_data"] == {"description": "灯坏了，好几天"}
            assert fast["cs_expires_at"] == NOW + timedelta(minutes=30)
            assert fast["r_verified"] is True and fast["roles"] is None

            values = {
                "platform": "web",
                "platform_message_id": "m2",
                "chat_id": "c",
                "sender_id": "s",
                "intent": None,
                "reply": [],
                "received_at": NOW,
            }
            record = compiled(_record_statement("sqlite"), tuple(values))
            first = record.fetchone(conn, values)
            assert first is not None and isinstance(first["id"], int)
            assert record.fetchone(conn, values) is None, "a duplicate inserts nothing"
    finally:
        uow.close()
        await engine.dispose()
