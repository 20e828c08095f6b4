"""Words a resident answers a draft with (a report, a topic): the same in every draft flow."""

from __future__ import annotations

import re

CONFIRM_WORDS = frozenset({"确认提交", "确认", "提交", "是", "是的", "对", "好", "好的", "ok"})
#: "继续" after the word about a kept draft: show where it stands.
GO_ON = ("继续",)

#: 开启通知 in people's words ("我要接收通知", "还是通知我吧", "恢复提醒"); never the bare
#: "通知我" the report's own question takes as its answer.
UPDATES_ON = (
    r"(?:我|请)?(?:还是|重新|再)?(?:要|想|想要|需要)?(?:重新|再)?"
    r"(?:开启|打开|开通|恢复|接收|接受|收)(?:一下)?(?:处理)?(?:进展|进度)?的?(?:通知|提醒)"
    r"(?:吧|了|啦)?[。！!~～]*",
    r"(?:那|那就)?还是(?:要)?通知我吧?[。！!~～]*",
)
#: 关闭通知 in people's words ("不要再通知我了", "别给我发通知了", "不用通知我",
#: "通知就不用了"): each names the notices, so a bare "不用" keeps its meaning wherever
#: it is said (a no to the question asked, a cancel). Not 提醒: "不用提醒了" after a
#: meeting's or a vote's reminder is about those, not a ticket's progress.
UPDATES_OFF = (
    r"(?:我|请)?(?:要|想)?(?:关闭|关掉|关了|停止|停掉|退订)(?:一下)?(?:处理)?(?:进展|进度)?"
    r"的?通知(?:吧|了|啦)?[。！!~～]*",
    r"(?:以后|今后|之后)?(?:请|就)?(?:不要|不用|别|甭|不需要|无需)(?:再)?(?:给我)?"
    r"(?:发|推送|推)?(?:处理)?(?:进展|进度)?的?通知(?:我)?(?:了|啦|吧)?[。！!~～]*",
    r"(?:我)?(?:不想|不要|不愿意|不需要|不)(?:再)?(?:收|接收|接|接到|收到)(?:处理)?(?:进展|进度)?的?"
    r"通知(?:了|啦)?[。！!~～]*",
    r"(?:以后|今后)?(?:的)?(?:进展)?通知(?:就)?(?:不用|不要|别)(?:再)?(?:发|推)?(?:了|啦)?[。！!~～]*",
)
_UPDATES_ON = tuple(re.compile(p) for p in UPDATES_ON)
_UPDATES_OFF = tuple(re.compile(p) for p in UPDATES_OFF)


def updates_said(text: str) -> bool | None:
    """True when ``text`` asks for progress notices (开启通知 in its words), False when
    it asks for none (关闭通知), None when it says neither."""
    said = text.strip()
    if any(p.fullmatch(said) for p in _UPDATES_OFF):
        return False
    if any(p.fullmatch(said) for p in _UPDATES_ON):
        return True
    return None
