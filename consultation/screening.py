"""Pre-screening a proposed topic against the 协商事项目录 and the "六议六不议" list.

Only a hint for the moderator, who decides. The defaults follow Tongling's
practice (seed 003: a 《城乡社区协商事项目录》 with "六议六不议"); communities
configure their own lists. Each entry is ``name: keyword, keyword, …``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: 协商事项目录: kinds of public matter the community consults on.
DEFAULT_CATALOGUE: tuple[str, ...] = (
    "公共设施: 停车, 车位, 充电, 电梯, 路灯, 健身, 设施, 道路, 绿化, 加装",
    "环境卫生: 垃圾, 分类, 卫生, 绿化, 噪音, 污水, 异味",
    "公共安全: 消防, 监控, 门禁, 安全, 电动车, 飞线",
    "公益服务: 养老, 助餐, 托育, 活动室, 食堂, 志愿",
    "物业管理: 物业, 物业费, 维修基金, 公共收益",
    "邻里公约: 公约, 养犬, 宠物, 晾晒, 文明",
)

#: 六议: what is discussed.
DEFAULT_DISCUSS: tuple[str, ...] = (
    "居民普遍关心的公共事务: 小区, 楼栋, 公共, 大家",
    "公共设施建设和管理: 停车, 电梯, 路灯, 设施, 充电",
    "环境整治和卫生: 垃圾, 卫生, 环境, 绿化",
    "公益事业和便民服务: 养老, 助餐, 服务, 活动",
    "物业服务和公共收益: 物业, 收益, 维修基金",
    "居民公约和邻里关系: 公约, 邻里, 文明, 养犬",
)

#: 六不议: what is not discussed (each with the reason the proposer sees).
DEFAULT_NOT_DISCUSS: tuple[str, ...] = (
    "违反法律法规和政策的事项: 违法, 违建, 赌, 私搭乱建合法化",
    "超出社区职权范围的事项: 房价, 学区, 拆迁补偿, 户口, 工资",
    "涉及个人隐私和私人纠纷的事项: 离婚, 借钱, 欠钱, 家务事, 隐私, 私人恩怨",
    "已有明确规定或已经决定的事项: 已经决定, 已有规定, 上级规定",
    "涉及民族宗教的事项: 宗教, 民族",
    "涉及国家秘密和商业秘密的事项: 机密, 商业秘密",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One list entry: its name and the keywords that point to it."""

    name: str
    keywords: tuple[str, ...]

    @classmethod
    def parse(cls, line: str) -> Rule:
        name, _, words = line.partition(":")
        keywords = tuple(w.strip() for w in words.replace("，", ",").split(",") if w.strip())
        return cls(name.strip(), keywords)

    def hits(self, text: str) -> list[str]:
        return [k for k in self.keywords if k in text]


@dataclass(frozen=True, slots=True)
class ScreenHint:
    """What the pre-screen found: ``verdict`` is ``ok``, ``not_discuss`` or ``unclear``."""

    verdict: str
    catalogue: tuple[str, ...] = ()
    discuss: tuple[str, ...] = ()
    not_discuss: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "catalogue": list(self.catalogue),
            "discuss": list(self.discuss),
            "not_discuss": list(self.not_discuss),
        }


def screen(
    text: str,
    catalogue: Sequence[str] = DEFAULT_CATALOGUE,
    discuss: Sequence[str] = DEFAULT_DISCUSS,
    not_discuss: Sequence[str] = DEFAULT_NOT_DISCUSS,
) -> ScreenHint:
    """Match ``text`` against the lists; a 不议 hit outweighs everything else."""

    def names(lines: Sequence[str]) -> tuple[str, ...]:
        return tuple(r.name for r in map(Rule.parse, lines) if r.hits(text))

    bad = names(not_discuss)
    cat, good = names(catalogue), names(discuss)
    if bad:
        verdict = "not_discuss"
    elif cat or good:
        verdict = "ok"
    else:
        verdict = "unclear"
    return ScreenHint(verdict, cat, good, bad)
