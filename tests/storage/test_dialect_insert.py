"""The dialect's INSERT … ON CONFLICT DO NOTHING that the hot path's statements share."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from storage.models import InboundMessage
from storage.platforms import SignatureNonce
from storage.repository import dialect_insert, insert_or_nothing

DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_insert_or_nothing_returns_the_new_rows_id_only(name: str) -> None:
    stmt = insert_or_nothing(
        name, SignatureNonce, ("platform", "stamp", "nonce"), col(SignatureNonce.id)
    )
    sql = " ".join(str(stmt.compile(dialect=DIALECTS[name])).split())
    assert "ON CONFLICT (platform, stamp, nonce) DO NOTHING RETURNING" in sql
    assert sql.endswith(("RETURNING id", "RETURNING platform_nonces.id"))


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_insert_or_nothing_without_returning(name: str) -> None:
    stmt = insert_or_nothing(name, InboundMessage, ("platform", "sender_id"))
    sql = " ".join(str(stmt.compile(dialect=DIALECTS[name])).split())
    assert sql.endswith("ON CONFLICT (platform, sender_id) DO NOTHING")


def test_dialect_insert_is_the_dialects_own() -> None:
    assert type(dialect_insert("postgresql", InboundMessage)).__module__.startswith(
        "sqlalchemy.dialects.postgresql"
    )
    assert type(dialect_insert("sqlite", InboundMessage)).__module__.startswith(
        "sqlalchemy.dialects.sqlite"
    )
