"""Signed, encrypted callbacks as WeChat and WeCom send them, for the adapters' tests
(a support module: test modules import it, never one another)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.app import Yishi
from consultation.binding import issue_code
from storage.models import InboundMessage
from storage.people import PeopleRepository
from tests.bot.adapters.fakes.wechat_server import FakeWechat, WxCrypt, message_xml, sha1_sign


async def call(
    client: TestClient[Any, Any], fake: FakeWechat, fields: dict[str, Any], *, safe: bool = True
) -> tuple[int, str, dict[str, str]]:
    """One callback as WeChat sends it: signed afresh (a retry too), encrypted in safe mode."""
    query, body = fake.callback(fields, safe=safe)
    resp = await client.post("/wechat", params=query, data=body)
    return resp.status, await resp.text(), query


async def inbound_count(bot: Yishi) -> int:
    async with bot.uow() as uow:
        return int((await uow.session.exec(select(func.count()).select_from(InboundMessage))).one())


async def code_for(bot: Yishi, name: str) -> str:
    async with bot.uow() as uow:
        [person] = await uow.get(PeopleRepository).by_name(name)
        assert person.id is not None
        return await issue_code(uow, person.id, "test", bot.clock())


def corp_crypt(fake: FakeWechat) -> WxCrypt:
    return WxCrypt(fake.token, fake.encoding_aes_key, fake.corp_id)


def signed(
    fake: FakeWechat, encrypted: str, *, at: float | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The query WeCom signs a request with: its clock's timestamp, a fresh nonce."""
    ts = str(int(time.time() if at is None else at))
    nonce = nonce or str(secrets.randbelow(10**10))
    return {
        "msg_signature": sha1_sign(fake.token, ts, nonce, encrypted),
        "timestamp": ts,
        "nonce": nonce,
    }


async def post(
    client: TestClient[Any, Any], fake: FakeWechat, fields: dict[str, Any]
) -> tuple[int, str]:
    encrypted = corp_crypt(fake).encrypt(message_xml(fields))
    outer = message_xml(
        {"ToUserName": fake.corp_id, "AgentID": str(fake.agent_id), "Encrypt": encrypted}
    )
    resp = await client.post("/wecom", params=signed(fake, encrypted), data=outer.encode())
    return resp.status, await resp.text()


def read(fake: FakeWechat, body: str) -> dict[str, str]:
    from tests.bot.adapters.fakes.wechat_server import parse_xml

    outer = parse_xml(body)
    assert outer["MsgSignature"] == sha1_sign(
        fake.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"]
    )
    return parse_xml(corp_crypt(fake).decrypt(outer["Encrypt"]))
