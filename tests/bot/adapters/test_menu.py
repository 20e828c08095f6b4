"""The custom menu (bot/adapters/menu.py): configured and checked, published with
``yishi wechat|wecom menu``, and a tap answered as its words typed — against the
loopback stand-in for WeChat and WeCom, with signed and encrypted callbacks."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient

from bot.adapters.menu import DEFAULT_MENU, DEFAULT_STAFF_MENU, create_body, menu_key, menu_keys
from bot.adapters.outbound import HttpClient
from bot.adapters.port import PlatformStore
from bot.adapters.wechat.api import WechatApi, WechatApiError
from bot.app import Yishi, build_web_app, build_yishi
from bot.config import ConfigError, load_settings
from bot.demo import seed_consultation_demo, seed_demo
from kernel.intents import KeywordClassifier
from kernel.texts import t
from tests.bot.adapters.callbacks_support import call, code_for, inbound_count, post, read
from tests.bot.adapters.conftest import LiveClock, wechat_settings, wecom_settings
from tests.bot.adapters.fakes.wechat_server import FakeWechat
from tests.bot.adapters.webchat import ClientFactory
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[3]
QUIZ = "我想确认一下"


Bot = tuple[Yishi, TestClient[Any, Any]]


@pytest.fixture
async def served(sqlite_url: str, fake: FakeWechat, aiohttp_client: ClientFactory) -> Bot:
    """The demo community with WeChat and WeCom on, each with its default menu."""
    settings = make_settings(
        sqlite_url,
        wechat=wechat_settings(fake),
        wecom=wecom_settings(fake),
    )
    clock = LiveClock()
    bot = build_yishi(settings, classifier=KeywordClassifier(), clock=clock)
    await seed_demo(bot.uow)
    rules = settings.consultation.rules()
    assert await seed_consultation_demo(bot.uow, rules, settings.zone, clock()) is not None
    return bot, await aiohttp_client(build_web_app(bot))


class Wechat:
    """One WeChat user's messages and taps, as WeChat delivers them (safe mode)."""

    ids = iter(range(10_000, 1_000_000))

    def __init__(self, client: TestClient[Any, Any], fake: FakeWechat, openid: str) -> None:
        self.client, self.fake, self.openid = client, fake, openid

    async def _send(self, fields: dict[str, Any]) -> str:
        status, body, query = await call(self.client, self.fake, fields)
        assert status == 200, body
        return self.fake.read_reply(body, query)["Content"]

    async def says(self, text: str) -> str:
        return await self._send(self.fake.text(self.openid, text, next(self.ids)))

    async def taps(self, key: str) -> str:
        event = self.fake.event(self.openid, "CLICK", next(self.ids), EventKey=key)
        return await self._send(event)


class Wecom:
    """One WeCom user's messages and taps on the app's menu."""

    ids = iter(range(10_000, 1_000_000))

    def __init__(self, client: TestClient[Any, Any], fake: FakeWechat, user: str) -> None:
        self.client, self.fake, self.user = client, fake, user

    async def _send(self, fields: dict[str, Any]) -> str:
        base = {
            "ToUserName": self.fake.corp_id,
            "FromUserName": self.user,
            "AgentID": self.fake.agent_id,
        }
        status, body = await post(self.client, self.fake, {**base, **fields})
        assert status == 200, body
        return read(self.fake, body)["Content"]

    async def says(self, text: str) -> str:
        return await self._send(self.fake.wecom_text(self.user, text, next(self.ids)))

    async def taps(self, key: str) -> str:
        return await self._send(
            {"CreateTime": next(self.ids), "MsgType": "event", "Event": "click", "EventKey": key}
        )


Person = TypeVar("Person", Wechat, Wecom)


async def bound(person: Person, bot: Yishi, name: str) -> Person:
    """``person`` once bound to the demo resident ``name`` with a moderator's code."""
    assert "绑定成功" in await person.says(f"绑定 {await code_for(bot, name)}")
    return person


# -- the model ----------------------------------------------------------------------------


def test_keys_are_stable_short_and_one_per_text() -> None:
    keys = menu_keys(DEFAULT_MENU)
    assert sorted(keys.values()) == sorted(
        ["我要反映问题", "我的诉求", "议事日安排", "报名", "我要提议题"]
    )
    for key, send in keys.items():
        assert key.startswith("menu:") and len(key.encode()) <= 128
        assert menu_key(send) == key, "the same text always makes the same key"
    assert menu_key("我的诉求") != menu_key("我的诉求 ")


def test_a_page_given_as_a_path_is_linked_on_public_url_or_left_out() -> None:
    linked, none_left = create_body(DEFAULT_MENU, "https://yishi.example.org/")
    assert none_left == []
    [_, _, day] = linked["button"]
    assert day["name"] == "议事日" and len(day["sub_button"]) == 4
    assert day["sub_button"][3] == {
        "type": "view",
        "name": "居务公开",
        "url": "https://yishi.example.org/public/",
    }
    assert linked["button"][0] == {
        "type": "click",
        "name": "反映问题",
        "key": menu_key("我要反映问题"),
    }
    bare, left_out = create_body(DEFAULT_MENU, "")
    assert [b["name"] for b in bare["button"][2]["sub_button"]] == [
        "议事日时间",
        "我要报名",
        "提议题",
    ]
    assert left_out == ["居务公开 (/public/): set [web] public_url to link it"]


def test_the_example_config_carries_the_default_menus() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.wechat.menu == DEFAULT_MENU
    assert settings.wecom.menu == DEFAULT_STAFF_MENU


def _menu_toml(*entries: str) -> str:
    return "[wechat]\n" + "".join(f"[[wechat.menu]]\n{e}\n" for e in entries)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _menu_toml('name = "反映问题啦"\nsend = "我要反映问题"'),
            "config error: wechat.menu.0.name: '反映问题啦' is too long for the menu: "
            "at most 4 Chinese characters",
        ),
        (
            _menu_toml('name = "议事日"\nsub = [{name = "协商议事日时间安排", send = "议事日"}]'),
            "wechat.menu.0.sub.0.name: '协商议事日时间安排' is too long for the menu: at most 8",
        ),
        (
            _menu_toml(*['name = "帮助"\nsend = "帮助"'] * 4),
            "wechat.menu: at most 3 buttons, not 4",
        ),
        (
            _menu_toml(
                'name = "议事日"\nsub = [' + ", ".join(['{name = "a", send = "b"}'] * 6) + "]"
            ),
            "wechat.menu.0.sub: Tuple should have at most 5 items",
        ),
        (
            _menu_toml('name = "帮助"'),
            "needs exactly one of send (the text a tap sends), url, or sub",
        ),
        (_menu_toml('name = "帮助"\nsend = "帮助"\nurl = "/public/"'), "needs exactly one of"),
        (_menu_toml('name = "公开"\nurl = "ftp://x"'), "wechat.menu.0.url: must be an http(s)://"),
        (
            '[wecom]\n[[wecom.menu]]\nname = "a"\nsub = [{name = "b", sub = []}]\n',
            "config error: wecom.menu.0.sub.0.sub: unknown key",
        ),
    ],
)
def test_a_menu_the_platform_would_refuse_stops_start_up_with_one_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "yishi.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert expected in str(info.value)
    assert str(info.value).count("\n") == 0


# -- the stand-in checks as WeChat does -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        ({"button": []}, 40016),
        ({"button": [{"type": "click", "name": "a", "key": "k"}] * 4}, 40016),
        ({"button": [{"type": "music", "name": "a", "key": "k"}]}, 40017),
        ({"button": [{"type": "click", "name": "反映问题反映问题", "key": "k"}]}, 40018),
        ({"button": [{"type": "click", "name": "a", "key": "k" * 129}]}, 40019),
        ({"button": [{"type": "view", "name": "a", "url": "/public/"}]}, 40055),
        ({"button": [{"name": "a", "sub_button": []}]}, 40023),
        (
            {
                "button": [
                    {"name": "a", "sub_button": [{"type": "click", "name": "b", "key": "k"}] * 6}
                ]
            },
            40023,
        ),
        (
            {"button": [{"name": "a", "sub_button": [{"type": "x", "name": "b", "key": "k"}]}]},
            40024,
        ),
        (
            {
                "button": [
                    {"name": "a", "sub_button": [{"type": "click", "name": "议" * 21, "key": "k"}]}
                ]
            },
            40025,
        ),
        (
            {"button": [{"name": "a", "sub_button": [{"type": "click", "name": "b", "key": ""}]}]},
            40026,
        ),
    ],
)
async def test_the_stand_in_refuses_a_menu_as_wechat_does(
    sqlite_url: str, fake: FakeWechat, body: dict[str, Any], errcode: int
) -> None:
    bot = build_yishi(make_settings(sqlite_url), classifier=KeywordClassifier())
    http = HttpClient()
    api = WechatApi(
        http,
        PlatformStore(bot.uow),
        base_url=fake.url,
        app_id=fake.app_id,
        app_secret=fake.app_secret,
        clock=bot.clock,
    )
    try:
        with pytest.raises(WechatApiError) as info:
            await api.create_menu(body)
        assert info.value.errcode == errcode
        assert fake.menus.wechat is None
        good, _ = create_body(DEFAULT_MENU, "https://yishi.example.org")
        await api.create_menu(good)
        assert await api.current_menu() == good
    finally:
        await http.close()


# -- a tap is its words typed -------------------------------------------------------------


async def test_a_tap_on_each_wechat_entry_is_answered_as_its_words_typed(
    served: Bot, fake: FakeWechat
) -> None:
    _bot, client = served
    for n, (key, send) in enumerate(menu_keys(DEFAULT_MENU).items()):
        typed = await Wechat(client, fake, f"oTyped{n}").says(send)
        tapped = await Wechat(client, fake, f"oTapped{n}").taps(key)
        assert tapped == typed, send
        assert QUIZ not in tapped and tapped != t("menu.unknown"), send


async def test_a_verified_resident_reports_signs_up_and_proposes_by_taps(
    served: Bot, fake: FakeWechat
) -> None:
    bot, client = served
    zhang = await bound(Wechat(client, fake, "oZhang"), bot, "张阿姨")
    keys = {send: key for key, send in menu_keys(DEFAULT_MENU).items()}
    assert await zhang.taps(keys["我要反映问题"]) == t("ticket.ask_description")
    assert "取消" in await zhang.says("取消")
    day = await zhang.taps(keys["议事日安排"])
    assert "M20" in day and "议事" in day
    assert "报名成功" in await zhang.taps(keys["报名"])
    assert await zhang.taps(keys["我要提议题"]) == t("topic.ask")
    assert "取消" in await zhang.says("取消")
    assert await zhang.taps(keys["我的诉求"]) == await zhang.says("我的诉求")


async def test_an_unknown_wechat_key_points_at_the_menu_and_keeps_nothing(
    served: Bot, fake: FakeWechat
) -> None:
    bot, client = served
    before = await inbound_count(bot)
    # wechatpy's sample key, an old menu's key, and a command sent as a raw key.
    for key in ("V1001_TODAY_MUSIC", "menu:0123456789abcdef", "帮助"):
        answer = await Wechat(client, fake, "oOldMenu").taps(key)
        assert answer == t("menu.unknown")
        assert QUIZ not in answer
    assert await inbound_count(bot) == before


async def test_a_tap_on_each_wecom_entry_is_answered_as_its_words_typed(
    served: Bot, fake: FakeWechat
) -> None:
    bot, client = served
    wang = await bound(Wecom(client, fake, "WangWu"), bot, "王网格员")
    for n, (key, send) in enumerate(menu_keys(DEFAULT_STAFF_MENU).items()):
        stranger_typed = await Wecom(client, fake, f"Typed{n}").says(send)
        stranger_tapped = await Wecom(client, fake, f"Tapped{n}").taps(key)
        assert stranger_tapped == stranger_typed, send
        if send != "工作台":  # a one-time link: another each time
            assert await wang.taps(key) == await wang.says(send), send
    assert await Wecom(client, fake, "WangWu").taps("V1001_TODAY_MUSIC") == t("menu.unknown")


# -- yishi wechat|wecom menu publish|show -------------------------------------------------


async def yishi_async(*args: str, cwd: Path) -> tuple[int, str, str]:
    """``yishi`` as a subprocess while this test's loop serves the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YISHI_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env=env | {"YISHI_LOG__FORMAT": "text"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _config(tmp_path: Path, sqlite_url: str, fake: FakeWechat, **wechat: str) -> str:
    creds = {"app_id": fake.app_id, "app_secret": fake.app_secret, **wechat}
    lines = "\n".join(f'{k} = "{v}"' for k, v in creds.items())
    path = tmp_path / "yishi.toml"
    path.write_text(
        f'[storage]\nurl = "{sqlite_url}"\n'
        '[web]\npublic_url = "https://yishi.example.org"\n'
        f'[wechat]\napi_base_url = "{fake.url}"\n{lines}\n'
        f'[wecom]\napi_base_url = "{fake.url}"\ncorp_id = "{fake.corp_id}"\n'
        f'secret = "{fake.corp_secret}"\nagent_id = {fake.agent_id}\n',
        encoding="utf-8",
    )
    return str(path)


async def test_publish_then_show_the_wechat_menu(
    tmp_path: Path, sqlite_url: str, fake: FakeWechat
) -> None:
    config = _config(tmp_path, sqlite_url, fake)
    code, out, _ = await yishi_async("wechat", "menu", "show", "--config", config, cwd=tmp_path)
    assert code == 1
    assert "(no menu)" in out and "differs from the configuration" in out
    assert "publish it with: yishi wechat menu publish" in out

    code, out, err = await yishi_async(
        "wechat", "menu", "publish", "--config", config, cwd=tmp_path
    )
    assert code == 0, err
    assert "published to WeChat: 3 buttons" in out
    assert "反映问题 → sends “我要反映问题”" in out
    assert "议事日时间 → sends “议事日安排”" in out
    assert "居务公开 → opens https://yishi.example.org/public/" in out
    assert out.rstrip().endswith("matches the configuration")
    assert fake.menus.wechat == create_body(DEFAULT_MENU, "https://yishi.example.org")[0]

    # Someone changes it in WeChat's own backend: show says so, and what was meant.
    fake.menus.wechat = {
        "button": [
            {"type": "click", "name": "今日歌曲", "key": "V1001_TODAY_MUSIC"},
            {"type": "text", "name": "联系我们", "value": "电话 0551-6288 0000"},
        ]
    }
    code, out, _ = await yishi_async("wechat", "menu", "show", "--config", config, cwd=tmp_path)
    assert code == 1
    assert "今日歌曲 → key V1001_TODAY_MUSIC (not in the configuration)" in out
    assert "联系我们 → text (not in the configuration)" in out
    assert "反映问题 → sends “我要反映问题”" in out


async def test_publish_then_show_the_wecom_menu(
    tmp_path: Path, sqlite_url: str, fake: FakeWechat
) -> None:
    config = _config(tmp_path, sqlite_url, fake)
    code, out, _ = await yishi_async("wecom", "menu", "show", "--config", config, cwd=tmp_path)
    assert code == 1 and "(no menu)" in out
    code, out, err = await yishi_async("wecom", "menu", "publish", "--config", config, cwd=tmp_path)
    assert code == 0, err
    assert "我的任务 → sends “我的任务”" in out and "matches the configuration" in out
    assert fake.menus.wecom[str(fake.agent_id)] == create_body(DEFAULT_STAFF_MENU, "")[0]
    assert fake.menus.wechat is None
    code, out, _ = await yishi_async("wecom", "menu", "show", "--config", config, cwd=tmp_path)
    assert code == 0 and "matches the configuration" in out


async def test_a_refusal_or_missing_credentials_is_one_line(
    tmp_path: Path, sqlite_url: str, fake: FakeWechat
) -> None:
    config = _config(tmp_path, sqlite_url, fake, app_secret="wrong")
    code, out, err = await yishi_async(
        "wechat", "menu", "publish", "--config", config, cwd=tmp_path
    )
    assert code == 1 and out == ""
    assert err.strip() == "WeChat refused: errcode 40001: invalid credential"
    config = _config(tmp_path, sqlite_url, fake, app_id="", app_secret="")
    code, _, err = await yishi_async("wechat", "menu", "show", "--config", config, cwd=tmp_path)
    assert code == 2
    assert (
        err.strip() == "config error: wechat.app_id, wechat.app_secret needed to reach the platform"
    )
