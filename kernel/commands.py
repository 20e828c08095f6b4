"""Chat commands declared once: the verb, its arguments, who may use it, its line in 帮助.

A handler lists its :class:`Command` s; the router parses a message against all of
them and hands the handler the parsed arguments (``结束投票 P3`` → ``close(ctx,
poll=3)``), and the help text is generated from the same declarations, so what
the help promises is what the router accepts.

Syntax: the verb, then the arguments in order, separated by spaces where they
need to be (``附议T12`` and ``附议 T12`` both work). A message matches a command
only when all of it parses; a verb alone whose arguments are missing is answered
with the command's usage; a verb followed by text that is not its arguments is
not the command (``办结了吗`` is a question, not 办结).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from consultation.roles import Role


class Kind(StrEnum):
    REF = "ref"  # P3, T12, D4: an object by its letter and number → int
    MEETING = "meeting"  # M202612 → "M202612"
    TICKET = "ticket"  # R20261122-0007 → "R20261122-0007"
    WORD = "word"  # one token without spaces → str
    NUMBER = "number"  # digits → int
    REST = "rest"  # everything left (may be empty when optional) → str


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: its name (the handler's keyword), kind, and the example help shows."""

    name: str
    kind: Kind
    example: str
    prefix: str = ""
    optional: bool = False
    pattern: str | None = None
    #: A reference may be given as the bare number ("附议 12").
    bare: bool = False


def ref(
    prefix: str, name: str, *, optional: bool = False, example: str = "", bare: bool = False
) -> Arg:
    return Arg(name, Kind.REF, example or f"{prefix}3", prefix=prefix, optional=optional, bare=bare)


def meeting(name: str = "code", *, optional: bool = False) -> Arg:
    return Arg(name, Kind.MEETING, "M202612", optional=optional)


def ticket(name: str = "number", *, optional: bool = False, example: str = "R20261122-0007") -> Arg:
    return Arg(name, Kind.TICKET, example, optional=optional)


def word(name: str, example: str, *, optional: bool = False, pattern: str | None = None) -> Arg:
    return Arg(name, Kind.WORD, example, optional=optional, pattern=pattern)


def number(name: str, example: str, *, optional: bool = False) -> Arg:
    return Arg(name, Kind.NUMBER, example, optional=optional)


def rest(name: str, example: str, *, optional: bool = True) -> Arg:
    return Arg(name, Kind.REST, example, optional=optional)


@dataclass(frozen=True, slots=True)
class Command:
    """A chat command. ``action`` names the handler's method that runs it; ``section``
    groups it in the staff help (诉求, 议题, 议事日, 投票, …)."""

    verb: str
    action: str
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()
    roles: frozenset[Role] | None = None
    section: str = ""
    listed: bool = True
    #: Its answer is for the asker alone (:attr:`Reply.private`): typed in a group, it
    #: comes in their own chat and the group sees neither (a list naming residents, a
    #: vote cast for someone, the schedule of notices).
    private: bool = False

    @property
    def verbs(self) -> tuple[str, ...]:
        return (self.verb, *self.aliases)

    @property
    def usage(self) -> str:
        """``结束投票 P3`` · ``驳回 T3 理由…`` · ``创建议事日 [2026-12]``."""
        parts = [self.verb]
        for arg in self.args:
            if arg.example:
                parts.append(f"[{arg.example}]" if arg.optional else arg.example)
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A message read as a command: which, and its arguments by name."""

    command: Command
    values: dict[str, Any] = field(default_factory=dict)
    #: The verb (or alias) the message used.
    verb: str = ""


class MissingArguments(Exception):
    """The verb alone (or with too little): the router answers with the usage."""

    def __init__(self, command: Command) -> None:
        super().__init__(command.verb)
        self.command = command


_REF = {p: re.compile(rf"{p}\s*(\d{{1,9}})(?![0-9])", re.IGNORECASE) for p in "PTDM"}
_BARE_REF = {p: re.compile(rf"{p}?\s*(\d{{1,9}})(?![0-9])", re.IGNORECASE) for p in "PTDM"}
_MEETING = re.compile(r"M\d{6}(?![0-9])", re.IGNORECASE)
_TICKET = re.compile(r"R\s*-?\s*(20\d{6})\s*[-‐‑‒–—−]\s*(\d{1,6})(?![0-9])", re.IGNORECASE)
_WORD = re.compile(r"\S+")
_NUMBER = re.compile(r"\d{1,9}(?![0-9])")


def _take(arg: Arg, text: str) -> tuple[Any, str] | None:
    """Read ``arg`` at the start of ``text``: (value, what is left) or None."""
    if arg.kind is Kind.REST:
        return text.strip(), ""
    if arg.kind is Kind.REF:
        found = (_BARE_REF if arg.bare else _REF)[arg.prefix.upper()].match(text)
        return (int(found.group(1)), text[found.end() :].lstrip()) if found else None
    if arg.kind is Kind.MEETING:
        found = _MEETING.match(text)
        return (found.group(0).upper(), text[found.end() :].lstrip()) if found else None
    if arg.kind is Kind.TICKET:
        found = _TICKET.match(text)
        if not found:
            return None
        number = f"R{found.group(1)}-{int(found.group(2)):04d}"
        return number, text[found.end() :].lstrip()
    if arg.kind is Kind.NUMBER:
        found = _NUMBER.match(text)
        return (int(found.group(0)), text[found.end() :].lstrip()) if found else None
    found = _WORD.match(text)
    if not found or (arg.pattern and not re.fullmatch(arg.pattern, found.group(0))):
        return None
    return found.group(0), text[found.end() :].lstrip()


@functools.cache
def _longest_first(verbs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(verb, its lower case), the longest first: "绑定二维码" is tried before "绑定"."""
    return tuple((verb, verb.lower()) for verb in sorted(verbs, key=len, reverse=True))


def _strip_verb(command: Command, text: str) -> tuple[str, str] | None:
    """(the verb used, what follows it), or None when ``text`` doesn't start with one."""
    lowered = text.lower()
    for verb, verb_lower in _longest_first(command.verbs):
        if lowered.startswith(verb_lower):
            left = text[len(verb) :]
            if verb.startswith("/"):  # /bindcode@yishi_bot 张阿姨 (Telegram groups)
                left = re.sub(r"^@\S+", "", left)
            return verb, left.lstrip()
    return None


#: What may follow a verb for the message to be meant as the command: a space or a colon,
#: or an argument run on (结束投票5, 驳回T3); not a word ("办结了吗", "邀请大家来").
_ARGUMENTS_FOLLOW = re.compile(r"[\s:：,，]|[A-Za-z]?\s?\d")


#: Words around a command that don't change which command it is: 看看/查看/查一下 before it
#: ("看看报名名单" is 报名名单, never 报名), punctuation at either end ("报名名单？").
_LOOK = re.compile(r"^(?:请|麻烦)?(?:帮我|给我)?(?:看看|看一下|查看|查一下|查查)\s*[:：]?\s*")
_EDGES = re.compile(r"^[\s，,。.！!？?~～…、]+|[\s，,。.！!？?~～…、]+$")


def command_words(text: str) -> str:
    """``text`` without what may surround a command and is not part of it (see ``_LOOK``
    and ``_EDGES``): the router reads a message so when it is no command as typed."""
    plain = _EDGES.sub("", text)
    return _EDGES.sub("", _LOOK.sub("", plain))


def verb_meant(command: Command, text: str) -> str | None:
    """The verb of ``command`` that ``text`` starts with, followed by what would be its
    arguments, whether or not they parse ("议程 M202612 T3 二十分钟"); None otherwise."""
    stripped, lowered = text.strip(), text.strip().lower()
    for verb, verb_lower in _longest_first(command.verbs):
        if lowered.startswith(verb_lower) and _ARGUMENTS_FOLLOW.match(stripped, len(verb)):
            return verb
    return None


def parse(command: Command, text: str) -> Parsed | None:
    """``text`` as ``command`` (all of it), None when it isn't; raises
    :class:`MissingArguments` when it is the verb with required arguments missing."""
    found = _strip_verb(command, text.strip())
    if found is None:
        return None
    verb, left = found
    values: dict[str, Any] = {}
    for arg in command.args:
        if not left:
            if arg.optional:
                values[arg.name] = None
                continue
            raise MissingArguments(command)
        taken = _take(arg, left)
        if taken is None:
            if arg.optional:
                values[arg.name] = None
                continue
            return None
        values[arg.name], left = taken
    return Parsed(command, values, verb) if not left else None


def staff_help(commands: list[Command], role: Role, sections: tuple[str, ...]) -> list[str]:
    """``投票：开启投票 …｜结束投票 P3｜…`` per section, for the commands ``role`` may use.
    A command that is its section's name (工作台) is the line's head, not said twice
    (“工作台：工作台”)."""
    lines = []
    for section in sections:
        usages = list(
            dict.fromkeys(
                c.usage
                for c in commands
                if c.section == section and c.listed and c.roles is not None and role in c.roles
            )
        )
        if not usages:
            continue
        others = [u for u in usages if u != section]
        if len(others) == len(usages):
            lines.append(f"{section}：" + "｜".join(others))
        else:
            lines.append("｜".join([section, *others]))
    return lines
