"""Which poll words are for when they name none — and when to ask rather than count.

A vote is counted, so words are taken as one only for the poll they clearly mean:

- "我反对T3" names a topic: it is never a vote on some other poll that happens to be
  open, and even on T3's own poll it is asked about first (a tap on the poll's button);
- the polls in play are those the words fit (:func:`consultation.ballots.fits`): "投2",
  "B" or "西门" answer a poll of options, never a yes/no poll (whose card asks for 赞成),
  and "西门" only a poll with that option; when they fit none, all are. With an
  anonymous poll in play only the words' form counts, never the option they name.
  Wherever a poll was opened (the group, a moderator's own chat): its card is shown
  everywhere, so the chat the words come from says nothing of which is meant.
- words one open poll takes count at once as a first vote on it; two open polls that
  both take them are asked about; over a vote already cast it asks before changing it.
- a poll that ended lately without the person's vote (a late 赞成 meant for it) matters
  only when no open poll takes the words: then it is asked about, never counted.
- words that say they change a vote ("我改主意了，反对") are for the one open poll the
  person voted in, when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from consultation.ballots import PollKind, fits
from consultation.polls import Poll, PollError, PollService
from storage.models import Resident
from storage.polls import PollVoter

#: A poll that ended this recently, that the person could vote in and didn't, is still in
#: play for them: a bare 赞成 may be a late vote meant for it.
RECENTLY_ENDED = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class InPlay:
    """The polls a person's bare vote words could be meant for."""

    #: Open polls they may vote in.
    open: list[Poll] = field(default_factory=list)
    #: Polls ended lately that they could have voted in and didn't.
    ended: list[Poll] = field(default_factory=list)

    @property
    def only(self) -> Poll | None:
        """The one poll the words can only mean; None when that must be asked."""
        return self.open[0] if len(self.open) == 1 and not self.ended else None

    def meant_by(self, text: str) -> InPlay:
        """Those of the polls ``text`` fits (:meth:`narrowed`); all of them when it fits
        none (it is asked about, or told it is no choice of theirs).

        With an anonymous poll among them, only the form of the words counts (赞成/反对/
        弃权, or anything else for a poll of options), never which option they name:
        whether the vote is counted or asked about — an answer that is kept — must not
        depend on the secret choice ("西门" counted where "投2" would be asked)."""
        if any(p.anonymous for p in (*self.open, *self.ended)):
            yes_no = fits(text, PollKind.YESNO, ())
            return self.narrowed(lambda poll: (poll.kind == PollKind.YESNO.value) == yes_no)
        return self.narrowed(lambda poll: words_fit(text, poll))

    def narrowed(self, keep: Callable[[Poll], bool]) -> InPlay:
        """The open polls ``keep`` takes, when there are any: an open poll the words fit
        is what they are for, whatever ended lately. Else the ended ones it takes, beside
        every open poll (a late vote, asked about); else all of them."""
        taking = [p for p in self.open if keep(p)]
        if taking:
            return InPlay(taking)
        late = [p for p in self.ended if keep(p)]
        return InPlay(self.open, late) if late else self


#: Words that say a vote already cast is being changed.
CHANGING = re.compile(r"改主意|改变主意|改成|改为|改投|改票|换成|重新投|重投")


def words_fit(text: str, poll: Poll) -> bool:
    """``text`` is a choice in the form ``poll`` asks for (:func:`consultation.ballots.fits`)."""
    return fits(text, PollKind(poll.kind), poll.options, poll.max_choices)


class VoteTargets:
    """The polls a message's words could be meant for, read through the poll service."""

    def __init__(self, service: PollService) -> None:
        self.service = service

    async def on_topic(self, topic_id: int) -> list[Poll]:
        """The open polls taken on a topic (usually one), oldest first."""
        return [
            poll
            for poll in await self.service.polls.open_polls()
            if poll.topic_id == topic_id and self.service.is_open(poll)
        ]

    async def _key(self, poll: Poll, resident: Resident) -> str | None:
        """The key ``resident`` votes under in ``poll``; None when they may not vote in it."""
        try:
            return await self.service.voter_key(poll, resident)
        except PollError:
            return None

    async def in_play(self, resident: Resident) -> InPlay:
        """Open polls ``resident`` may vote in, and those ended lately without their vote.
        Wherever each was opened: every poll's card is shown in the group and in the
        voter's own chat, so the chat the words come from does not say which is meant."""
        service = self.service
        running = list(await service.polls.open_polls())
        live = [p for p in running if service.is_open(p) and await self._key(p, resident)]
        ended = []
        past = [p for p in running if not service.is_open(p)]  # its close not yet run
        for poll in [*past, *await service.polls.closed_since(service.now - RECENTLY_ENDED)]:
            key = await self._key(poll, resident)
            if key is not None and await service.polls.voter(poll.id or 0, key) is None:
                ended.append(poll)
        return InPlay(live, ended)

    async def own_vote(self, poll: Poll, resident: Resident) -> PollVoter | None:
        """The vote ``resident`` cast in the chat in ``poll`` (theirs alone: not a paper
        ballot, not another member of the household's), if any."""
        key = await self._key(poll, resident)
        found = await self.service.polls.voter(poll.id or 0, key) if key else None
        if found is None or found.resident_id != resident.id or found.channel != "chat":
            return None
        return found

    async def ballots_of(
        self, resident: Resident, named: int | None
    ) -> list[tuple[Poll, PollVoter]]:
        """The polls ``resident`` took part in — ``named``, else those open or ended within
        :data:`RECENTLY_ENDED` — each with the participation row their vote is on (a
        household's vote may be another member's)."""
        service = self.service
        if named is not None:
            polls = [await service.get(named)]
        else:
            since = service.now - RECENTLY_ENDED
            polls = [*await service.polls.open_polls(), *await service.polls.closed_since(since)]
        found = []
        for poll in polls:
            key = await self._key(poll, resident)
            voter = await service.polls.voter(poll.id or 0, key) if key else None
            if voter is not None:
                found.append((poll, voter))
        return found
