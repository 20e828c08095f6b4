"""Proof of notice reads a cause's pushes through an index on a PostgreSQL database whose
collation is not C (a Chinese deployment's zh_CN, here ICU's zh-Hans-CN).

"已通知 n/m 户" counts the pushes whose de-duplication key starts with a cause's key
(``LIKE 'cause%'``). Under a linguistic collation the unique index on ``dedupe_key``
can't serve that, and the count read the whole outbox; migration ``pushes_1`` adds a
``varchar_pattern_ops`` index that can.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.notice_reach import NoticeReachRepository
from storage.unit_of_work import UnitOfWorkFactory
from tests.conftest import PG_URL

pytestmark = pytest.mark.postgres


@contextlib.asynccontextmanager
async def zh_collated_database(_pg_reason: str | None) -> AsyncIterator[str]:
    """A scratch database created as a Chinese deployment would be (ICU zh-Hans-CN)."""
    if _pg_reason:
        pytest.skip(_pg_reason)
    admin = create_engine(PG_URL)
    name = f"yishi_zh_{uuid.uuid4().hex[:10]}"
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            text(
                f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
                "ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'"
            )
        )
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_the_notice_count_is_served_by_an_index_under_a_chinese_collation(
    _pg_reason: str | None,
) -> None:
    async with zh_collated_database(_pg_reason) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with engine.begin() as conn:
                provider = await conn.execute(
                    text(
                        "SELECT datlocprovider::text, daticulocale FROM pg_database "
                        "WHERE datname = current_database()"
                    )
                )
                assert provider.one() == ("i", "zh-Hans-CN")
                # An outbox of 100 meetings' notices, 200 pushes each: 20,000 rows.
                await conn.execute(
                    text(
                        "INSERT INTO pushes (dedupe_key, platform, chat_id, payload, status, "
                        "attempts, created_at, next_attempt_at) "
                        "SELECT 'meeting.announced:M2026' || lpad((i / 200)::text, 3, '0') "
                        "|| ':person:' || i, 'web', 'c' || i, '{}', 'sent', 1, now(), now() "
                        "FROM generate_series(1, 20000) AS i"
                    )
                )
                await conn.execute(text("ANALYZE pushes"))
            statements: list[tuple[str, Any]] = []

            def keep(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
                if "dedupe_key" in statement:
                    statements.append((statement, params))

            event.listen(engine.sync_engine, "before_cursor_execute", keep)
            uowf = UnitOfWorkFactory(session_factory(engine))
            async with uowf() as uow:
                reach = await uow.get(NoticeReachRepository).counts(["meeting.announced:M2026042:"])
            assert reach.groups == 200  # the pushes of that one meeting (no register here)
            [(statement, params)] = statements
            async with engine.connect() as conn:
                plan = await conn.exec_driver_sql(f"EXPLAIN {statement}", params)
                lines = [row[0] for row in plan.all()]
            shown = "\n".join(lines)
            assert "ix_pushes_dedupe_key_pattern" in shown, shown
            assert "Seq Scan on pushes" not in shown, shown
        finally:
            await engine.dispose()
