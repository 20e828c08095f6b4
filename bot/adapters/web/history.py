"""A web chat's conversation, kept on the server so a reload or a persona switch shows it.

The page shows what it is served here: the lines people and the bot said in the chat
and the pushes sent to it (kept through the adapters' port), in the order they
happened. Nothing in it names a sender's id: the reader's own lines are ``me``, the
others' carry the name the group shows. A poll's vote buttons are served only while
the poll is open, so someone who opens the group later can still vote with a tap and
nobody taps a closed poll. The words of a secret ballot (an anonymous poll's vote,
``Reply.ballot``) are kept as a sentence saying they are not.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.adapters.port import MessageTransaction, PlatformStore
from kernel.messages import Button, Reply
from kernel.texts import t

#: A vote button's data names its poll: 投票 P3 赞成.
_VOTE = re.compile(r"^投票 P(\d+)\b")
#: At the same instant (one transaction): the chat's lines in their order, then pushes.
_LINE, _PUSH = 0, 1


def addressed(replies: Sequence[Reply], sender_id: str, in_group: bool) -> list[Reply]:
    """The replies where the web chat says them: one for the sender alone
    (:attr:`Reply.private`) answering a message in a group goes to the sender's own chat,
    whose id is the sender's."""
    if not in_group:
        return list(replies)
    return [
        replace(r, chat_id=sender_id) if r.private and r.chat_id is None else r for r in replies
    ]


def answered_alone(replies: Sequence[Reply]) -> bool:
    """Every reply was for the sender alone (a vote's receipt): the message was between
    them and the bot, like a private button's press — and its words are the choice."""
    return bool(replies) and all(r.private for r in replies)


def card_for(shown: dict[str, Any], sender_id: str) -> dict[str, Any]:
    """A reply shown in a group, answering ``sender_id``: a card whose buttons act for
    them (a draft's 确认提交, 是的/不是) names them ("for"), and a press by anyone else is
    sent with ``card_of`` and refused; buttons anyone may press (a poll's votes,
    :attr:`Button.private`) name nobody (:attr:`Reply.for_asker`, as Telegram decides)."""
    if Reply.from_json(shown).for_asker:
        return {**shown, "for": sender_id}
    return shown


def kept_reply(reply: Reply) -> dict[str, Any]:
    """What the chat keeps of a reply: one carrying a credential is shown once, never kept."""
    if reply.secret:
        return Reply(t("router.secret_not_kept")).as_json()
    return reply.as_json()


class KeptInHistory:
    """The router's :class:`~bot.router.Within` for a web chat message: what the person
    said and the bot's replies are kept in the message's own transaction, so a retry
    (already handled) is not said twice and a message is kept only if it was handled."""

    def __init__(
        self,
        store: PlatformStore,
        chat_id: str,
        sender_id: str,
        shown: str,
        payload: dict[str, Any] | None,
        at: datetime,
        *,
        in_group: bool = False,
    ) -> None:
        self.store, self.chat_id, self.at = store, chat_id, at
        self.sender_id, self.in_group = sender_id, in_group
        said = shown.strip()
        self.said = [(chat_id, sender_id, shown, payload or {})] if said else []

    @property
    def words(self) -> str:
        """The message as the chat keeps it (a secret ballot's words sealed): what the
        group's open tabs are shown live, the same as its history."""
        return self.said[0][2] if self.said else ""

    async def opened(self, uow: MessageTransaction) -> None:
        return None

    async def recorded(self, uow: MessageTransaction, replies: list[Reply]) -> None:
        self._seal(replies)
        await self._keep(uow, replies)

    async def failed(self, uow: MessageTransaction, replies: list[Reply]) -> None:
        self._seal(replies)
        await self._keep(uow, replies)

    def _seal(self, replies: list[Reply]) -> None:
        """A secret ballot (:attr:`Reply.ballot`): its words name a choice, never kept
        with their sender; the line says so instead."""
        if any(reply.ballot for reply in replies):
            not_kept = t("router.ballot_not_kept")
            self.said = [(chat, who, not_kept, {}) for chat, who, _, _ in self.said]

    async def _keep(self, uow: MessageTransaction, replies: list[Reply]) -> None:
        """The message and the replies, each in its chat. A message answered for the
        sender alone in a group (a vote typed there, 我的诉求) is not kept there: the group
        never saw it; the answer is kept in the sender's own chat. A secret ballot's words
        are sealed wherever they were typed (:meth:`_seal`)."""
        alone = self.in_group and answered_alone(replies)
        replies = addressed(replies, self.sender_id, self.in_group)
        lines: list[tuple[str, str | None, str, dict[str, Any]]] = [] if alone else list(self.said)
        for reply in replies:
            kept = kept_reply(reply)
            if self.in_group and reply.chat_id in (None, self.chat_id):
                kept = card_for(kept, self.sender_id)
            lines.append((reply.chat_id or self.chat_id, None, kept["text"], kept))
        await self.store.joining(uow).keep_lines(lines, self.at)


async def conversation(
    store: PlatformStore,
    platform: str,
    chat_id: str,
    reader: str,
    name_of: Callable[[str], Awaitable[str]],
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The chat as ``reader`` sees it, oldest first: at most ``limit`` lines and pushes."""
    view = await store.chat_view(platform, chat_id, limit)
    open_polls = view.open_polls
    # Names are looked up after the transaction (each lookup is one of its own).
    names: dict[str, str] = {}
    entries: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for line in view.lines:
        if line.sender_id is None:
            entry = _bot(line.payload or {"text": line.text}, push=False)
        elif line.sender_id == reader:
            entry = {"kind": "me", "text": line.text}
        else:
            if line.sender_id not in names:
                names[line.sender_id] = await name_of(line.sender_id)
            entry = {"kind": "other", "name": names[line.sender_id], "text": line.text}
        if line.sender_id is not None and line.payload.get("photo"):
            entry["photo"] = str(line.payload["photo"])
        entries.append((line.at, _LINE, line.order, entry))
    for push in view.pushes:  # ref: the same push heard live is shown once (chat.js)
        entry = {**_bot(push.payload, True), "ref": f"p{push.order}"}
        entries.append((push.at, _PUSH, push.order, entry))
    entries.sort(key=lambda e: e[:3])
    shown = [e[3] for e in entries][-limit:]
    for entry in shown:
        if entry.get("buttons"):
            entry["buttons"] = [b for b in entry["buttons"] if _still_open(b, open_polls)]
    return shown


def _bot(reply: dict[str, Any], push: bool) -> dict[str, Any]:
    return {
        "kind": "bot",
        "text": str(reply.get("text", "")),
        "buttons": [Button.from_json(b).as_json() for b in reply.get("buttons", [])],
        "push": push,
        **({"for": str(reply["for"])} if reply.get("for") else {}),
    }


def _still_open(button: dict[str, str], open_polls: set[int]) -> bool:
    vote = _VOTE.match(button["data"])
    return vote is None or int(vote.group(1)) in open_polls
