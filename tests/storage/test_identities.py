"""A first contact becomes an unbound identity once; a known identity is never touched."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import PlatformIdentity
from storage.unit_of_work import UnitOfWork, UnitOfWorkFactory


@pytest.fixture
def factory(seeded: UnitOfWorkFactory) -> UnitOfWorkFactory:
    return seeded


async def _web_identities(uow: UnitOfWork) -> dict[str, PlatformIdentity]:
    rows = await uow.session.exec(
        select(PlatformIdentity).where(PlatformIdentity.platform == "web")
    )
    return {i.platform_user_id: i for i in rows.all()}


async def test_introduce_records_a_newcomer_once(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.identities.introduce("web", "newcomer", "新来的" * 30)
        await uow.identities.introduce("web", "newcomer", "别的名字")
    async with factory() as uow:
        found = (await _web_identities(uow))["newcomer"]
        count = len(
            (
                await uow.session.exec(
                    select(PlatformIdentity.id).where(
                        PlatformIdentity.platform_user_id == "newcomer"
                    )
                )
            ).all()
        )
    assert count == 1
    assert found.resident_id is None
    assert found.display_name == ("新来的" * 30)[:64], "the first name, cut to the column"


async def test_introduce_leaves_a_bound_identity_alone(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        before = await _web_identities(uow)
        await uow.identities.introduce("web", "zhang", "冒名的")
    async with factory() as uow:
        after = await _web_identities(uow)
    assert after["zhang"].resident_id == before["zhang"].resident_id is not None
    assert after["zhang"].display_name == before["zhang"].display_name
