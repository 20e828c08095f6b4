"""The ``yishi`` command line as an operator runs it: real processes, real files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_runner import yishi

REGISTER = (
    "name,phone,building,unit,room,grid,grid_name,verified,roles\n"
    "张三,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"
    "坏行,12,1号楼,1单元,102,G01,第一网格,是,\n"
    "李四,13800000003,2号楼,2单元,201,G01,第一网格,否,moderator\n"
)


def test_db_upgrade_creates_yishi_db_in_the_working_directory(tmp_path: Path) -> None:
    result = yishi("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    assert (tmp_path / "yishi.db").exists()


def test_residents_import_then_export_masks_phones(tmp_path: Path) -> None:
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    imported = yishi("residents", "import", "register.csv", cwd=tmp_path)
    assert imported.returncode == 1, "a rejected row makes the exit status non-zero"
    assert "register.csv:3: phone" in imported.stderr
    assert "imported 2, updated 0, rejected 1" in imported.stdout

    exported = yishi("export", "residents", cwd=tmp_path)
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["name"] for r in rows] == ["张三", "李四"]
    assert [r["phone"] for r in rows] == ["138****0001", "138****0003"]
    assert "13800000001" not in exported.stdout

    as_csv = yishi("export", "residents", "--format", "csv", cwd=tmp_path)
    assert as_csv.stdout.splitlines()[0].startswith("id,name,phone,building")


def test_unknown_export_kind_is_refused(tmp_path: Path) -> None:
    result = yishi("export", "gossip", cwd=tmp_path)
    assert result.returncode == 2 and "unknown export kind 'gossip'" in result.stderr


def test_nlu_prints_one_json_object_per_line(tmp_path: Path) -> None:
    result = yishi("nlu", cwd=tmp_path, stdin="帮助\n\n3号楼楼道灯坏了\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(x) for x in lines] == [{"text", "intent", "confidence", "slots"}] * 3
    assert lines[0]["intent"] == "help" and lines[2]["intent"] == "report_issue"
    assert lines[2]["slots"]["building"] == "3", "the trained model and its slots are used"
