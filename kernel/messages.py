"""The platform-neutral message model every adapter translates to and from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Where a message came from or goes to."""

    WEB = "web"
    CONSOLE = "console"
    WECHAT = "wechat"
    WECOM = "wecom"
    TELEGRAM = "telegram"


#: Platforms whose adapter edits a live message in place (a poll's running count);
#: others get no per-vote updates, so a busy poll does not flood their group.
EDITS_IN_PLACE = frozenset({Platform.TELEGRAM.value})


#: What the bot is called in a group: an @ with one of these (the web chat's "@议事通"), or
#: the name typed bare at the start of a message ("议事通，附议 T3"), addresses it.
BOT_NAMES = ("议事通", "小助手")


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Location:
    """A shared location (WeChat/Telegram location messages)."""

    latitude: float
    longitude: float
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A shared link (WeChat link messages): where it points and what it is called."""

    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, whatever the platform.

    ``message_id`` is the platform's own id; with ``platform`` it is the key that
    makes a redelivery have its effect once. ``addressed`` is True when the bot
    was @-mentioned in a group (or the chat is private).
    """

    platform: str
    chat_id: str
    chat_type: ChatType
    sender_id: str
    message_id: str
    text: str
    sent_at: datetime
    sender_name: str | None = None
    image_url: str | None = None
    location: Location | None = None
    link: Link | None = None
    addressed: bool = True
    #: Where the request came from when the platform lets us know (a web client's
    #: address): what limits guessing by anyone who can make up new accounts.
    source: str | None = None
    #: A button pressed in a group on a card that answered someone (their sender id,
    #: :attr:`Reply.for_asker`), as the adapter knows it (the web chat's page says so,
    #: Telegram keeps it by message id): the card's buttons are theirs alone, and a press
    #: by anyone else changes nothing.
    card_of: str | None = None

    @property
    def is_group(self) -> bool:
        return self.chat_type is ChatType.GROUP


@dataclass(frozen=True, slots=True)
class Button:
    """A choice button; pressing it sends ``data`` back as the user's text.

    ``private``: pressed in a group, it stays between the person and the bot, as a
    Telegram callback does (a vote, a sign-up): the group sees neither the press nor
    the answer. Buttons that act for the group (a moderator opening a poll there) are not.
    """

    label: str
    data: str
    private: bool = False

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "data": self.data}
        if self.private:
            out["private"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Button:
        return cls(str(data["label"]), str(data["data"]), bool(data.get("private", False)))


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot says. ``chat_id`` None means the chat the message came from.

    ``edit_key`` names a live message (``poll:P3``): on a platform that can edit
    (:data:`EDITS_IN_PLACE`) the first reply with a key is sent and later ones edit
    that same message; elsewhere the key is ignored.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    mentions: tuple[str, ...] = ()
    chat_id: str | None = None
    edit_key: str | None = None
    #: It carries a credential (a bind code, a workbench link): sent once, never kept
    #: in the record of the message (a redelivery gets a sentence saying so instead).
    secret: bool = False
    #: It answers a secret ballot (a vote or a paper ballot of an anonymous poll, or
    #: words that may be one): what the person said names a choice, so whatever keeps
    #: the exchange (the web chat's history) keeps a sentence instead of those words.
    #: Its own text never names the choice (notices.poll_views.vote_receipt).
    ballot: bool = False
    #: What the notice is about (the domain event's family: "ticket", "meeting", …):
    #: a platform that needs the person's consent per kind of notice picks by it.
    about: str | None = None
    #: Later notices of this family the person may want (a report just filed:
    #: "ticket"); a platform that needs consent to push later asks for it here.
    offers_notices: str | None = None
    #: For the sender alone (a vote's receipt): answering a message typed in a group,
    #: the adapter says it in the sender's own chat with the bot, and the group is shown
    #: neither the message nor the answer where the adapter relays the group (the web
    #: chat); where the platform can't write to the sender first (Telegram, before they
    #: have started a chat with the bot) the group gets a line saying only that. A
    #: button pressed in a group is between the person and the bot anyway.
    private: bool = False
    #: The outbox entry a push was sent from (set by the push sender): a page that reads
    #: its history and hears the same push live shows it once.
    ref: str | None = None

    @property
    def for_asker(self) -> bool:
        """Shown in a group in answer to someone, its buttons are theirs alone (a draft's
        确认提交, 是的/不是, a rating): an adapter remembers whom such a card answered and
        passes it as :attr:`Inbound.card_of` when it is pressed, and the router refuses
        anyone else. A card whose buttons are all :attr:`Button.private` (a poll's votes,
        报名) acts for whoever presses it, so it is nobody's."""
        return any(not b.private for b in self.buttons)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "buttons": [b.as_json() for b in self.buttons],
            "mentions": list(self.mentions),
            "chat_id": self.chat_id,
        }
        if self.edit_key is not None:
            out["edit_key"] = self.edit_key
        if self.about is not None:
            out["about"] = self.about
        if self.offers_notices is not None:
            out["offers_notices"] = self.offers_notices
        if self.private:
            out["private"] = True
        if self.ref is not None:
            out["ref"] = self.ref
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=str(data.get("text", "")),
            buttons=tuple(Button.from_json(b) for b in data.get("buttons", [])),
            mentions=tuple(str(m) for m in data.get("mentions", [])),
            chat_id=data.get("chat_id"),
            edit_key=data.get("edit_key"),
            about=data.get("about"),
            offers_notices=data.get("offers_notices"),
            private=bool(data.get("private", False)),
            ref=data.get("ref"),
        )
