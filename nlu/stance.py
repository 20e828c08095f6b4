"""Where a sentence about a topic stands: an explicit 附议, taking one back, or disagreement.

A topic's number in a sentence is not a signature: "T3这个议题我不太赞同" names T3 and
disagrees with it. Co-signing is counted, so only words that clearly ask for it count
(附议 T3 · 我附议T3 · 支持T3 · T3我也支持), never with a negation; anything else that
names a topic is answered with how the topic stands (:mod:`handlers.topics`).
"""

from __future__ import annotations

import re

from nlu.dialogue import squeeze

_REF = r"t\d{1,9}"
_WHO = r"(?:我|俺|本人)?(?:也|就|还是|想|要|愿意|来|先)*"
_COSIGN_VERB = r"(?:附议|支持)(?:一下|一个|一票)?"
_POLITE = r"(?:议题|这个议题|这个)?(?:吧|啊|呀|哈|了|哦|嗯)*"
#: The whole message (squeezed: no spaces or punctuation), and nothing else.
_COSIGN = re.compile(
    rf"{_WHO}{_COSIGN_VERB}(?:议题)?{_REF}{_POLITE}"
    rf"|{_REF}(?:这个议题|议题|这个)?{_WHO}{_COSIGN_VERB}{_POLITE}"
)
_WITHDRAW = re.compile(
    r"(?:取消|撤回|撤销|收回|撤掉|去掉)(?:我的|我)?(?:对)?(?:t\d{1,9})?(?:的)?附议"
    r"|不(?:想|要|再)?附议(?:t\d{1,9})?了"
    r"|附议(?:t\d{1,9})?(?:我)?(?:要|想)?(?:取消|撤回|撤销|收回)"
)
#: Not agreeing, in the words people use (不太赞同, 不怎么同意, 反对, 没必要 …).
_DISAGREE = re.compile(
    r"(?:不|没)(?:太|大|怎么|是很|很|咋)?(?:赞同|同意|赞成|支持|认同|认可|看好|附议)"
    r"|反对|否决|不行|没必要|不需要|不应该|不合适|不妥|不靠谱|别搞|不要搞"
)
_NEGATION = re.compile(r"不|没|别|反对|取消|撤")


def explicit_cosign(text: str) -> bool:
    """The message asks to co-sign the topic it names, in so many words, unnegated."""
    body = squeeze(text)
    return bool(_COSIGN.fullmatch(body)) and not _NEGATION.search(body)


def withdraws_cosign(text: str) -> bool:
    """The message takes a co-signature back (取消附议 T3, 我不附议T3了, 撤回对T3的附议)."""
    return bool(_WITHDRAW.search(squeeze(text)))


def disagrees(text: str) -> bool:
    """The message says the sender does not agree (不太赞同, 反对, 没必要)."""
    return bool(_DISAGREE.search(squeeze(text)))
