"""A real deployment's first moderator: imported with roles=moderator, given a bind code by
``yishi residents bind-code``, bound from their own account, and then a moderator."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import Yishi
from kernel.intents import KeywordClassifier
from kernel.messages import ChatType, Inbound
from storage.types import utcnow
from tests.cli_runner import yishi
from tests.conftest import make_settings

REGISTER = (
    "name,phone,building,unit,room,grid,grid_name,verified,roles\n"
    "李书记,13800000009,社区服务中心,,,G01,第一网格,是,moderator\n"
    "张三,13800000001,1号楼,1单元,101,G01,第一网格,是,\n"
    "王芳,13800000002,1号楼,1单元,102,G01,第一网格,是,\n"
    "王芳,13800000003,2号楼,1单元,102,G01,第一网格,是,\n"
)


async def test_first_moderator_is_imported_given_a_code_and_binds(tmp_path: Path) -> None:
    (tmp_path / "register.csv").write_text(REGISTER, encoding="utf-8")
    assert yishi("residents", "import", "register.csv", cwd=tmp_path).returncode == 0
    issued = yishi("residents", "bind-code", "李书记", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    found = re.search(r"绑定 (\d{8})", issued.stdout)
    assert found and "李书记" in issued.stdout and "24 hours" in issued.stdout
    assert found.group(1) not in issued.stderr, "the code is printed, not logged"
    code = found.group(1)

    missing = yishi("residents", "bind-code", "赵六", cwd=tmp_path)
    assert missing.returncode == 1 and "no resident named '赵六'" in missing.stderr
    twins = yishi("residents", "bind-code", "王芳", cwd=tmp_path)
    assert twins.returncode == 1 and "2 residents are named '王芳'" in twins.stderr
    assert re.search(r"#\d+, #\d+", twins.stderr)

    # The moderator opens the web chat (a new browser identity) and sends the code.
    bot = Yishi(make_settings(f"sqlite:///{tmp_path / 'yishi.db'}"), classifier=KeywordClassifier())
    ids = iter(range(100))
    try:

        async def say(text: str) -> str:
            message = Inbound(
                platform="web",
                chat_id="browser-7f3a",
                chat_type=ChatType.PRIVATE,
                sender_id="browser-7f3a",
                message_id=f"m{next(ids)}",
                text=text,
                sent_at=utcnow(),
            )
            return "\n".join(r.text for r in await bot.router.handle(message))

        assert "需要社区工作者身份" in await say("生成绑定码 张三"), "not before binding"
        assert "绑定成功！您好，李书记" in await say(f"绑定 {code}")
        assert re.search(r"张三的绑定码：\d{8}", await say("生成绑定码 张三"))
        async with bot.uow() as uow:
            issued_by = [
                e.actor
                for e in await uow.audit.for_entity("resident", "1")
                if e.action == "bind_code_issued"
            ]
        assert len(issued_by) == 1 and issued_by[0].startswith("cli:")
    finally:
        await bot.stop()
