"""Residents register: parsing rules and loading (good rows kept, bad rows reported)."""

from __future__ import annotations

import io

import pytest

from consultation.residents import RowError, import_residents, mask_phone, parse_row
from consultation.roles import Role
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "861******5678"),
        ("12345", "*****"),
        (None, None),
        ("", None),
    ],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_parse_row_fills_household_and_roles() -> None:
    row = parse_row(
        {
            "name": " 王五 ",
            "building": "3号楼",
            "unit": "2单元",
            "room": "301",
            "roles": "grid_worker;committee",
            "grid": "G01",
            "verified": "是",
        }
    )
    assert row.name == "王五" and row.household == "3号楼-2单元-301"
    assert row.roles == (Role.GRID_WORKER, Role.COMMITTEE) and row.verified


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"name": "", "building": "1号楼"}, "name"),
        ({"name": "甲", "building": ""}, "building"),
        ({"name": "甲", "building": "1号楼", "phone": "abc"}, "phone"),
        ({"name": "甲", "building": "1号楼", "verified": "maybe"}, "verified"),
        ({"name": "甲", "building": "1号楼", "roles": "king"}, "未知角色"),
        ({"name": "甲", "building": "1号楼", "roles": "grid_worker"}, "grid"),
    ],
)
def test_bad_rows_say_why(raw: dict[str, str | None], reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        parse_row(raw)


async def test_import_keeps_good_rows_and_reports_bad_lines(db_url: str) -> None:
    register = (
        "name,phone,building,unit,room,grid,grid_name,verified,roles\n"
        "张三,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"
        ",13800000002,1号楼,1单元,102,G01,第一网格,是,\n"  # line 3: no name
        "李四,13800000003,9号楼,2单元,201,G02,第二网格,否,\n"
        "王五,not-a-phone,1号楼,1单元,103,G01,第一网格,是,\n"  # line 5
        "赵六,13800000005,2号楼,1单元,501,G01,第一网格,是,grid_worker\n"
    )
    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        report = await import_residents(factory, io.StringIO(register))
        assert (report.imported, report.updated) == (3, 0)
        assert [line for line, _ in report.errors] == [3, 5]
        again = await import_residents(factory, io.StringIO(register))
        assert (again.imported, again.updated) == (0, 3), "re-import updates, never duplicates"
        async with factory() as uow:
            assert await uow.residents.count() == 3
            workers = await uow.residents.with_role("grid_worker")
            grid = await uow.residents.grid_by_code("G01")
            nine = await uow.residents.building_by_name("9号楼")
        assert [w.name for w in workers] == ["赵六"]
        assert [w.phone_masked for w in workers] == ["138****0005"]
        assert grid is not None and nine is not None and nine.grid_id != grid.id
    finally:
        await engine.dispose()


async def test_import_without_required_header_is_refused(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        report = await import_residents(
            UnitOfWorkFactory(session_factory(engine)), io.StringIO("foo,bar\n1,2\n")
        )
    finally:
        await engine.dispose()
    assert report.imported == 0 and report.errors[0][0] == 1


async def test_import_registers_department_contacts(sqlite_url: str) -> None:
    """The optional department column names whom escalations to that department reach;
    naming a department makes the person a department contact even without the role."""
    from storage.tickets import DepartmentRepository

    register = (
        "name,building,roles,department\n"
        "孙科长,街道办事处,department,街道环卫所\n"
        "周主任,街道办事处,,街道城建办\n"
        "吴科员,街道办事处,department,\n"
    )
    engine = create_engine(sqlite_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        report = await import_residents(factory, io.StringIO(register))
        assert (report.imported, report.errors) == (3, [])
        await import_residents(factory, io.StringIO(register))  # again: no duplicates
        async with factory() as uow:
            departments = uow.get(DepartmentRepository)
            sanitation = await departments.members("街道环卫所")
            building = await departments.members("街道城建办")
            contacts = {p.name for p in await uow.residents.with_role(Role.DEPARTMENT.value)}
            names = {p.id: p.name for p in await uow.residents.with_role("department")}
        assert [names[i] for i in sanitation] == ["孙科长"]
        assert [names[i] for i in building] == ["周主任"]
        assert contacts == {"孙科长", "周主任", "吴科员"}
    finally:
        await engine.dispose()


def test_parse_row_refuses_an_overlong_department() -> None:
    with pytest.raises(RowError, match="department"):
        parse_row({"name": "孙", "building": "1号楼", "department": "部" * 65})
