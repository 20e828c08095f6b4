"""Which polls bare vote words can be meant for: those the words fit."""

from __future__ import annotations

from consultation.vote_target import InPlay
from storage.polls import Poll

YES_NO = ["赞成", "反对", "弃权"]


def _poll(number: int, kind: str = "yesno", options: list[str] | None = None) -> Poll:
    return Poll(id=number, question=f"q{number}", kind=kind, options=options or YES_NO)


def test_the_polls_in_play_are_those_the_words_fit() -> None:
    ended = [_poll(2), _poll(3)]
    gates = _poll(4, "single", ["东门", "西门", "地库"])
    in_play = InPlay([gates], ended)
    assert in_play.only is None, "a bare 赞成 may be late for P2 or P3"
    for words in ("投2", "B", "西门", "我选地库"):
        assert in_play.meant_by(words).only is gates, words
    late = in_play.meant_by("赞成")  # fits the ended polls only: the open one still offered
    assert late.open == [gates] and late.ended == ended and late.only is None
    assert in_play.meant_by("随便").ended == ended, "fitting none, all stay in play"


def test_an_option_only_one_open_poll_offers_is_for_that_poll() -> None:
    sheds = _poll(1, "single", ["北门", "南门"])
    gates = _poll(2, "single", ["东门", "西门", "地库"])
    both = InPlay([sheds, gates])
    assert both.meant_by("西门").only is gates
    assert both.meant_by("投2").only is None, "B of either"
    assert both.meant_by("投3").only is gates, "only P2 has a C"


def test_with_an_anonymous_poll_in_play_only_the_form_of_the_words_counts() -> None:
    """Whether a vote is counted or asked about is kept with the message: it must not
    depend on which option of a secret ballot the words name."""
    sheds = _poll(1, "single", ["北门", "南门"])
    gates = _poll(2, "single", ["东门", "西门", "地库"])
    gates.anonymous = True
    both = InPlay([sheds, gates])
    for words in ("西门", "投2", "投3", "C"):
        assert both.meant_by(words).open == [sheds, gates], words
    late = InPlay([gates], [_poll(3)])  # a yes/no poll ended lately: not answered by "西门"
    assert late.meant_by("西门").only is gates and late.meant_by("投3").only is gates
    assert late.meant_by("赞成").ended == [late.ended[0]]


def test_a_poll_ended_lately_matters_only_when_no_open_poll_takes_the_words() -> None:
    """“投1” with P1 (北门/南门) ended lately and P2 open was asked about: P2 takes it."""
    sheds = _poll(1, "single", ["北门", "南门", "西门"])
    gates = _poll(2, "single", ["东门", "西门"])
    late = InPlay([gates], [sheds])
    for words in ("投1", "西门", "B"):
        assert late.meant_by(words).only is gates, words
    asked = late.meant_by("投3")  # P2 has no C: a late vote for P1, asked about
    assert asked.open == [gates] and asked.ended == [sheds] and asked.only is None
