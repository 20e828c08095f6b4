"""The community teaches the bot, end to end: a message it didn't understand is kept, a
moderator labels it in chat, ``yishi nlu train`` retrains, and ``yishi run`` (the same
config) now understands the very message.

``yishi nlu train`` runs as its own process on the real database and config; to keep the
test short it trains on a sixth of the shipped corpus (the command is otherwise unchanged).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.app import Yishi
from bot.config import load_settings
from bot.demo import seed_demo
from bot.nlu_training import place_words
from storage.nlu_samples import NluSampleRepository
from tests.conftest import Clock
from tests.kit import say

ROOT = Path(__file__).resolve().parents[2]
LOCAL_WORD = "我要吹哨"  # 社区吹哨、部门报到: this community's way to say "report this"

_TRAIN = """
import sys
import nlu.cli
full = nlu.cli.shipped_training
nlu.cli.shipped_training = lambda: full()[::6]
from bot.cli import main
sys.argv = ["yishi", "nlu", "train", "--config", sys.argv[1]]
main()
"""


def _config(tmp_path: Path, sqlite_url: str) -> Path:
    config = tmp_path / "yishi.toml"
    config.write_text(
        f"""
[storage]
url = "{sqlite_url}"

[web]
demo_personas = true

[log]
format = "text"

[nlu]
model_path = "{tmp_path / "community-nlu.json"}"
places = ["幸福里"]
property_company = "万家物业"
""",
        encoding="utf-8",
    )
    return config


def test_an_unrecognised_message_is_understood_after_a_label_and_a_retrain(
    tmp_path: Path, sqlite_url: str
) -> None:
    config = _config(tmp_path, sqlite_url)
    settings = load_settings(config)
    model_path = Path(settings.nlu.model_path)

    async def before() -> None:
        bot = Yishi(settings, clock=Clock())  # the classifier yishi run would load
        try:
            await seed_demo(bot.uow)
            [reply] = await say(bot, LOCAL_WORD)
            assert "我想确认一下" in reply.text or "没太明白" in reply.text, reply.text
            [listing] = await say(bot, "待标注", sender="li")
            number = re.search(rf"#(\d+) {LOCAL_WORD}", listing.text)
            assert number, listing.text
            [done] = await say(bot, f"标注 {number.group(1)} 反映问题", sender="li")
            assert "反映问题" in done.text
        finally:
            await bot.stop()

    asyncio.run(before())
    assert not model_path.exists()

    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    out = subprocess.run(
        [sys.executable, "-c", _TRAIN, str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = out.stdout
    assert "community labels: 1 (report_issue 1)" in printed
    assert "community words: 4 (company 1, place 3)" in printed  # 幸福里 + two buildings
    assert re.search(r"accuracy before: 0\.\d{4} \(.*intent_model\.json\)", printed), printed
    assert re.search(rf"accuracy after:  0\.\d{{4}} \({re.escape(str(model_path))}\)", printed)
    assert "community labels understood: before 0/1, after 1/1" in printed
    assert model_path.exists()

    async def after() -> None:
        bot = Yishi(settings, clock=Clock())  # yishi run, restarted: the community's model
        try:
            await say(bot, LOCAL_WORD, sender="liu")
            async with bot.uow() as uow:
                state = await uow.conversations.get("web", "liu", "liu", bot.clock())
                kept = await uow.get(NluSampleRepository).unlabelled()
            assert state is not None and state.flow == "report", "now understood as a report"
            assert [s.text for s in kept] == [], "and not kept again"
        finally:
            await bot.stop()

    asyncio.run(after())


def test_building_names_become_place_words() -> None:
    assert place_words(["金桂苑1栋", "金桂苑2栋", "3号楼", "紫荆园12幢", "东区A座"]) == {
        "金桂苑": "place",
        "紫荆园": "place",
        "东区": "place",
    }
