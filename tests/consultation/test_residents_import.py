"""A register as offices really send it: duplicates and over-long fields reported per
line, the same on SQLite and PostgreSQL; GBK and UTF-8 (with or without BOM) read."""

from __future__ import annotations

import codecs
import io
from collections.abc import AsyncIterator

import pytest

from consultation.residents import (
    MAX_LENGTHS,
    RegisterEncodingError,
    decode_register,
    import_residents,
)
from storage.engine import create_engine, session_factory
from storage.unit_of_work import UnitOfWorkFactory

HEADER = "name,phone,building,unit,room,household,grid,grid_name,verified,roles,department\n"


@pytest.fixture
async def units(db_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(db_url)
    factory = UnitOfWorkFactory(session_factory(engine))
    yield factory
    factory.close()
    await engine.dispose()


async def test_over_long_fields_are_refused_alike_on_both_databases(
    units: UnitOfWorkFactory,
) -> None:
    """PostgreSQL enforces VARCHAR lengths, SQLite does not: the register is checked
    first, so both keep and refuse the same rows, each field named."""
    register = HEADER
    register += "张三,,1号楼,1单元,101,,G01,第一网格,是,,\n"  # line 2: fine
    register += f"李四,,{'楼' * 65},1单元,102,,,,是,,\n"  # line 3: building
    register += f"王五,,1号楼,1单元,{'1' * 17},,,,是,,\n"  # line 4: room
    register += f"赵六,,1号楼,1单元,103,,{'G' * 33},{'网' * 65},是,,\n"  # line 5: two
    register += f"钱七,,1号楼,1单元,104,,,,是,department,{'部' * 65}\n"  # line 6
    register += f"孙八,,{'楼' * 40},{'单' * 12},{'室' * 14},,,,是,,\n"  # line 7: household
    report = await import_residents(units, io.StringIO(register))
    assert (report.imported, report.updated) == (1, 0)
    assert dict(report.errors) == {
        3: "楼栋 building 过长（65 字，最多 64 字）",
        4: "房号 room 过长（17 字，最多 16 字）",
        5: "网格编号 grid 过长（33 字，最多 32 字）；网格名称 grid_name 过长（65 字，最多 64 字）",
        6: "部门 department 过长（65 字，最多 64 字）",
        7: "户号 household 过长（由楼栋、单元、房号拼成 68 字，最多 64 字）："
        "请填写较短的 household",
    }
    assert not any("DBAPIError" in reason or "保存失败" in reason for _, reason in report.errors)
    async with units() as uow:
        assert await uow.residents.count() == 1


async def test_the_longest_allowed_values_are_kept_on_both_databases(
    units: UnitOfWorkFactory,
) -> None:
    name, building = "名" * MAX_LENGTHS["name"], "楼" * MAX_LENGTHS["building"]
    unit, room = "单" * MAX_LENGTHS["unit"], "室" * MAX_LENGTHS["room"]
    grid, grid_name = "G" * MAX_LENGTHS["grid"], "网" * MAX_LENGTHS["grid_name"]
    household = "户" * MAX_LENGTHS["household"]
    row = f"{name},,{building},{unit},{room},{household},{grid},{grid_name},是,,\n"
    report = await import_residents(units, io.StringIO(HEADER + row))
    assert (report.imported, report.errors) == (1, [])


async def test_duplicate_rows_are_reported_with_the_line_that_stands(
    units: UnitOfWorkFactory,
) -> None:
    register = HEADER
    register += "张三,13800000001,1号楼,1单元,101,,,,是,,\n"  # line 2
    register += "李四,13800000002,1号楼,1单元,102,,,,是,,\n"  # line 3
    register += "张三,13800000001,1号楼,1单元,101,,,,是,,\n"  # line 4: the same again
    register += "张三,13900000000,1号楼,1单元,101,,,,否,,\n"  # line 5: same person, changed
    register += "张三,13800000001,1号楼,2单元,101,,,,是,,\n"  # line 6: another 张三
    report = await import_residents(units, io.StringIO(register))
    assert (report.imported, report.updated) == (3, 0)
    assert report.errors == [
        (4, "与第 2 行是同一位居民（张三，1号楼1单元101）：内容相同，本行未导入"),
        (
            5,
            "与第 2 行是同一位居民（张三，1号楼1单元101）：内容不同，请核对后单独导入，本行未导入",
        ),
    ]
    async with units() as uow:
        assert await uow.residents.count() == 3
        first = await uow.residents.get(1)
    assert first is not None and first.phone == "13800000001" and first.verified


def test_encodings_chinese_offices_use() -> None:
    text = HEADER + "张三,,1号楼,1单元,101,,,,是,,\n"
    assert decode_register(text.encode("utf-8")) == text
    assert decode_register(codecs.BOM_UTF8 + text.encode("utf-8")) == text
    assert decode_register(text.encode("gbk")) == text
    rare = HEADER + "㐀䶮,,1号楼,,,,,,是,,\n"  # outside GBK: GB18030 only
    assert decode_register(rare.encode("gb18030")) == rare


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04rest-of-a-zip", "Excel 工作簿"),
        (codecs.BOM_UTF16_LE + "name".encode("utf-16-le"), "UTF-16"),
        (b"name,building\n\x80\xff\xfe\n", "第 2 行"),
    ],
)
def test_files_that_are_no_register_say_what_to_do(data: bytes, says: str) -> None:
    with pytest.raises(RegisterEncodingError, match=says):
        decode_register(data)
