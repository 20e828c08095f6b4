"""The base every intent handler implements, and how a flow hands a message back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

from consultation.errors import DomainError
from consultation.roles import Role
from kernel.commands import Command, MissingArguments, Parsed, parse
from kernel.context import Context
from kernel.flows import CARD, TAPS, Flow, card_taps
from kernel.intents import Intent
from kernel.messages import Reply
from kernel.texts import catalog, t


class NotForThisFlow(Exception):
    """Raised by :meth:`Handler.resume` when the message is no answer to the open flow
    (a ticket filed minutes ago, then "我想发起议题"): the router ends the flow and routes
    the message afresh, as if no conversation were open."""


class Reading(StrEnum):
    """What a free-text message inside a flow is to the flow's handler (:meth:`Handler.reads`)."""

    #: It adds to the dialogue (a detail, a correction, a place).
    ANSWER = "answer"
    #: It starts this handler's work afresh (a second report while a draft waits).
    FRESH = "fresh"
    #: It is something else: route it as a new message.
    ELSEWHERE = "elsewhere"


class Handler:
    """One intent's handler. Subclasses set the class attributes they answer to."""

    #: Intents the router sends here.
    intents: tuple[Intent, ...] = ()
    #: The chat commands this handler runs (see :mod:`kernel.commands`): the router
    #: parses them and calls the method each names with the parsed arguments.
    grammar: tuple[Command, ...] = ()
    #: Regular expressions for ways of saying something that are not commands ("赞成",
    #: "通知发到微信", "我想提个议题：…"): a whole message that matches one reaches
    #: :meth:`handle` before classification, in registration order.
    phrases: tuple[str, ...] = ()
    #: The multi-step conversation this handler holds, if any: its steps, their moves
    #: and the answers they wait for (see :mod:`kernel.flows`). A message inside it
    #: reaches :meth:`resume`.
    flow: Flow | None = None
    #: Roles of which the sender needs one; None lets anyone in.
    required_roles: frozenset[Role] | None = None
    #: What the router records as the intent of a command this handler answers; None
    #: records ``command:`` and the first word. A vote sets "vote": its words are the
    #: choice, which must never sit next to the sender.
    record_as: str | None = None
    #: Its answers (and the router's refusal for it) are for the sender alone
    #: (:attr:`Reply.private`): a message typed in a group is answered in the sender's own
    #: chat and the group is shown neither. A vote sets it: its receipt is the voter's.
    answers_privately: bool = False

    #: :meth:`claims` is asked before the open dialogue's typed answers (an emergency
    #: beats a rating); otherwise after them ("好的" to a yes/no is the answer).
    claims_first: bool = False
    #: A shared location or link (or a photo) with no words, outside any dialogue, reaches
    #: :meth:`handle` of the first handler that says so (a report offers to start there);
    #: a photo posted in a group reaches it addressed or not, to be kept quietly.
    takes_shared: bool = False

    def claims(self, text: str) -> str | None:
        """What this handler recognises ``text`` to be on its own, whatever dialogue is
        open and before any classifier (an emergency, a greeting, an everyday question):
        a short label the router records, or None. The router then calls :meth:`claimed`."""
        return None

    async def claimed(self, ctx: Context, label: str) -> Sequence[Reply]:
        """Answer a message :meth:`claims` recognised."""
        raise NotImplementedError

    async def recognises(self, ctx: Context) -> bool:
        """Outside any dialogue and before the classifier: the message is this handler's
        by what is stored now (an open poll's option typed alone, "西门"), not by its
        words alone. Asked only of handlers that override it; they keep it cheap."""
        return False

    async def command_meant(self, ctx: Context) -> str | None:
        """The command of :attr:`grammar` a message is though not written as one (a grid
        worker's "R… 办好了 阀门换了" is "办结 R… 阀门换了"): that command's text, which
        the router then runs as typed; None when it is none. Asked, of handlers that
        override it, of every message no command parses, in a dialogue or not: they
        keep it cheap (the words first, the database only then)."""
        return None

    def reads(self, ctx: Context) -> Reading:
        """Inside this handler's flow, what a free-text message is (not a command, not a
        cancel, not claimed by anyone, not a typed answer): by default part of it."""
        return Reading.ANSWER

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        """A fresh message routed by phrase or intent."""
        raise NotImplementedError

    async def run(self, ctx: Context, parsed: Parsed) -> Sequence[Reply]:
        """A command of :attr:`grammar`: its ``action`` method, with its arguments; a
        refusal of the domain is answered with its sentence (its changes roll back with
        the message only if the handler raised past this; a refusal changes nothing)."""
        action = getattr(self, parsed.command.action)
        try:
            replies: Sequence[Reply] = await action(ctx, **parsed.values)
        except DomainError as exc:
            return [Reply(self.refusal(exc))]
        return replies

    async def answer(self, ctx: Context, *, resume: bool) -> Sequence[Reply]:
        """A message routed by phrase or intent (:meth:`handle`) or inside the flow
        (:meth:`resume`); a refusal of the domain is answered as :meth:`run` answers it
        ("T9" of a topic that doesn't exist is told so, not "系统开小差")."""
        try:
            return await (self.resume(ctx) if resume else self.handle(ctx))
        except DomainError as exc:
            return [Reply(self.refusal(exc))]

    def refusal(self, exc: DomainError) -> str:
        """The sentence that says why the domain refused (``section.code``); one met
        acting for a resident (代办, a paper ballot) names them with the catalogue's
        ``assisted`` variant where the line says 您 (“T1 是张阿姨自己提的议题”)."""
        assisted = f"{exc.section}.assisted.{exc.code}"
        if exc.acting_for is not None and assisted in catalog():
            return t(assisted, **{**exc.values, "name": exc.acting_for})
        return t(f"{exc.section}.{exc.code}", **exc.values)

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        """A message inside this handler's :attr:`flow`."""
        return await self.handle(ctx)

    def open_card(self, ctx: Context, replies: Sequence[Reply]) -> Sequence[Reply]:
        """Keep ``replies``' buttons as the sender's latest open card (:attr:`flow` is a
        :func:`~kernel.flows.card_flow`): their words typed do what a tap does. A draft
        open in another dialogue is not put down for it: the buttons work, tapped."""
        assert self.flow is not None
        conv = ctx.conversation
        if conv.active and conv.flow != self.flow.name and conv.card is not None:
            return replies
        buttons = [b for reply in replies for b in reply.buttons]
        ctx.conversation.start(self.flow.name, CARD, **{TAPS: card_taps(buttons)})
        return replies

    async def typed_tap(self, ctx: Context) -> Sequence[Reply]:
        """A button's word typed under the open card: what the button sends, run as the
        command of :attr:`grammar` it is, exactly as the tap would be. A word the card has
        no button for is no answer to it (:class:`NotForThisFlow`)."""
        taps = ctx.conversation.data.get(TAPS)
        ctx.conversation.end()
        data = taps.get(ctx.text.strip().lower()) if isinstance(taps, dict) else None
        parsed = self._parsed(str(data)) if data else None
        if parsed is None:
            raise NotForThisFlow
        ctx.message = replace(ctx.message, text=str(data))
        ctx.command = parsed
        return await self.run(ctx, parsed)

    def _parsed(self, text: str) -> Parsed | None:
        """``text`` as one of this handler's commands (the longest verb), or None."""
        best: Parsed | None = None
        for command in self.grammar:
            try:
                found = parse(command, text)
            except MissingArguments:
                continue
            if found is not None and (best is None or len(found.verb) > len(best.verb)):
                best = found
        return best
