"""The base every intent handler implements, and how a flow hands a message back."""

from __future__ import annotations

from collections.abc import Sequence

from consultation.roles import Role
from kernel.context import Context
from kernel.intents import Intent
from kernel.messages import Reply


class NotForThisFlow(Exception):
    """Raised by :meth:`Handler.resume` when the message is no answer to the open flow
    (a ticket filed minutes ago, then "我想发起议题"): the router ends the flow and routes
    the message afresh, as if no conversation were open."""


class Handler:
    """One intent's handler. Subclasses set the class attributes they answer to."""

    #: Intents the router sends here.
    intents: tuple[Intent, ...] = ()
    #: Exact words or slash commands that reach this handler before classification.
    commands: tuple[str, ...] = ()
    #: Regular expressions a whole message may match to reach this handler before
    #: classification (commands with arguments, e.g. ``审核\s*T\d+.*``); tried after
    #: exact commands, in registration order.
    patterns: tuple[str, ...] = ()
    #: Conversation step → the kind of answer it waits for ("rating", "vote", "confirm",
    #: "location"). A message that is no such answer but clearly another request is
    #: answered as that request, and the conversation stays open.
    expects: dict[str, str] = {}  # noqa: RUF012  (read-only class default)
    #: Words that reach this handler when a message starts with them ("绑定 483920").
    command_prefixes: tuple[str, ...] = ()
    #: Conversation flows this handler continues.
    flows: tuple[str, ...] = ()
    #: Steps kept open only to recognise a late answer after the work is done (a filed
    #: ticket): "取消" there has nothing left to cancel.
    settled_steps: tuple[str, ...] = ()
    #: Roles of which the sender needs one; None lets anyone in.
    required_roles: frozenset[Role] | None = None
    #: What the router records as the intent of a command this handler answers; None
    #: records ``command:`` and the first word. A vote sets "vote": its words are the
    #: choice, which must never sit next to the sender.
    record_as: str | None = None

    async def handle(self, ctx: Context) -> Sequence[Reply]:
        """A fresh message routed by command or intent."""
        raise NotImplementedError

    async def resume(self, ctx: Context) -> Sequence[Reply]:
        """A message inside one of this handler's :attr:`flows`."""
        return await self.handle(ctx)
