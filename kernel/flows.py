"""Multi-step conversations declared as states and transitions, read in one place.

Like python-telegram-bot's ``ConversationHandler``, a handler that talks in several
steps declares its :class:`Flow`: each :class:`Step`, the steps it may move on to,
the kind of answer it waits for, and whether it is only kept to recognise a late
answer. The router reads the declaration (what a step expects decides whether a
message is an answer or a new request: a message must be recognised as
belonging to the dialogue, else it is routed as new) and holds the handler to it: a move the
flow does not declare is a bug and fails the message instead of leaving a
conversation in a state nobody wrote down.

A step named ``"question:*"`` stands for every step with that prefix (one step per
question a category asks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consultation.ids import CARD_STAMP, card_stamp_of

if TYPE_CHECKING:
    from kernel.messages import Button

#: The step a draft is kept at after 取消 (see :attr:`Flow.dropped`), and the words it
#: takes: those of the draft's 确认提交 button, not a "好的" said to "已取消".
DROPPED = "dropped"
SUBMIT_WORDS = ("确认提交", "确认", "提交")
#: Where a draft keeps its id (set when it starts, kept while it is edited, filed or
#: withdrawn): its card's buttons carry the stamp of it (:func:`draft_stamp`).
DRAFT_ID = "draft_id"
#: A put-down draft's button that takes it up again (``继续 v3f2a1c``).
TAKE_UP = "继续"
#: The words a draft's card carries its stamp with (``确认提交 v3f2a1c``, ``取消 v3f2a1c``),
#: as a 代办 card's buttons do (consultation.assisted.card_stamp).
CARD_WORDS = (SUBMIT_WORDS[0], "取消", TAKE_UP)
_CARD_TAP = re.compile(rf"({'|'.join(CARD_WORDS)})\s+({CARD_STAMP})", re.IGNORECASE)


_STAMP_TAIL = re.compile(rf"\s+{CARD_STAMP}$", re.IGNORECASE)


def without_stamp(text: str) -> str:
    """A card's button as the person who pressed it reads it back (a chat's history): its
    words without the stamp it carries (``确认提交 v3f2a1c`` is 确认提交; a 代办 card's too)."""
    return _STAMP_TAIL.sub("", text)


def draft_stamp(draft_id: Any) -> str | None:
    """The stamp of the draft ``draft_id`` names (None: no draft)."""
    return card_stamp_of(f"draft|{draft_id}") if draft_id else None


def stamped(word: str, draft_id: Any) -> str:
    """What a draft card's button ``word`` sends: the word and the draft's stamp, so an
    old card acts on its own draft only (:func:`card_tap`); just the word without one."""
    stamp = draft_stamp(draft_id)
    return f"{word} {stamp}" if stamp else word


def card_tap(text: str) -> tuple[str, str] | None:
    """A draft card's button pressed (``确认提交 v3f2a1c``): its word and stamp; else None."""
    found = _CARD_TAP.fullmatch(text.strip())
    return (found.group(1), found.group(2).lower()) if found else None


@dataclass(frozen=True, slots=True)
class Step:
    """One state: ``then`` the steps it may move to (ending is always allowed);
    ``expects`` the kind of answer it waits for ("rating", "confirm", "location",
    "text"); ``settled`` when the work is done and it is only kept to recognise a
    late answer (取消 there has nothing left to cancel)."""

    name: str
    then: tuple[str, ...] = ()
    expects: str | None = None
    settled: bool = False
    #: Words this step takes as its answer whatever else they could mean ("不用了" to
    #: "要通知您进展吗？" is a no, not a cancel; "继续" after a word about a kept draft).
    answers: tuple[str, ...] = ()
    #: The words this step offers to be tapped or typed (its buttons: 确认提交, 关注它): one
    #: typed with one character wrong is still that word (see :meth:`Flow.answer`). Only
    #: these: a near miss of a yes/no word may mean its opposite (不需要, 还需要).
    buttons: tuple[str, ...] = ()
    #: Ways of saying an answer in the person's own words (regular expressions, each the
    #: whole message): "不用通知我" to "要通知您进展吗？" is its no, not 关闭通知 said aside.
    phrases: tuple[str, ...] = ()

    def matches(self, step: str) -> bool:
        if self.name.endswith("*"):
            return step.startswith(self.name[:-1])
        return step == self.name


def near_miss(typed: str, word: str) -> bool:
    """``typed`` is ``word`` with one character wrong (a slip of pinyin input: 确人提交,
    确认体交): the same length, three characters or more, one position differing."""
    if len(word) < 3 or len(typed) != len(word):
        return False
    return sum(a != b for a, b in zip(typed, word, strict=True)) == 1


class FlowError(Exception):
    """A handler moved its conversation in a way its flow does not declare."""


@dataclass(frozen=True, slots=True)
class Flow:
    """A conversation's name (stored with the conversation) and its steps; the first
    steps a fresh message may open are ``starts``."""

    name: str
    steps: tuple[Step, ...]
    starts: tuple[str, ...] = ()
    #: The locale key of the word added when a message is answered as itself while this
    #: flow waits (its unsettled steps are kept); None: the flow is closed instead.
    kept: str | None = None
    #: The locale key said to a draft's confirmation (an old 确认提交 tapped) after 取消
    #: at its ``confirm`` step: the conversation is kept at :data:`DROPPED`, where the
    #: router answers :data:`SUBMIT_WORDS` with it once, so the tap is told the draft was
    #: withdrawn instead of being routed as a new message. None: 取消 ends the flow.
    dropped: str | None = None
    #: The locale key said when a message started another dialogue in this one's place
    #: while it was a draft (its unsettled steps): the draft is not dropped unsaid.
    put_down: str | None = None
    #: The locale key said when that put-down draft's old card is tapped (its 确认提交):
    #: nothing is filed, neither it nor the draft that took its place.
    put_down_tapped: str | None = None

    def drops(self, step: str | None) -> bool:
        """Whether 取消 at ``step`` keeps the draft at :data:`DROPPED`: a confirmation
        (and its 确认提交 button) was the last thing shown."""
        return self.dropped is not None and step == "confirm"

    def step(self, name: str | None) -> Step | None:
        if name is None:
            return None
        return next((s for s in self.steps if s.matches(name)), None)

    def expects(self, name: str | None) -> str | None:
        found = self.step(name)
        return found.expects if found is not None else None

    def answers(self, name: str | None) -> tuple[str, ...]:
        found = self.step(name)
        return found.answers if found is not None else ()

    def answer(self, name: str | None, text: str) -> str | None:
        """The word of step ``name`` that ``text`` is: one it takes as its answer (or says
        in one of its :attr:`Step.phrases`: then the text itself), or the one button word
        it misses by a character (:func:`near_miss`: "确人提交" is 确认提交); None when it
        is neither."""
        found = self.step(name)
        if found is None:
            return None
        typed = text.lower()
        if typed in found.answers:
            return typed
        if any(re.fullmatch(p, typed.strip()) for p in found.phrases):
            return typed
        near = [word for word in found.buttons if near_miss(typed, word)]
        return near[0] if len(near) == 1 else None

    def settled(self, name: str | None) -> bool:
        found = self.step(name)
        return found is not None and found.settled

    def check(self, before: str | None, after: str | None) -> None:
        """Raise :class:`FlowError` unless ``before → after`` is declared (``None`` is
        outside the flow: starting needs a declared start, ending is always allowed)."""
        if after is None or before == after:
            return
        if self.step(after) is None:
            raise FlowError(f"{self.name}: no step {after!r}")
        if before is None:
            if self.starts and not any(Step(s).matches(after) for s in self.starts):
                raise FlowError(f"{self.name}: cannot start at {after!r}")
            return
        current = self.step(before)
        if current is None:
            raise FlowError(f"{self.name}: no step {before!r}")
        if not any(Step(s).matches(after) for s in current.then):
            raise FlowError(f"{self.name}: {before!r} cannot move to {after!r}")


#: The step of a card that waits for one of its buttons, tapped or typed (:func:`card_flow`).
CARD = "card"
#: Where a card's conversation keeps what each of its buttons sends, by the words typed.
TAPS = "taps"
#: Typed alone under a card, the word of its one button that confirms (确认改期, 确认改绑).
CONFIRM = "确认"


def card_flow(name: str, *words: str) -> Flow:
    """A card whose buttons may be typed as well as tapped: while it is the sender's latest
    open card, a button's words (its label or the verb it sends, 确认 for the one that
    confirms, one character off still that word) do what the tap does. The handler keeps
    the card with :meth:`Handler.open_card <kernel.handler.Handler.open_card>` and answers
    the typed word with :meth:`~kernel.handler.Handler.typed_tap`; anything else said
    closes it (the handler's :meth:`reads` says so)."""
    return Flow(name, (Step(CARD, answers=(*words, CONFIRM), buttons=words),), starts=(CARD,))


def card_taps(buttons: Iterable[Button]) -> dict[str, str]:
    """What each of a card's buttons sends, by the words that may be typed for it: its
    label ("取消"), the verb its data starts with (取消改绑), and 确认 for the one
    confirming button."""
    taps: dict[str, str] = {}
    confirming: list[str] = []
    for button in buttons:
        taps.setdefault(button.label.lower(), button.data)
        taps.setdefault(button.data.split(maxsplit=1)[0].lower(), button.data)
        if button.label.startswith(CONFIRM):
            confirming.append(button.data)
    if len(confirming) == 1:
        taps.setdefault(CONFIRM, confirming[0])
    return taps
