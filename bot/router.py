"""The router: commands first, then a conversation in progress, then the classifier.

Each message is handled in one database transaction that also records the
message's platform id, so a redelivered message finds its record and gets the
stored reply instead of a second effect — across processes, because the
database's unique key decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import re
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from consultation.roles import ROLE_NAMES_ZH, Role, allowed, effective_roles
from kernel.commands import Command, MissingArguments, Parsed, command_words, parse, verb_meant
from kernel.context import PUT_DOWN, Community, Context, Conversation, Later, User
from kernel.flows import DRAFT_ID, DROPPED, SUBMIT_WORDS, TAKE_UP, card_tap, stamped
from kernel.handler import Handler, NotForThisFlow, Reading
from kernel.intents import Intent, IntentClassifier, NluResult
from kernel.messages import BOT_NAMES, Button, Inbound, Reply
from kernel.texts import t
from nlu.context import interpret_in_context, parse_confirm
from nlu.dialogue import from_english, is_cancel, is_question
from nlu.normalize import normalize as nlu_normalize
from nlu.policy import Action, Verdict, decide
from storage.faults import StorageUnavailable, fault_name, is_outage
from storage.inbound import MessageSnapshot
from storage.nlu_samples import NluSampleRepository
from storage.types import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger("yishi.router")

#: A message that is only an identifier (R20261122-0007, M202612, T3, P2): never a detail.
#: (A dash other than "-" between its parts, or a space: "r20261204 0001", as typed.)
BARE_ID = re.compile(r"\s*(?:[Rr]\s?20\d{6}(?:\s?[-‐‑‒–—−]\s?|\s+)\d{1,4})\s*")
CLARIFY_FLOW = "router.clarify"
#: Requests no draft takes as a detail: signing up, voting, co-signing, meeting dates,
#: help. (A suggestion, "建议装个感应灯", or a "满意" can be a report's detail.)
NEVER_DETAILS = frozenset(
    {Intent.JOIN_MEETING, Intent.MEETING_INFO, Intent.VOTE, Intent.SECOND_TOPIC, Intent.HELP}
)
_HELP_BUTTONS = (Button("看看能做什么", "帮助"), Button("反映问题", "我要反映问题"))


class Within(Protocol):
    """What an adapter adds to a message's own transaction (a platform callback's
    signature nonce, its sender's last-seen time, its late answer's pushes), so the
    callback is one transaction and nothing of it is kept unless all of it is."""

    async def opened(self, uow: UnitOfWork) -> None:
        """First in the transaction, before the message is looked up; raising refuses
        the message and keeps nothing."""

    async def recorded(self, uow: UnitOfWork, replies: list[Reply]) -> None:
        """After the message's first record is written, before the commit (not called
        for a delivery that finds the message already handled)."""

    async def failed(self, uow: UnitOfWork, replies: list[Reply]) -> None:
        """The handler crashed (its effects rolled back): in the transaction that records
        the delivery with the error reply, before its commit; only when that record is
        the first."""


def unavailable_reply() -> Reply:
    """What a resident is told while the database is down: nothing was saved, send again."""
    return Reply(t("router.unavailable"))


def _kept(reply: Reply) -> dict[str, Any]:
    """What the delivery record keeps of a reply (for a redelivery of the message): a
    reply that carries a credential is not kept, only a sentence saying it was sent."""
    if reply.secret:
        return Reply(t("router.secret_not_kept")).as_json()
    return reply.as_json()


def _said_by(
    handler: Handler, replies: Sequence[Reply], command: Command | None = None
) -> list[Reply]:
    """``handler``'s answers, for the sender alone where it or the command says so
    (:attr:`Handler.answers_privately`: a vote's receipt, even typed in the group;
    :attr:`Command.private`: a list naming residents). A reply carrying a credential (a
    bind code, a login link) is always for the sender alone: typed in a group, the group
    must never see it, on any platform."""
    alone = handler.answers_privately or (command is not None and command.private)
    return [replace(r, private=True) if alone or r.secret else r for r in replies]


class HandlerRegistry:
    """Which handler answers which command, phrase, flow and intent."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        self.handlers = list(handlers)
        self.grammar: list[tuple[Command, Handler]] = []
        self.flows: dict[str, Handler] = {}
        self.intents: dict[Intent, Handler] = {}
        self.phrases: list[tuple[re.Pattern[str], Handler]] = []
        for handler in handlers:
            self.grammar.extend((command, handler) for command in handler.grammar)
            for phrase in handler.phrases:
                self.phrases.append((re.compile(phrase, re.IGNORECASE | re.DOTALL), handler))
            if handler.flow is not None:
                self.flows[handler.flow.name] = handler
            for intent in handler.intents:
                self.intents[intent] = handler
        #: The commands by the first character of their verbs (lower-cased): a message is
        #: parsed only against those that could start it, not all sixty.
        self.by_initial: dict[str, list[tuple[Command, Handler]]] = {}
        for command, handler in self.grammar:
            for initial in dict.fromkeys(verb[:1].lower() for verb in command.verbs):
                self.by_initial.setdefault(initial, []).append((command, handler))
        #: Handlers that recognise a fresh message by what is stored (an open poll's
        #: option typed alone), asked before the classifier (:meth:`Handler.recognises`).
        self.recognisers = [h for h in handlers if type(h).recognises is not Handler.recognises]
        #: Handlers that read a message no command parses as one of their commands
        #: written otherwise (:meth:`Handler.command_meant`).
        self.rewriters = [h for h in handlers if type(h).command_meant is not Handler.command_meant]
        #: Where a location or link shared outside a dialogue goes (None: nowhere).
        self.shared_taker = next((h for h in handlers if h.takes_shared), None)
        claiming = [h for h in handlers if type(h).claims is not Handler.claims]
        #: Handlers that recognise a message on its own before anything else (danger) …
        self.urgent = [h for h in claiming if h.claims_first]
        #: … and after the open dialogue's own answers (small talk, everyday questions).
        self.claimants = [h for h in claiming if not h.claims_first]

    @property
    def commands(self) -> list[Command]:
        return [command for command, _ in self.grammar]

    def command_for(self, text: str) -> tuple[Handler, Parsed] | Command | None:
        """The command ``text`` is (its handler and arguments); the :class:`Command` whose
        verb it is with arguments missing (answered with the usage); else None."""
        stripped = text.strip()
        missing: Command | None = None
        best: tuple[Handler, Parsed] | None = None
        for command, handler in self.by_initial.get(stripped[:1].lower(), ()):
            try:
                parsed = parse(command, stripped)
            except MissingArguments:
                missing = missing or command
                continue
            # The longest verb wins ("绑定二维码 张阿姨" is not "绑定"), then the first declared.
            if parsed is not None and (best is None or len(parsed.verb) > len(best[1].verb)):
                best = handler, parsed
        return best or missing

    def staff_command_meant(self, text: str, roles: frozenset[Role]) -> list[Command]:
        """The staff commands (of the longest verb) ``text`` starts with, followed by
        arguments that didn't parse: a moderator's mistyped command is still that
        command, answered with its usage, never read as a co-sign or a vote. Only those
        the sender may use; commands that take no arguments are left out (what follows
        them is a sentence)."""
        best: list[Command] = []
        longest = 0
        for command, _ in self.by_initial.get(text.strip()[:1].lower(), ()):
            staff = command.roles is not None and Role.RESIDENT not in command.roles
            if not staff or not command.args or not allowed(roles, command.roles):
                continue
            verb = verb_meant(command, text)
            if verb is None or len(verb) < longest:
                continue
            if len(verb) > longest:
                best, longest = [], len(verb)
            best.append(command)
        return best

    def phrase_for(self, text: str) -> Handler | None:
        stripped = text.strip()
        return next((h for p, h in self.phrases if p.fullmatch(stripped)), None)


_FULL_WIDTH_ALNUM = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
    0x3000: ord(" "),
    # The full-width hyphen (Ｒ２０２６１２０４－０００１ in a Chinese IME's 全角 mode):
    # its NFKC form, so a ticket number typed so is that number, as 附议Ｔ３ is T3.
    0xFF0D: ord("-"),
}


def _words(data: dict[str, Any]) -> dict[str, str]:
    """A conversation's values as text for a locale line ({number} of a rating)."""
    return {k: str(v) for k, v in data.items() if isinstance(v, str | int)}


def _draft_kept(conv: Conversation) -> dict[str, Any]:
    """A copy of what a conversation's draft holds, without the draft it put aside (one
    is remembered, not a chain of them)."""
    return {k: v for k, v in copy.deepcopy(conv.data).items() if k != PUT_DOWN}


def _alone(replies: Sequence[Reply]) -> bool:
    """Every reply is for the sender alone: a word added to them is too."""
    return bool(replies) and all(r.private for r in replies)


def normalise(text: str) -> str:
    """Fold full-width digits, letters and hyphens (３号楼 → 3号楼) and drop control characters.

    Chinese punctuation (，。？) is kept as typed: the text is what residents see
    again in drafts, tickets and minutes.
    """
    folded = text.translate(_FULL_WIDTH_ALNUM)
    if folded.isprintable():  # no control (C*) characters at all: the usual case, in C
        return folded
    return "".join(ch for ch in folded if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


#: The bot's name said without an @ at the start of a group message ("议事通 报名名单",
#: "议事通，附议 T3"): many people write the name rather than a real mention.
_BY_NAME = re.compile(rf"^\s*(?:{'|'.join(map(re.escape, BOT_NAMES))})\s*[,，:：、]?\s*")


def _called_by_name(text: str) -> str | None:
    """The message without the bot's name it starts with, or None: said that way in a
    group it is addressed to the bot as an @ is, and the name is not content."""
    found = _BY_NAME.match(text)
    if found is None or found.end() == len(text):
        return None
    return text[found.end() :]


@dataclass(eq=False)
class Router:
    """Routes one :class:`Inbound` to a handler and returns the replies for its chat."""

    uow_factory: Callable[[], UnitOfWork]
    classifier: IntentClassifier
    registry: HandlerRegistry
    community: Community
    _: KW_ONLY
    max_text_chars: int = 2000
    clock: Callable[[], datetime] = utcnow
    on_commit: Callable[..., None] | None = None
    #: Told (platform, intent, seconds) of each message, for metrics; the intent is
    #: "duplicate" for a redelivery and "error" for a message whose handler failed.
    on_handled: Callable[[str, str | None, float], None] | None = None
    _later: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    async def handle(self, message: Inbound, within: Within | None = None) -> list[Reply]:
        """Handle ``message`` once; a redelivery returns the first delivery's replies.

        While the database is unavailable nothing can be recorded: this raises
        :class:`StorageUnavailable` (one warning logged, no traceback) and the adapter
        answers with :func:`unavailable_reply` or HTTP 503.
        """
        try:
            return await self._handle(message, within)
        except Exception as exc:
            if isinstance(exc, StorageUnavailable) or not is_outage(exc):
                raise
            log.warning(
                "database unavailable",
                extra={"platform": message.platform, "error": fault_name(exc)},
            )
            raise StorageUnavailable(fault_name(exc)) from exc

    async def _handle(self, message: Inbound, within: Within | None) -> list[Reply]:
        started = time.perf_counter()
        text = normalise(message.text)
        if message.is_group and (named := _called_by_name(text)) is not None:
            message = replace(message, text=named, addressed=True)
        elif text != message.text:
            message = replace(message, text=text)
        # What to do once the transaction is over, when the handler's work is not kept:
        # "failed" (record the failure) or "raced" (another delivery won; use its reply).
        undone: str | None = None
        async with self.uow_factory() as uow:
            if within is not None:
                await within.opened(uow)
            snapshot = await uow.inbound.snapshot(
                message.platform,
                message.message_id,
                message.chat_id,
                message.sender_id,
                self.clock(),
            )
            if snapshot.already_handled:
                log.info(
                    "duplicate delivery",
                    extra={"platform": message.platform, "message_id": message.message_id},
                )
                self._handled(message, "duplicate", started)
                return [Reply.from_json(r) for r in snapshot.stored_reply]
            ctx = await self._context(uow, message, snapshot)
            try:
                replies, intent = await self._dispatch(ctx)
                self._check_moves(ctx)
                if ctx.secret_ballot:  # what keeps the exchange must not keep its words
                    replies = [replace(r, ballot=True) for r in replies]
            except Exception as exc:
                if is_outage(exc):
                    raise  # not the handler's fault, and nothing can be recorded
                log.exception("handler failed", extra={"message_id": message.message_id})
                undone = "failed"
            if undone is None:
                fresh = await uow.inbound.record(
                    message.platform,
                    message.message_id,
                    message.chat_id,
                    message.sender_id,
                    intent,
                    [_kept(r) for r in replies],
                    ctx.now,
                )
                # Not fresh: a concurrent delivery of the same message committed first.
                undone = None if fresh else "raced"
            if undone is None:
                await self._save_conversation(ctx, replies)
                if within is not None:
                    await within.recorded(uow, replies)
            else:
                await uow.rollback()
        if undone == "failed":
            self._handled(message, "error", started)
            return await self._record_failure(message, within, ballot=ctx.secret_ballot)
        if undone == "raced":
            return await self._stored_reply(message)
        self._committed(uow)
        for work in ctx.after_commit:
            self._start_later(work)
        seconds = self._handled(message, intent, started)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "handled",
                extra={
                    "platform": message.platform,
                    "chat_id": message.chat_id,
                    "intent": intent,
                    "ms": round(seconds * 1000, 2),
                },
            )
        return replies

    def _handled(self, message: Inbound, intent: str | None, started: float) -> float:
        seconds = time.perf_counter() - started
        if self.on_handled is not None:
            self.on_handled(message.platform, intent, seconds)
        return seconds

    def _start_later(self, work: Later) -> None:
        async def run() -> None:
            try:
                await work(self._unit)
            except Exception:
                log.exception("after-commit work failed")

        task = asyncio.ensure_future(run())
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    @contextlib.asynccontextmanager
    async def _unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for after-commit work; what it queues is sent at once."""
        async with self.uow_factory() as uow:
            yield uow
        self._committed(uow)

    def _committed(self, uow: UnitOfWork) -> None:
        """Tell the after-commit hook (push sender, schedule) when rows changed."""
        if self.on_commit is not None and uow.wrote:
            self.on_commit(pushed=uow.pushed)

    async def settle_later(self) -> None:
        """Wait for the work handlers left for after their commit (shutdown, tests)."""
        while self._later:
            await asyncio.gather(*self._later)

    async def _stored_reply(self, message: Inbound) -> list[Reply]:
        async with self.uow_factory() as uow:
            stored = await uow.inbound.get(message.platform, message.sender_id, message.message_id)
        return [Reply.from_json(r) for r in (stored.reply if stored else [])]

    async def directory(self, platform: str) -> list[dict[str, Any]]:
        """People bound on ``platform`` (for the web chat's role switcher)."""
        async with self.uow_factory() as uow:
            return await uow.identities.directory(platform)

    async def history(self, platform: str, chat_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Pushes recently sent to a chat, oldest first, for a client that just connected."""
        async with self.uow_factory() as uow:
            pushes = await uow.pushes.for_chat(platform, chat_id, limit)
        return [
            {"push_id": p.id, "created_at": p.created_at.isoformat(), "reply": p.payload}
            for p in pushes
        ]

    async def _record_failure(
        self, message: Inbound, within: Within | None, *, ballot: bool = False
    ) -> list[Reply]:
        """A handler crashed: its effects are rolled back, but the delivery is recorded
        so a retry does not run it again with the same bad luck (a secret ballot's
        words, ``ballot``, not kept with it either)."""
        replies = [Reply(t("router.error"), ballot=ballot)]
        async with self.uow_factory() as uow:
            fresh = await uow.inbound.record(
                message.platform,
                message.message_id,
                message.chat_id,
                message.sender_id,
                "error",
                [r.as_json() for r in replies],
                self.clock(),
            )
            if fresh and within is not None:
                await within.failed(uow, replies)
        return replies if fresh else await self._stored_reply(message)

    async def _context(
        self, uow: UnitOfWork, message: Inbound, snapshot: MessageSnapshot
    ) -> Context:
        now = self.clock()
        name = message.sender_name or snapshot.identity_name
        if snapshot.identity_id is None:
            await uow.identities.introduce(message.platform, message.sender_id, message.sender_name)
        resident = snapshot.resident
        user = User(
            platform=message.platform,
            platform_user_id=message.sender_id,
            display_name=name,
            resident=resident,
            roles=effective_roles(
                snapshot.roles,
                bound=resident is not None,
                verified=bool(resident and resident.verified),
            ),
        )
        state = snapshot.conversation
        conversation = (
            Conversation(flow=state.flow, step=state.step, data=dict(state.data))
            if state is not None
            else Conversation()
        )
        return Context(
            message=message,
            user=user,
            uow=uow,
            now=now,
            community=self.community,
            conversation=conversation,
        )

    async def _dispatch(self, ctx: Context) -> tuple[list[Reply], str | None]:
        text = ctx.text
        message = ctx.message
        if message.is_group and message.card_of not in (None, message.sender_id):
            # A neighbour's card in the group (a draft's 确认提交, a category, 是的/不是):
            # its buttons are the neighbour's; the tapper is told so alone, nothing moves.
            return [Reply(t("router.not_your_card"), private=True)], "not_your_card"
        tap = card_tap(text)
        if tap is not None:
            # A draft card's button carries its draft's stamp: it acts on that draft only.
            word, card = tap
            taken = await self._taken_up(ctx, card) if word == TAKE_UP else None
            if taken is not None:
                return taken, "taken_up"
            stale = await self._stale_card(ctx, card)
            if stale is not None:
                return stale, "stale_card"
            ctx.message = replace(message, text=word)
            text = word
        if ctx.conversation.step == DROPPED:
            late = self._withdrawn(ctx, text)
            if late is not None:
                return late
        shared = message.location is not None or message.link is not None
        if not text and ctx.conversation.active and (message.image_url or shared):
            # A photo, a location or a link is an answer inside a flow (a report's draft).
            flow_handler = self.registry.flows.get(ctx.conversation.flow or "")
            if flow_handler is not None:
                resumed = await self._resume(flow_handler, ctx)
                if resumed is not None:
                    return resumed
        taker = self.registry.shared_taker
        # A photo posted in a group, addressed or not, is the taker's to keep quietly for
        # the report its sender may make next there (it says nothing to the group).
        group_photo = message.is_group and bool(message.image_url) and not shared
        if (
            not text
            and (shared or message.image_url)
            and taker is not None
            and (message.addressed or group_photo)
        ):
            # A photo sent before the words: kept with the report it asks to be described.
            return await self._run(taker, ctx, resume=False), "shared"
        if not text:
            if not message.addressed:  # the bot speaks in a group only when addressed
                return [], None
            if message.image_url:
                return [Reply(t("router.image_only"))], None
            return [Reply(t("router.empty"))], None
        if len(text) > self.max_text_chars:
            return [Reply(t("router.too_long", limit=self.max_text_chars))], None

        english = from_english(text)
        if english is not None:
            # Understood through a small word map, answered in Chinese like any message.
            ctx.message = replace(ctx.message, text=english)
            text = english
        return await self._understood(ctx, text)

    def _withdrawn(self, ctx: Context, text: str) -> tuple[list[Reply], str] | None:
        """A draft withdrawn with 算了 (:attr:`Flow.dropped`) recognises only its old
        confirmation, once; anything else — a new report, a location, a photo — is a new
        message, with the draft gone."""
        owner = self._owner(ctx)
        flow = owner.flow if owner is not None else None
        ctx.conversation.end()
        if flow is not None and flow.dropped is not None and text.lower() in SUBMIT_WORDS:
            return [Reply(t(flow.dropped))], "dropped"
        return None

    async def _draft_elsewhere(self, ctx: Context) -> Conversation | None:
        """For a message in a group, where the sender has no dialogue: the draft waiting
        for them in their own chat with the bot (a report said in the group is drafted
        there, :attr:`Handler.answers_privately`), if one does; else None."""
        message = ctx.message
        if not message.is_group or ctx.conversation.active:
            return None
        state = await ctx.uow.conversations.get(
            message.platform, message.sender_id, message.sender_id, ctx.now
        )
        if state is None:
            return None
        found = Conversation(flow=state.flow, step=state.step, data=dict(state.data))
        return found if self._waiting(found) else None

    def _waiting(self, conv: Conversation) -> bool:
        """Is ``conv`` a draft waiting to be confirmed (not filed, withdrawn or settled)?"""
        owner = self.registry.flows.get(conv.flow or "")
        declared = owner.flow if owner is not None else None
        if declared is None or declared.put_down is None or conv.card is None:
            return False
        return conv.step != DROPPED and not declared.settled(conv.step)

    async def _stale_card(self, ctx: Context, card: str) -> list[Reply] | None:
        """A draft card's button (``确认提交 v3f2a1c``) whose draft is not the one open — put
        down for another, filed, withdrawn: said so, and nothing changes (the open draft
        is not filed or cancelled by it). None: the card is the open draft's own, or no
        dialogue is open (a plain 确认提交 is answered then)."""
        conv = ctx.conversation
        current = conv if conv.active else await self._draft_elsewhere(ctx)
        if current is None or current.card == card:
            return None
        lines: list[str] = []
        buttons: tuple[Button, ...] = ()
        carried = current.carried(card)
        if carried is not None:
            # Said before the draft now open, it waits with it (on its card, or asked
            # about once that one is filed): nothing changes.
            lines.append(t("router.card_carried", **_words(carried)))
            if current is not conv:
                lines.append(t("router.draft_in_private"))
            return [Reply("".join(lines))]
        aside = current.set_aside(card)
        owner = self.registry.flows.get(aside[0]) if aside is not None else None
        if aside is not None and owner is not None and owner.flow and owner.flow.put_down_tapped:
            lines.append(t(owner.flow.put_down_tapped, **_words(aside[2])))
            if current is conv:  # it can be taken up again where it was
                again = stamped(TAKE_UP, aside[2].get(DRAFT_ID))
                buttons = (Button(t("router.take_up"), again),)
                lines.append(t("router.take_up_hint"))
        else:
            lines.append(t("router.card_gone"))
        if current is not conv:
            lines.append(t("router.draft_in_private"))
        elif self._waiting(conv):
            lines.append(t("router.card_current"))
        return [Reply("".join(lines), buttons=buttons)]

    async def _taken_up(self, ctx: Context, card: str) -> list[Reply] | None:
        """回到这份草稿 under an old card's answer (``继续 v3f2a1c``): the draft put down
        is taken up again where it was, and the one open in its place is put down in turn
        with a word (its card then offers the same). None: no such draft here."""
        conv = ctx.conversation
        aside = conv.set_aside(card) if conv.active and conv.card != card else None
        owner = self.registry.flows.get(aside[0]) if aside is not None else None
        current = self.registry.flows.get(conv.flow or "")
        if aside is None or owner is None or current is None or current.flow is None:
            return None
        flow, step, data = aside
        was_flow, was_step, kept = conv.flow or "", conv.step, _draft_kept(conv)
        waiting, put_down = self._waiting(conv), current.flow.put_down
        conv.restore(flow, step, data)
        ctx.message = replace(ctx.message, text=TAKE_UP)
        resumed = await self._resume(owner, ctx)
        if resumed is None:
            return None
        replies = resumed[0]
        if waiting and put_down is not None:
            conv.put_aside(was_flow, was_step, kept)
            replies.append(Reply(t(put_down, **_words(kept)), private=_alone(replies)))
        return replies

    async def _understood(self, ctx: Context, text: str) -> tuple[list[Reply], str | None]:
        """One rule for every message, inside a dialogue or not: it is understood on its
        own first, and reaches the open dialogue only when recognised as belonging to it
        (a word its step takes, an answer of the kind it asked for, or free text its
        handler reads as a detail). Anything else is answered as itself, and the dialogue
        is kept with a word about it or closed (:meth:`_aside`)."""
        conv = ctx.conversation
        owner = self._owner(ctx)
        step = conv.step
        flow = owner.flow if owner is not None else None
        meant = flow.answer(step, text) if flow is not None else None
        if meant is not None:
            if meant != text.lower():  # a button's word typed with a slip: the word itself
                ctx.message = replace(ctx.message, text=meant)
            return await self._resumed(owner, ctx)  # type: ignore[arg-type]
        if is_cancel(text):
            settled = flow is not None and flow.settled(step)
            had = conv.active and not settled
            # 取消 just after filing: the ticket goes on, and saying only "nothing is open"
            # read as if it were not being handled.
            filed = str(conv.data.get("number", "")) if settled else ""
            if had and flow is not None and flow.drops(step):
                conv.drop()
            else:
                conv.end()
            if filed:
                return [Reply(t("router.cancel_after_filing", number=filed))], "cancel"
            return [Reply(t("router.cancelled" if had else "router.nothing_to_cancel"))], "cancel"

        command = self.registry.command_for(text)
        if command is None and (plain := command_words(text)) != text:
            # "报名名单？" · "看看报名名单": the command they are, never another (报名).
            command = self.registry.command_for(plain)
            if command is not None:
                ctx.message = replace(ctx.message, text=plain)
                text = plain
        if command is None:
            for rewriter in self.registry.rewriters:
                meant = await rewriter.command_meant(ctx)
                found = self.registry.command_for(meant) if meant is not None else None
                if meant is not None and isinstance(found, tuple):
                    # "R… 办好了": the command it means, run as if typed so.
                    ctx.message = replace(ctx.message, text=meant)
                    text, command = meant, found
                    break
        if isinstance(command, Command):
            # A command for the asker alone (a list naming residents) is so whatever
            # its arguments: typed in the group, its usage and refusal come privately too.
            label = f"command:{command.verb}"
            if not allowed(ctx.user.roles, command.roles):
                return [replace(self._refused(command.roles), private=command.private)], label
            usage = Reply(t("router.usage", usage=command.usage), private=command.private)
            return [usage], label
        if command is None and (
            misparsed := self.registry.staff_command_meant(text, ctx.user.roles)
        ):
            usages = "｜".join(dict.fromkeys(c.usage for c in misparsed))
            label = f"command:{misparsed[0].verb}"
            alone = any(c.private for c in misparsed)
            return [Reply(t("router.usage_not_understood", usage=usages), private=alone)], label
        if command is not None:
            handler, parsed = command
            label = handler.record_as or f"command:{parsed.command.verb}"
            return await self._aside(ctx, owner, self._command(handler, parsed, ctx), label)
        phrase = self.registry.phrase_for(text)
        if phrase is not None:
            answered = self._run(phrase, ctx, resume=False)
            return await self._aside(ctx, owner, answered, phrase.record_as or "phrase")
        if owner is None and conv.flow != CLARIFY_FLOW:
            # A draft's 确认提交 or 继续 with no draft open (filed, cancelled, expired), or
            # 都不是 to a question already answered: said so, never a "您是想" question.
            if text.lower() in (*SUBMIT_WORDS, "继续"):
                if (recognised := await self._recognised(ctx)) is not None:
                    return recognised  # 确认 under a 代办 waiting for the sender's word
                if await self._draft_elsewhere(ctx) is not None:
                    # Typed in the group, the draft waits in the sender's own chat: said
                    # so, and nothing of what it says is shown to the group.
                    return [Reply(t("router.draft_in_private"))], "draft_elsewhere"
                return [Reply(t("router.no_draft"), buttons=_HELP_BUTTONS)], "no_draft"
            if text == t("router.neither"):
                return [Reply(t("router.say_again"))], "clarify:none"
        if text.startswith("/"):
            return [Reply(t("router.unknown_command", command=text.split()[0]))], None

        for claimant in self.registry.urgent:  # danger first, whatever step
            if (urgent := claimant.claims(text)) is not None:
                # Another dialogue left untouched (a topic draft) is kept with its note.
                return await self._aside(ctx, owner, claimant.claimed(ctx, urgent), urgent)
        kind = owner.flow.expects(step) if owner is not None and owner.flow is not None else None
        if kind is not None and interpret_in_context(text, kind) is not None:
            return await self._resumed(owner, ctx)  # type: ignore[arg-type]
        # A pleasantry or a question between neighbours in the group is not for the bot.
        chatting = ctx.message.is_group and not ctx.message.addressed
        for claimant in () if chatting else self.registry.claimants:
            if (claim := claimant.claims(text)) is not None:
                return await self._aside(ctx, owner, claimant.claimed(ctx, claim), claim)

        if conv.flow == CLARIFY_FLOW:
            return await self._clarified(ctx)
        if owner is None:
            if conv.active:
                conv.end()  # a conversation of a flow no handler holds any more
            return await self._fresh(ctx)
        if BARE_ID.fullmatch(text):
            return await self._aside(ctx, owner, self._fresh_replies(ctx), "query_status")
        if kind is not None:  # not the kind of answer asked for: another request?
            diverted = self._diversion(owner, ctx)
        else:
            reading = owner.reads(ctx)
            if reading is Reading.FRESH:
                return await self._run(owner, ctx, resume=False), conv.flow
            if reading is Reading.ELSEWHERE:
                return await self._aside(ctx, owner, self._fresh_replies(ctx), "elsewhere")
            # Read as a detail, unless clearly a request no draft takes ("线上参加").
            diverted = self._diversion(owner, ctx, among=NEVER_DETAILS)
        if diverted is None:
            return await self._resumed(owner, ctx)
        ctx.nlu = diverted
        answered = self._run(self.registry.intents[diverted.intent], ctx, resume=False)
        return await self._aside(ctx, owner, answered, diverted.intent.value)

    def _owner(self, ctx: Context) -> Handler | None:
        """The handler whose flow is open (None outside one, or in the router's own)."""
        flow = ctx.conversation.flow
        if flow is None or flow == CLARIFY_FLOW:
            return None
        return self.registry.flows.get(flow)

    async def _resumed(self, owner: Handler, ctx: Context) -> tuple[list[Reply], str | None]:
        resumed = await self._resume(owner, ctx)
        return resumed if resumed is not None else await self._fresh(ctx)

    async def _fresh_replies(self, ctx: Context) -> list[Reply]:
        replies, _intent = await self._fresh(ctx)
        return replies

    async def _aside(
        self,
        ctx: Context,
        owner: Handler | None,
        answering: Awaitable[Sequence[Reply]],
        label: str | None,
    ) -> tuple[list[Reply], str | None]:
        """Answer a message as itself while ``owner``'s dialogue waits. If the answer left
        the dialogue where it was, it is kept with a word about it (a draft: "您刚才的诉求
        草稿还在"), kept quietly while it waits for a typed answer (a rating, a yes/no), or
        closed (settled or free-text steps, which would take the next message)."""
        conv = ctx.conversation
        flow, step, moves = conv.flow, conv.step, len(conv.moves)
        data = _draft_kept(conv)
        before = _words(data)
        replies = list(await answering)
        untouched = conv.flow == flow and conv.step == step and len(conv.moves) == moves
        if owner is None or owner.flow is None:
            return replies, label
        declared = owner.flow
        replaced = conv.active and conv.flow != flow and step != DROPPED
        drafted = before.get("description") or before.get("title")
        if replaced and drafted and declared.put_down and not declared.settled(step):
            # Another dialogue took the draft's place (a report typed over a topic card):
            # the draft is put down with a word, not lost unsaid, and its old card is
            # told so if tapped (_stale_card).
            replies.append(Reply(t(declared.put_down, **before), private=_alone(replies)))
            if flow is not None:
                conv.put_aside(flow, step, data)
        if not untouched or not conv.active:
            return replies, label
        if declared.settled(step):
            conv.end()
        elif declared.kept is not None:  # said as the answer is: privately with a vote's
            replies.append(Reply(t(declared.kept, **_words(conv.data)), private=_alone(replies)))
        elif declared.expects(step) is None:
            conv.end()
        return replies, label

    async def _fresh(self, ctx: Context) -> tuple[list[Reply], str | None]:
        """A message that is no part of a dialogue: a bare number, else the classifier."""
        text = ctx.text
        if BARE_ID.fullmatch(text) and Intent.QUERY_STATUS in self.registry.intents:
            ctx.nlu = NluResult(text=text, intent=Intent.QUERY_STATUS, confidence=1.0)
            handler = self.registry.intents[Intent.QUERY_STATUS]
            return await self._run(handler, ctx, resume=False), Intent.QUERY_STATUS.value
        if (recognised := await self._recognised(ctx)) is not None:
            return recognised
        result = self.classifier.classify(text, slots=False)  # routing reads no slots
        ctx.nlu = result
        decision = decide(result, addressed=ctx.message.addressed, in_group=ctx.message.is_group)
        if decision.action is Action.STAY_QUIET:
            return [], result.intent.value
        chosen = self.registry.intents.get(result.intent)
        if decision.action is Action.ACT and chosen is not None:
            return await self._run(chosen, ctx, resume=False), result.intent.value
        return await self._unsure(ctx, result, decision)

    async def _recognised(self, ctx: Context) -> tuple[list[Reply], str | None] | None:
        """The answer of the first handler that recognises the message by what is stored
        now ("西门" while a poll offers it), or None."""
        for recogniser in self.registry.recognisers:
            if await recogniser.recognises(ctx):
                label = recogniser.record_as or "recognised"
                return await self._run(recogniser, ctx, resume=False), label
        return None

    async def _unsure(
        self, ctx: Context, result: NluResult, decision: Verdict
    ) -> tuple[list[Reply], str | None]:
        """Not sure: confirm a possible report, ask between two meanings, or say so; and
        keep the message for the community to label (never one that may be a vote)."""
        if decision.action in (Action.ASK, Action.ASK_REPORT) and Intent.VOTE not in (
            result.intent,
            *decision.options,
        ):
            await ctx.uow.get(NluSampleRepository).keep(
                ctx.text, result.intent.value, result.confidence, decision.action.value, ctx.now
            )
        if decision.action is Action.ASK_REPORT and Intent.REPORT_ISSUE in self.registry.intents:
            ctx.conversation.start(CLARIFY_FLOW, "report", text=ctx.text)
            yes, no = Button(t("router.report_yes"), "是的"), Button(t("router.report_no"), "不是")
            return [Reply(t("router.confirm_report"), buttons=(yes, no))], "ask:report_issue"
        if is_question(ctx.text):
            # A question nobody here can answer: say so and name who can, never a quiz.
            return [self._cannot_answer()], f"unanswered:{result.intent.value}"
        options: list[Intent] = [
            i for i in decision.options if i is not Intent.OTHER and i in self.registry.intents
        ]
        if decision.action is Action.ASK and Intent.VOTE in options:
            # Asking keeps the message in the conversation to run it once chosen; a
            # message that may be a vote is its choice, so it is never kept: say how —
            # to the sender alone, as a vote's answer is ("B" typed in the group).
            ctx.secret_ballot = True
            return [Reply(t("router.vote_hint"), private=True)], f"ask:{result.intent.value}"
        if decision.action is Action.ASK and options and options != [Intent.HELP]:
            # (A lone 看看能做什么 is no question: the answer below offers it anyway.)
            return [self._ask(ctx, options)], f"ask:{result.intent.value}"
        return [Reply(t("router.didnt_understand"), buttons=_HELP_BUTTONS)], result.intent.value

    def _cannot_answer(self) -> Reply:
        phone = self.community.duty_phone
        who = t("router.ask_office_phone", phone=phone) if phone else t("router.ask_office")
        return Reply(t("router.cannot_answer", who=who), buttons=_HELP_BUTTONS)

    async def _resume(
        self, flow_handler: Handler, ctx: Context
    ) -> tuple[list[Reply], str | None] | None:
        """Continue the conversation; None (and the conversation ended) when the handler
        hands the message back to normal routing."""
        flow = ctx.conversation.flow
        try:
            return await self._run(flow_handler, ctx, resume=True), flow
        except NotForThisFlow:
            ctx.conversation.end()
            return None

    def _diversion(
        self, owner: Handler, ctx: Context, among: Collection[Intent] | None = None
    ) -> NluResult | None:
        """A message inside a dialogue that is not what its step asked for (a rating, a
        yes/no) or that it would take as a detail: the classifier's confident reading of
        it as another of the bot's requests (of ``among``, when given), else None."""
        result = self.classifier.classify(ctx.text, slots=False)
        other = self.registry.intents.get(result.intent)
        if (
            result.intent is Intent.OTHER
            or (among is not None and result.intent not in among)
            or other is None
            or other is owner
            or decide(result, addressed=True, in_group=False).action is not Action.ACT
        ):
            return None
        return result

    def _ask(self, ctx: Context, options: list[Intent]) -> Reply:
        """Not sure: ask with buttons for the likeliest meanings instead of guessing."""
        ctx.conversation.start(
            CLARIFY_FLOW, "choose", text=ctx.text, options=[o.value for o in options]
        )
        buttons = tuple(Button(t(f"intent.{o.value}"), t(f"intent.{o.value}")) for o in options)
        return Reply(
            t("router.clarify"),
            buttons=(*buttons, Button(t("router.neither"), t("router.neither"))),
        )

    async def _clarified(self, ctx: Context) -> tuple[list[Reply], str | None]:
        """The answer to :meth:`_ask` or to "您是要反映这个问题吗？": run the original
        message as the chosen intent; anything else is a new message."""
        data = dict(ctx.conversation.data)
        step = ctx.conversation.step
        ctx.conversation.end()
        chosen: Intent | None = None
        if step == "report":
            answer = parse_confirm(nlu_normalize(ctx.text))
            if answer is False:
                return [Reply(t("router.not_a_report"))], "clarify:not_report"
            chosen = Intent.REPORT_ISSUE if answer else None
        else:
            chosen = next(
                (Intent(o) for o in data.get("options", []) if ctx.text == t(f"intent.{o}")), None
            )
            if chosen is None and ctx.text == t("router.neither"):
                return [Reply(t("router.say_again"))], "clarify:none"
        if chosen is None:
            return await self._dispatch(ctx)  # a new message, not an answer
        original = str(data.get("text", ""))
        ctx.message = replace(ctx.message, text=original)
        ctx.nlu = NluResult(text=original, intent=chosen, confidence=1.0)
        return await self._run(self.registry.intents[chosen], ctx, resume=False), chosen.value

    @staticmethod
    def _refused(required: frozenset[Role] | None) -> Reply:
        required = required or frozenset()
        if Role.RESIDENT in required:
            # Voting, co-signing and signing up need a verified resident: say how.
            return Reply(t("router.verify_first"))
        needed = "、".join(ROLE_NAMES_ZH[r] for r in sorted(required))
        return Reply(t("router.not_allowed", roles=needed))

    async def _run(self, handler: Handler, ctx: Context, *, resume: bool) -> list[Reply]:
        if not allowed(ctx.user.roles, handler.required_roles):
            return _said_by(handler, [self._refused(handler.required_roles)])
        return _said_by(handler, await handler.answer(ctx, resume=resume))

    async def _command(self, handler: Handler, parsed: Parsed, ctx: Context) -> list[Reply]:
        roles = parsed.command.roles if parsed.command.roles is not None else handler.required_roles
        if not allowed(ctx.user.roles, roles):
            return _said_by(handler, [self._refused(roles)], parsed.command)
        ctx.command = parsed
        return _said_by(handler, await handler.run(ctx, parsed), parsed.command)

    def _check_moves(self, ctx: Context) -> None:
        """Every move the handlers made is one their flow declares (kernel.flows)."""
        for flow_name, before, after in ctx.conversation.moves:
            owner = self.registry.flows.get(flow_name)
            if owner is not None and owner.flow is not None:
                owner.flow.check(before, after)

    async def _save_conversation(self, ctx: Context, replies: Sequence[Reply]) -> None:
        """Keep the dialogue where it goes on: in the chat of the message, except one
        begun in a group and answered for the sender alone (a draft with their address, a
        worker's note asked for): its next answer comes in the sender's own chat, whose
        id is theirs on every platform with groups (web chat, Telegram)."""
        conv = ctx.conversation
        if not conv.changed:
            return
        msg = ctx.message
        if conv.flow is None or conv.step is None:
            await ctx.uow.conversations.clear(msg.platform, msg.chat_id, msg.sender_id)
            return
        chat_id = msg.chat_id
        if msg.is_group and any(r.private and r.chat_id is None for r in replies):
            await ctx.uow.conversations.clear(msg.platform, msg.chat_id, msg.sender_id)
            chat_id = msg.sender_id
        expires = ctx.now + self.community.conversation_ttl
        await ctx.uow.conversations.save(
            msg.platform, chat_id, msg.sender_id, conv.flow, conv.step, conv.data, expires
        )
