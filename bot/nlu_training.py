"""``yishi nlu train``: the community's model from the shipped corpus plus its own labels.

Reads what moderators labelled in chat (``storage.nlu_samples``) and the
community's words — the register's building names, the configured local places
and property company — then trains with :func:`nlu.cli.train_community`, which
prints accuracy before and after on the shipped evaluation set and writes the
model where ``yishi run`` loads it (``[nlu] model_path``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from nlu.cli import CommunityTraining, train_community
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from storage.nlu_samples import NluSampleRepository
from storage.unit_of_work import UnitOfWorkFactory

_NUMBERED_PART = re.compile(
    r"[\dA-Za-z一二三四五六七八九十零〇两]+\s*(号楼|号|栋|幢|座|单元|楼|期|区)?$"
)


def place_words(building_names: Iterable[str]) -> dict[str, str]:
    """Words residents use for the register's buildings: 金桂苑1栋 → 金桂苑 (a bare
    3号楼 adds nothing: numbers are understood already)."""
    found: dict[str, str] = {}
    for name in building_names:
        base = _NUMBERED_PART.sub("", name.strip()).strip(" -·")
        if len(base) >= 2:
            found[base] = "place"
    return found


async def community_corpus(settings: Settings) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(labelled (text, intent) pairs, community words) from the configured database."""
    engine = create_engine(settings.storage.url)
    factory = UnitOfWorkFactory(session_factory(engine))
    try:
        await upgrade(engine)
        async with factory() as uow:
            repo = uow.get(NluSampleRepository)
            labelled = [(s.text, s.label) for s in await repo.labelled() if s.label]
            buildings = await repo.building_names()
    finally:
        factory.close()
        await engine.dispose()
    words = {**place_words(buildings), **settings.nlu.words()}
    return labelled, words


def train_community_model(
    settings: Settings, labelled: list[tuple[str, str]], words: dict[str, str], stdout: TextIO
) -> CommunityTraining:
    """Train and save the community's model where ``yishi run`` loads it."""
    path = Path(settings.nlu.model_path)
    return train_community(labelled, words, path, current_model=path, stdout=stdout)
