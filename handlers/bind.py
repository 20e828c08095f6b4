"""绑定: a platform account joins its resident record; 生成绑定码 / 生成绑定二维码: a
moderator issues the code, as digits or inside a WeChat QR code.

Also the greeting a new WeChat follower gets (``/welcome``), which offers binding.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from consultation.binding import (
    CODE_TTL,
    BindError,
    Throttled,
    bound_accounts,
    issue_code,
    redeem,
)
from consultation.events import BindQrReady
from consultation.register import RegisterError, verify
from consultation.residents import Resident, people_named
from consultation.roles import ROLE_NAMES_ZH, STAFF, Role
from handlers.staff import Section
from kernel.commands import Command, rest, word
from kernel.context import Context, Units
from kernel.flows import card_flow
from kernel.handler import Handler, Reading
from kernel.messages import Button, Reply
from kernel.texts import t
from notices.binding import code_issued

log = logging.getLogger("yishi.bind")

#: Eight digits (six from before codes grew: they still work until they expire).
CODE = re.compile(r"(?<!\d)(\d{8}|\d{6})(?!\d)")
RESIDENT_ID = re.compile(r"#\s*(\d+)")
_binding_command = Section("绑定").command


class WelcomeHandler(Handler):
    """A new follower (WeChat subscribe) is greeted and offered binding."""

    grammar = (Command("/welcome", "welcome", listed=False),)

    async def welcome(self, ctx: Context) -> Sequence[Reply]:
        return [Reply(t("bind.welcome", community=ctx.community.name))]


#: What the ask calls the account: "这个微信已绑定为张阿姨".
_ACCOUNT = {"wechat": "微信", "wecom": "企业微信账号", "telegram": "Telegram账号"}


class BindHandler(Handler):
    """“绑定 48392051” / “/bind 48392051”; an account bound to someone else is asked first
    (确认改绑 / 取消, the buttons carrying the code; typed, while that question is the
    latest open, they do the same: :func:`~kernel.flows.card_flow`)."""

    grammar = (
        Command(
            "绑定",
            "bind",
            (word("code", "483920", optional=True, pattern=r"\d{4,8}"),),
            aliases=("/bind",),
            listed=False,
        ),
        Command(
            "确认改绑",
            "rebind",
            (word("code", "48392051", optional=True, pattern=r"\d{4,8}"),),
            listed=False,
        ),
        Command(
            "取消改绑",
            "keep",
            (word("code", "48392051", optional=True, pattern=r"\d{4,8}"),),
            listed=False,
        ),
    )
    flow = card_flow("bind.rebind", "确认改绑", "取消改绑", "取消")

    def reads(self, ctx: Context) -> Reading:
        """Under the 改绑 question, anything but its buttons' words is a message of its own
        (and closes the question)."""
        return Reading.ELSEWHERE

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        return await self.typed_tap(ctx)

    async def bind(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        return await self._redeem(ctx, code, rebind=False)

    async def rebind(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        return await self._redeem(ctx, code, rebind=True)

    async def keep(self, ctx: Context, code: str | None) -> Sequence[Reply]:
        """取消: nothing changes, and the code stays unused."""
        ctx.conversation.end()
        msg = ctx.message
        name = await ctx.uow.identities.resident_name(msg.platform, msg.sender_id)
        if name is None:
            return [Reply(t("bind.ask_code"))]
        return [Reply(t("bind.rebind_kept", name=name))]

    async def _redeem(self, ctx: Context, code: str | None, rebind: bool) -> Sequence[Reply]:
        found = CODE.search(code or "")
        if found is None:
            return [Reply(t("bind.ask_code"))]
        msg = ctx.message
        digits = found.group(1)
        try:
            bound = await redeem(
                ctx.uow,
                digits,
                msg.platform,
                msg.sender_id,
                ctx.now,
                msg.source,
                rebind,
                phone=ctx.community.duty_phone,
            )
        except Throttled as exc:
            return [Reply(t(f"bind.{exc.code}", minutes=exc.minutes))]
        except BindError as exc:
            return [Reply(t(f"bind.{exc.code}"))]
        name = bound.resident.name
        if bound.current is not None:
            text = t(
                "bind.rebind_ask",
                account=_ACCOUNT.get(msg.platform, "账号"),
                current=bound.current.name,
                name=name,
            )
            buttons = (
                Button(t("bind.b_rebind"), f"确认改绑 {digits}", private=True),
                Button(t("bind.b_keep"), f"取消改绑 {digits}", private=True),
            )
            return self.open_card(ctx, [Reply(text, buttons=buttons, secret=True)])
        if bound.rebound_from is not None:
            ctx.conversation.end()
            return [Reply(t("bind.rebound", name=name))]
        key = "bind.already" if bound.already else "bind.done"
        return [Reply(t(key, name=name))]


async def code_holder(ctx: Context, who: str) -> Resident | Reply:
    """The one resident ``who`` names, for whom a code may be issued in chat, or the reply
    saying why not: none or several so named, or a member of staff, whose code is issued
    in the 工作台 only (README, "Bind codes for staff")."""
    person = await find_person(ctx, who)
    if isinstance(person, Reply):
        return person
    assert person.id is not None
    held = [Role(r.role) for r in await ctx.uow.residents.roles_of(person.id) if r.role in STAFF]
    if not held:
        return person
    role = "、".join(ROLE_NAMES_ZH[r] for r in sorted(held))
    return Reply(t("bind.issue_staff", name=person.name, role=role))


async def find_person(ctx: Context, who: str) -> Resident | Reply:
    """The one resident ``who`` names ("张阿姨" or "#12"), or the reply saying why not."""
    people = await people_named(ctx.uow, who)
    if not people:
        return Reply(t("bind.issue_not_found", who=who))
    if len(people) > 1:
        ids = "、".join(f"#{p.id}" for p in people)
        return Reply(t("bind.issue_ambiguous", count=len(people), who=who, ids=ids))
    return people[0]


class IssueBindCodeHandler(Handler):
    """“生成绑定码 张阿姨” or “生成绑定码 #12” (moderators)."""

    grammar = (
        _binding_command("生成绑定码", "issue", rest("who", "张阿姨"), aliases=("/bindcode",)),
    )

    async def issue(self, ctx: Context, who: str | None) -> Sequence[Reply]:
        if not who:
            return [Reply(t("bind.issue_ask"))]
        person = await code_holder(ctx, who)
        if isinstance(person, Reply):
            return [person]
        assert person.id is not None
        accounts = len(await bound_accounts(ctx.uow, person.id))
        code = await issue_code(ctx.uow, person.id, ctx.user.actor, ctx.now)
        return [code_issued(person.name, code, person.verified, accounts)]


class VerifyHandler(Handler):
    """“认证 张阿姨” or “认证 #12” (moderators): the resident's address and identity were
    checked, so they may co-sign, sign up and vote."""

    grammar = (
        _binding_command(
            "认证", "verify", rest("who", "张阿姨", optional=False), aliases=("认证居民",)
        ),
    )
    #: It names a resident of the register: the moderator's business, not the group's.
    answers_privately = True

    async def verify(self, ctx: Context, who: str) -> Sequence[Reply]:
        person = await find_person(ctx, who)
        if isinstance(person, Reply):
            return [person]
        try:
            await verify(ctx.uow, person.id or 0, ctx.user.actor)
        except RegisterError:
            return [Reply(t("bind.already_verified", name=person.name))]
        return [Reply(t("bind.verified", name=person.name))]


class QrImage(Protocol):
    """A QR code made by the platform: a picture to show, and the link it encodes."""

    @property
    def image_url(self) -> str: ...

    @property
    def url(self) -> str: ...


class BindQrCodes(Protocol):
    """Port: the WeChat API making a temporary QR code that carries a bind code;
    scanning it follows the account and binds (the adapter handles the scan event)."""

    async def bind_qrcode(self, code: str, expire_seconds: int) -> QrImage: ...


class IssueBindQrHandler(Handler):
    """“生成绑定二维码 张阿姨” (moderators): a bind code inside a WeChat QR code.

    For residents who find typing six digits hard: they scan, follow, and are bound.
    ``qrcodes`` is wired when the WeChat adapter runs.
    """

    grammar = (
        _binding_command(
            "生成绑定二维码", "issue_qr", rest("who", "张阿姨"), aliases=("绑定二维码", "/bindqr")
        ),
    )

    def __init__(self, qrcodes: BindQrCodes | None = None) -> None:
        self.qrcodes = qrcodes

    async def issue_qr(self, ctx: Context, who: str | None) -> Sequence[Reply]:
        if not who:
            return [Reply(t("bind.qr_ask"))]
        if self.qrcodes is None:
            return [Reply(t("bind.qr_unavailable", who=who))]
        person = await code_holder(ctx, who)
        if isinstance(person, Reply):
            return [person]
        assert person.id is not None
        code = await issue_code(ctx.uow, person.id, ctx.user.actor, ctx.now, CODE_TTL)
        ctx.later(
            QrDelivery(
                self.qrcodes,
                code,
                person.id,
                person.name,
                ctx.user.actor,
                ctx.message.platform,
                ctx.message.chat_id,
            )
        )
        return [Reply(t("bind.qr_making", name=person.name))]


@dataclass(frozen=True, slots=True)
class QrDelivery:
    """After the bind code is committed: ask WeChat for its QR code (no transaction
    open while WeChat answers), then record it and send it to the moderator's chat."""

    qrcodes: BindQrCodes
    code: str
    resident_id: int
    name: str
    actor: str
    platform: str
    chat_id: str

    async def __call__(self, units: Units) -> None:
        qr_url: str | None = None
        image_url: str | None = None
        try:
            qr = await self.qrcodes.bind_qrcode(self.code, int(CODE_TTL.total_seconds()))
        except Exception:
            log.exception("bind QR code failed", extra={"resident_id": self.resident_id})
        else:
            qr_url, image_url = qr.url, qr.image_url
        async with units() as uow:
            if qr_url is not None:
                subject = str(self.resident_id)
                after = {"qr": qr_url}
                await uow.audit.record(
                    self.actor, "bind_qr_issued", "resident", subject, None, after
                )
            uow.record(
                BindQrReady(
                    platform=self.platform,
                    chat_id=self.chat_id,
                    code=self.code,
                    name=self.name,
                    image_url=image_url,
                )
            )
