"""The console adapter: ``yishi chat`` — talk to the bot in a terminal, pushes included."""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Any, TextIO

from bot.adapters.port import StorageUnavailable, utcnow
from bot.app import Yishi
from bot.config import Settings
from bot.demo import seed_demo
from bot.router import unavailable_reply
from kernel.messages import ChatType, Inbound, Platform, Reply


def render(reply: Reply) -> str:
    """A reply as terminal text, buttons as numbered choices."""
    lines = [f"议事通：{reply.text}"]
    for number, button in enumerate(reply.buttons, 1):
        lines.append(f"  [{number}] {button.label}")
    return "\n".join(lines)


class ConsoleSender:
    """Prints pushes addressed to the console user as they arrive."""

    def __init__(self, user_id: str, out: TextIO) -> None:
        self.user_id = user_id
        self.out = out

    async def send(self, chat_id: str, reply: Reply) -> None:
        if chat_id == self.user_id:
            self.out.write(f"\n【推送】{render(reply)}\n> ")
            self.out.flush()


class ConsoleAdapter:
    """Reads lines, hands them to the router, prints the replies."""

    platform = Platform.CONSOLE.value

    def __init__(self, yishi: Yishi, user_id: str, out: TextIO = sys.stdout) -> None:
        self.yishi = yishi
        self.user_id = user_id
        self.out = out
        self.sender = ConsoleSender(user_id, out)
        self.last_buttons: tuple[str, ...] = ()

    def add_routes(self, app: Any) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def health(self) -> dict[str, Any]:
        return {"state": "ok"}

    async def say(self, text: str) -> list[Reply]:
        """One line typed by the user; a bare number presses that button."""
        if text.strip().isdigit() and 0 < int(text) <= len(self.last_buttons):
            text = self.last_buttons[int(text) - 1]
        message = Inbound(
            platform=self.platform,
            chat_id=self.user_id,
            chat_type=ChatType.PRIVATE,
            sender_id=self.user_id,
            message_id=uuid.uuid4().hex,
            text=text,
            sent_at=utcnow(),
        )
        try:
            replies = await self.yishi.router.handle(message)
        except StorageUnavailable:
            replies = [unavailable_reply()]
        for reply in replies:
            self.out.write(render(reply) + "\n")
            self.last_buttons = tuple(b.data for b in reply.buttons)
        self.out.flush()
        return replies


async def run_console(settings: Settings, user_id: str) -> None:
    """``yishi chat``: an interactive session until EOF or 退出."""
    from bot.app import build_yishi

    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"enabled": False})}
    )
    yishi = build_yishi(settings)
    await yishi.prepare_database()
    await seed_demo(yishi.uow, yishi.clock())
    adapter = ConsoleAdapter(yishi, user_id)
    yishi.add_adapter(adapter)
    await yishi.start()
    print("议事通 控制台（输入“帮助”开始，Ctrl+D 退出）")
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, _prompt)
            if line is None:
                break
            if line.strip():
                await adapter.say(line)
    finally:
        await yishi.stop()


def _prompt() -> str | None:
    try:
        return input("> ")
    except EOFError:
        return None
