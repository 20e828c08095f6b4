"""What a message after a rating is: a comment on the rated ticket, or a new matter.

After "想补充意见可以直接说" residents add a word about the repair ("师傅态度很好",
"就是慢了点") — or, just as often, go on to the next thing that is wrong ("8号楼楼下的
健身器材坏了") or a proposal ("我有个建议 小区能不能建个老年食堂"). A new matter filed as a
comment on an archived ticket is lost: nobody is told. So a message that names a
problem in a place, or opens a proposal, is a new matter; one that only hints at one
is asked about; anything else is the comment.
"""

from __future__ import annotations

import re
from enum import StrEnum

from nlu.dialogue import squeeze
from nlu.lexicon import describes_problem, names_problem
from nlu.normalize import normalize
from nlu.slots.rating import parse_rating

#: Opening a proposal of one's own: never a word about the repair just rated.
PROPOSAL_OPENERS = re.compile(
    r"(?:我|俺)?(?:有|想提|提|再提)(?:个|一个|条|一条)(?:建议|提议|意见|想法|议题)"
    r"|(?:我|俺)?想(?:提议|建议社区|建议小区)|提个议题|发起议题"
    r"|(?:社区|小区)(?:能不能|可不可以|能否|应该)(?:建|修建|装|安装|加装|搞|办|开|设|增加|添)"
)
#: Hints of a proposal or a problem too weak to decide alone ("建议下次早点来" is a
#: comment on the repair; "建议装个路灯" may be a new matter): asked about.
PROPOSAL_HINTS = ("建议", "提议", "能不能", "可不可以", "希望社区", "希望小区")
#: Words that speak of the repair just rated (还是, 又, 师傅, 这次): a problem said with
#: them is likely about that ticket, so it is asked about, not taken as new.
ABOUT_THE_REPAIR = (
    "还是",
    "又",
    "还没",
    "没修",
    "没清",
    "没弄",
    "没处理",
    "师傅",
    "网格员",
    "这次",
    "刚才",
    "刚修",
    "修的",
    "修了",
    "清的",
    "处理的",
    "依旧",
    "仍然",
    "照样",
)


class AfterRating(StrEnum):
    """What a message typed after a rating is."""

    #: A word about the rated ticket: kept as its comment.
    COMMENT = "comment"
    #: A problem or a proposal of its own: handled as if nothing were open.
    NEW = "new"
    #: Could be either: asked ("是对 R… 的补充意见，还是新的问题？").
    UNSURE = "unsure"


def after_rating(text: str, *, complaining: bool = False, elsewhere: bool = False) -> AfterRating:
    """Read a message typed after a ticket was rated. ``complaining``: the rating was
    不满意 and the resident was asked what is wrong, so a problem without a place of its
    own is the answer (their comment), not a new report. ``elsewhere``: the words name
    another place than the rated ticket's, so a problem in them ("8号楼的下水道又堵了",
    又 and all) is a new one there."""
    body = squeeze(normalize(text))
    if PROPOSAL_OPENERS.search(body):
        return AfterRating.NEW
    if elsewhere and (names_problem(body) or parse_rating(body).get("rating") == "unsatisfied"):
        return AfterRating.NEW
    about = any(w in body for w in ABOUT_THE_REPAIR)
    if describes_problem(body):
        if about:
            return AfterRating.COMMENT if complaining else AfterRating.UNSURE
        return AfterRating.UNSURE if complaining else AfterRating.NEW
    if any(w in body for w in PROPOSAL_HINTS):
        return AfterRating.UNSURE
    if names_problem(body) and not about and not complaining:
        return AfterRating.UNSURE
    return AfterRating.COMMENT
