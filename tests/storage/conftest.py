"""Fixtures shared by the storage tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.demo import seed_demo
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory


@pytest.fixture
async def seeded(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on the demo community, on each database in turn."""
    engine = create_engine(db_url)
    made = UnitOfWorkFactory(session_factory(engine))
    await seed_demo(made)
    yield made
    made.close()
    await engine.dispose()
