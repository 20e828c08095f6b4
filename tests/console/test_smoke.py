from __future__ import annotations

from tests.console.conftest import Browserless
from tests.kit import Town


async def test_every_page_opens(town: Town, as_li: Browserless) -> None:
    await town.zhang.says("我想提个议题：小区停车位太少，建议在3号楼旁边增设停车位")
    for path in (
        "/console/",
        "/console/tickets",
        "/console/topics",
        "/console/meetings",
        "/console/polls",
        "/console/decisions",
        "/console/residents",
        "/console/notices",
        "/console/reports",
        "/console/reports/2026-11",
        "/console/tickets.csv",
    ):
        status, text = await as_li.page(path)
        assert status == 200, (path, text[:2000])
