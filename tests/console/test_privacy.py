"""What the 工作台 shows of what residents typed: a phone number in a report, masked in
every list, CSV and the 台账 (the rule's view, consultation/confidentiality.py); a
dispute's CSV built from the same view as the 台账; a department's contact never told
who reported; and a page's status line only what this session's own change said."""

from __future__ import annotations

import csv
import io

from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from tests.console.conftest import Browserless, login_with, token_in
from tests.kit import Speaker, Town

PHONE = "13812345678"
MASKED = "138****5678"


async def _filed(who: Speaker, words: str, *answers: str) -> str:
    draft = await who.says(words)
    for answer in answers:
        draft = await who.says(answer)
    return (await who.taps("确认提交", draft)).ticket


async def _csv(as_whom: Browserless) -> dict[str, dict[str, str]]:
    response = await as_whom.client.get("/console/tickets.csv")
    assert response.status == 200
    rows = csv.DictReader(io.StringIO((await response.text()).lstrip("\ufeff")))
    return {r["编号"]: r for r in rows}


async def _workbook_row(as_li: Browserless, number: str) -> dict[str, object]:
    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    sheet = load_workbook(io.BytesIO(await response.read()))["诉求"]
    [header, *rows] = list(sheet.iter_rows(values_only=True))
    [row] = [r for r in rows if r[0] == number]
    return dict(zip([str(h) for h in header], row, strict=True))


async def test_a_phone_typed_into_a_report_is_masked_in_the_lists_csv_and_workbook(
    town: Town, served: TestClient, as_li: Browserless
) -> None:
    """The walk: 电话13812345678 in 张阿姨's words stood in clear in tickets.csv's 摘要 and
    the 台账's 问题. The grid worker handling it still reads it on the ticket's page and
    in his task (he may call back); every list and document masks it."""
    number = await _filed(town.zhang, f"3号楼2单元楼道灯坏了，电话{PHONE}，晚上打")
    [task] = [p for p in await town.wang.receives() if number in p.text]
    assert PHONE in task.text, "the worker handling it may call the number she left"

    assert (await _csv(as_li))[number]["摘要"] == f"3号楼2单元楼道灯坏了，电话{MASKED}，晚上打"
    assert (await _workbook_row(as_li, number))["问题"] == (
        f"3号楼2单元楼道灯坏了，电话{MASKED}，晚上打"
    )
    status, listed = await as_li.page("/console/tickets")
    assert status == 200 and number in listed and PHONE not in listed and MASKED in listed
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert status == 200 and PHONE in page, "the moderator reads the ticket whole"

    wang = await login_with(served, token_in((await town.wang.says("工作台")).text))
    status, listed = await wang.page("/console/tickets")
    assert status == 200 and number in listed and PHONE not in listed
    assert PHONE not in (await _csv(wang))[number]["摘要"]
    status, page = await wang.page(f"/console/tickets/{number}")
    assert status == 200 and PHONE in page


async def test_a_disputes_csv_withholds_what_the_workbook_withholds(
    town: Town, served: TestClient, as_li: Browserless
) -> None:
    """The walk: for 邻里纠纷 tickets.csv's 摘要 said 我是301的 where the 台账 says
    我是（门牌号保密）的 — the CSV now reads the same RECORD view, numbers masked too."""
    said = f"楼上邻居家漏水漏到我家了，我是301的，电话{PHONE}，别让他知道是我反映的"
    number = await _filed(town.liu, said, "5号楼1单元202")
    summary = (await _csv(as_li))[number]["摘要"]
    assert summary.startswith(f"楼上邻居家漏水漏到我家了，我是（门牌号保密）的，电话{MASKED}")
    assert "301" not in summary and PHONE not in summary
    problem = str((await _workbook_row(as_li, number))["问题"])
    assert problem.startswith(summary) and "301" not in problem and PHONE not in problem
    [task] = [p for p in await town.zhao.receives() if number in p.text]
    assert PHONE not in task.text and MASKED in task.text and "301" not in task.text
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert status == 200 and said in page, "李书记 reads it as 刘大爷 said it"

    zhao = await login_with(served, token_in((await town.zhao.says("工作台")).text))
    status, page = await zhao.page(f"/console/tickets/{number}")
    assert status == 200 and "漏水" in page and PHONE not in page and "我是301" not in page


async def test_a_department_contact_is_never_told_who_reported(
    town: Town, served: TestClient
) -> None:
    """The walk: 孙科长's 工作台 page of a ticket sent to 街道环卫所 said 反映人 刘大爷,
    while chat never tells a department who reported. His page, list, CSV, card and
    我的任务 now show the problem and its place, not who reported it nor his phone."""
    number = await _filed(town.liu, f"5号楼门口垃圾好几天没人清了，我是刘大爷，电话{PHONE}")
    await town.zhao.says(f"接单 {number}")
    await town.later(hours=73)  # past the limit: sent to 街道环卫所
    cards = [p.text for p in await town.sun.receives() if number in p.text]
    assert cards, "the department got the ticket"
    assert not [c for c in cards if "刘大爷" in c or PHONE in c], cards
    tasks = " ".join(r.text for r in (await town.sun.says("我的任务")).replies)
    assert number in tasks and "刘大爷" not in tasks and PHONE not in tasks, tasks

    sun = await login_with(served, token_in((await town.sun.says("工作台")).text))
    status, page = await sun.page(f"/console/tickets/{number}")
    assert status == 200 and "5号楼门口垃圾" in page and "街道环卫所" in page, page
    assert "刘大爷" not in page and PHONE not in page, page
    assert "反映人</dt><dd>（保密）" in page, page
    for path in ("/console/tickets", "/console/tickets.csv", "/console/"):
        status, listed = await sun.page(path)
        assert status == 200 and "刘大爷" not in listed and PHONE not in listed, path
    # The grid worker handling it still knows whom to call back.
    zhao = await login_with(served, token_in((await town.zhao.says("工作台")).text))
    status, page = await zhao.page(f"/console/tickets/{number}")
    assert status == 200 and "刘大爷" in page


async def test_a_status_line_is_only_what_this_sessions_change_said(
    town: Town, served: TestClient, as_li: Browserless
) -> None:
    """The walk: /console/tickets?msg=… printed any words as the 工作台's green status
    line. A link someone forwards says nothing now; the outcome of one's own change still
    shows, to that session only."""
    forged = "系统升级，请把登录链接转发给13900000000"
    status, page = await as_li.page(f"/console/tickets?msg={forged}")
    assert status == 200 and 'class="flash"' not in page, page
    assert "系统升级" not in page, "nor carried on to the page's CSV link"

    number = await _filed(town.zhang, "3号楼2单元楼道灯坏了")
    response = await as_li.client.post(
        f"/console/tickets/{number}/escalate",
        data={"csrf": as_li.csrf, "reason": "需要部门处理"},
        allow_redirects=False,
    )
    assert response.status == 303
    back = response.headers["Location"]
    status, page = await as_li.page(back)
    assert status == 200 and '<p class="flash" role="status">已转职能部门。</p>' in page, page
    # The same address, forwarded to 王网格员, is his page without 李书记's words.
    wang = await login_with(served, token_in((await town.wang.says("工作台")).text))
    status, page = await wang.page(back)
    assert status == 200 and number in page and "已转职能部门。" not in page
