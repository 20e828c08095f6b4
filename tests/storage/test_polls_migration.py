"""Upgrading to sealed ballots removes what older code kept that linked a voter to a choice."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage.engine import create_engine
from storage.migrate import alembic_config, upgrade


async def _to(engine: object, revision: str) -> None:
    cfg = alembic_config(str(engine.url))  # type: ignore[attr-defined]

    def run(connection: object) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.run_sync(run)


async def test_old_links_are_removed_on_upgrade(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        await _to(engine, "tickets_3")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO residents (name, verified, created_at)"
                    " VALUES ('张阿姨', true, '2026-11-20 01:00:00')"
                )
            )
            for anonymous in (True, False):
                await conn.execute(
                    text(
                        "INSERT INTO polls (question, kind, options, max_choices, electorate,"
                        " anonymous, quorum_pct, pass_rule, hide_results, status, platform,"
                        " chat_id, electorate_size, opened_at) VALUES ('Q', 'yesno',"
                        " '[\"赞成\",\"反对\",\"弃权\"]', 1, 'residents', :a, 50, 'majority',"
                        " :a, 'open', 'web', 'group:main', 1, '2026-11-20 01:00:00')"
                    ),
                    {"a": anonymous},
                )
            for poll_id in (1, 2):
                await conn.execute(
                    text(
                        "INSERT INTO poll_voters (poll_id, voter_key, resident_id, channel,"
                        " cast_at) VALUES (:p, 'r:1', 1, 'chat', '2026-11-20 02:00:00')"
                    ),
                    {"p": poll_id},
                )
            await conn.execute(
                text(
                    "INSERT INTO conversation_states (platform, chat_id, user_id, flow, step,"
                    " data, expires_at, updated_at) VALUES ('web', 'zhang', 'zhang',"
                    " 'anon_vote', 'confirm', '{\"poll\": 1, \"mask\": 2}',"
                    " '2026-11-20 03:00:00', '2026-11-20 02:00:00')"
                )
            )
            for i, intent in enumerate(
                ("command:反对", "command:我赞成", "command:投2", "command:P1弃权", "command:审核")
            ):
                await conn.execute(
                    text(
                        "INSERT INTO inbound_messages (platform, platform_message_id, chat_id,"
                        " sender_id, intent, reply, received_at) VALUES ('web', :m, 'zhang',"
                        " 'zhang', :i, '[]', '2026-11-20 02:00:00')"
                    ),
                    {"m": f"m{i}", "i": intent},
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            times = (
                await conn.execute(text("SELECT poll_id, cast_at FROM poll_voters ORDER BY 1"))
            ).all()
            flows = (await conn.execute(text("SELECT count(*) FROM conversation_states"))).scalar()
            intents = (
                await conn.execute(text("SELECT intent FROM inbound_messages ORDER BY id"))
            ).scalars()
            intents = list(intents)
        assert times[0][1] is None and times[1][1] is not None, "anonymous participation: no time"
        assert flows == 0, "a pending anonymous choice is gone"
        assert intents == ["vote", "vote", "vote", "vote", "command:审核"]
    finally:
        await engine.dispose()
