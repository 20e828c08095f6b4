"""Workbench actions go through the chat's services: the same notices reach the same people."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import text as sql

from storage.people import PeopleRepository
from tests.console.conftest import Browserless
from tests.kit import Town


async def _resident_id(town: Town, name: str) -> int:
    async with town.bot.uow() as uow:
        return next(r.id for r in await uow.residents.with_role("grid_worker") if r.name == name)


async def test_a_topic_approved_in_the_workbench_reaches_its_proposer(
    town: Town, as_li: Browserless
) -> None:
    draft = await town.zhang.says("我想提个议题：小区停车位太少，建议在3号楼旁边增设停车位")
    await town.zhang.taps("确认提交", draft) if "确认" in draft.text else None
    await town.zhang.receives()
    status, page = await as_li.page("/console/topics")
    topic = re.search(r'action="/console/topics/(\d+)/accept"', page)
    assert topic and "停车位" in page and "预审" in page
    status, page = await as_li.post(f"/console/topics/{topic.group(1)}/accept")
    assert status == 200 and "已通过审核" in page
    pushed = await town.zhang.receives()
    assert any("停车位" in p.text and "附议" in p.text for p in pushed), [p.text for p in pushed]


async def test_a_ticket_reassigned_in_the_workbench_reaches_the_new_worker(
    town: Town, as_li: Browserless
) -> None:
    draft = await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    filed = await town.zhang.taps("确认提交", draft)
    number = filed.ticket
    await town.wang.taps("接单", (await town.wang.receives())[-1])
    await town.zhao.receives()
    zhao = await _resident_id(town, "赵网格员")
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert status == 200 and "楼道灯" in page and "办理记录" in page
    status, page = await as_li.post(
        f"/console/tickets/{number}/assign", worker=str(zhao), reason="王网格员请假"
    )
    assert status == 200 and "已分派" in page and "转派" in page
    [task] = await town.zhao.receives()
    assert number in task.text
    assert any(number in p.text for p in await town.zhang.receives())


async def test_an_emergency_assigned_in_the_workbench_is_chased_until_the_worker_takes_it(
    town: Town, as_li: Browserless
) -> None:
    number = (await town.xiaochen.says("🔥🔥7号楼3单元楼道里冒烟了！！")).ticket
    await town.zhao.receives()
    await town.li.receives()
    zhao = await _resident_id(town, "赵网格员")
    status, page = await as_li.post(f"/console/tickets/{number}/assign", worker=str(zhao))
    assert status == 200 and "已分派" in page
    [task] = await town.zhao.receives()
    assert "转派给您" in task.text and "接单时限" in task.text
    await town.later(minutes=25)
    reminded = [p.text for p in await town.zhao.receives() if "还没有接单" in p.text]
    assert len(reminded) == 1 and number in reminded[0], reminded
    await town.later(minutes=5)
    told = [p.text for p in await town.li.receives() if "超过接单时限" in p.text]
    assert len(told) == 1 and "已转派给赵网格员" in told[0], told


async def test_grid_workers_see_their_grid_and_a_dispute_complainant_stays_hidden(
    town: Town, served: object, as_li: Browserless
) -> None:
    from tests.console.conftest import login_with, token_in

    asked = await town.zhang.says("楼上邻居家漏水漏到我家了，和邻居吵架了，3号楼2单元")
    assert "保密" in asked.text
    filed = await town.zhang.taps("确认提交", await town.zhang.says("4号楼1单元502"))
    status, page = await as_li.page(f"/console/tickets/{filed.ticket}")
    assert status == 200 and "张阿姨" in page and "4号楼1单元502" in page
    # 王网格员 signs in (the same test browser: its cookie now is his).
    wang = await login_with(served, token_in((await town.wang.says("工作台")).text))  # type: ignore[arg-type]
    status, page = await wang.page(f"/console/tickets/{filed.ticket}")
    assert status == 200 and "王网格员" in page
    assert "张阿姨" not in page and "（保密）" in page
    # The other party's room is where the worker goes to settle it (the one rule,
    # consultation/confidentiality.py): shown, as in his task card; the complainant's not.
    assert "4号楼1单元502" in page


async def test_a_disputes_complainant_is_neither_named_nor_placed_for_the_grid_worker(
    town: Town, served: object, as_li: Browserless
) -> None:
    """The tester: 赵网格员's 工作台 showed 反映人 （保密） but 地点 5号楼1单元102 —
    刘大爷's own flat. Every page and the CSV a worker gets now show the building and unit
    only; the moderator still sees it whole."""
    from tests.console.conftest import login_with, token_in

    await town.liu.says("楼上邻居家漏水漏到我家了 找他好几次都不管")
    filed = await town.liu.taps("确认提交", await town.liu.says("5号楼1单元202"))
    number = filed.ticket
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert status == 200 and "刘大爷" in page and "5号楼1单元102" in page
    # The month's 台账 is a document that travels: withheld even in the moderator's copy.
    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    [row] = [r for r in book["诉求"].iter_rows(values_only=True) if r[0] == number]
    assert "5号楼1单元（门牌号保密）" in row and "（保密）" in row, row
    cells = [
        str(c)
        for sheet in ("诉求", "诉求记录")
        for r in book[sheet].iter_rows(values_only=True)
        for c in r
    ]
    assert not any(w in c for c in cells for w in ("刘大爷", "单元102", "102室", "单元202"))
    zhao = await login_with(served, token_in((await town.zhao.says("工作台")).text))  # type: ignore[arg-type]
    status, page = await zhao.page(f"/console/tickets/{number}")
    assert status == 200 and "邻里纠纷" in page and "5号楼1单元（门牌号保密）" in page, page
    assert "刘大爷" not in page and "单元102" not in page and "102室" not in page
    assert "5号楼1单元202" in page  # the other party: where he goes
    for path in ("/console/tickets", "/console/tickets.csv", "/console/"):
        status, listed = await zhao.page(path)
        assert status == 200 and "单元102" not in listed and "刘大爷" not in listed, path
    status, listed = await zhao.page("/console/tickets")
    assert number in listed and "5号楼1单元（门牌号保密）" in listed


async def test_the_months_workbook_totals_equal_the_chats_statistics(
    town: Town, as_li: Browserless
) -> None:
    for text in ("3号楼2单元的楼道灯坏了好几天了", "5号楼门口垃圾好几天没人清了"):
        draft = await town.zhang.says(text)
        await town.zhang.taps("确认提交", draft)
    for push in await town.wang.receives():
        if "接单" in push.text or push.buttons:
            with contextlib.suppress(AssertionError):
                await town.wang.taps("接单", push)
    chat = (await town.li.says("诉求统计")).text
    figures = re.search(r"收集 (\d+) 件，分理 (\d+) 件，办结 (\d+) 件，反馈 (\d+) 件", chat)
    assert figures, chat
    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(await response.read()))
    assert {"诉求", "诉求记录", "统计", "议题", "议事日", "表决", "决议"} <= set(book.sheetnames)
    stats = book["统计"]
    total = next(row for row in stats.iter_rows(values_only=True) if row[0] == "合计")
    assert list(total[1:5]) == [int(x) for x in figures.groups()]
    assert total[1] == 2 and book["诉求"].max_row == 3
    history = [row for row in book["诉求记录"].iter_rows(min_row=2, values_only=True)]
    assert any(r[2] == "网格员接单" for r in history)


def test_csv_cells_that_excel_would_run_are_neutralised() -> None:
    from console.exports import csv_text

    text = csv_text(
        ["问题"], [['=HYPERLINK("http://x","点我")'], ["+1"], ["-2"], ["@SUM(A1)"], ["正常"]]
    )
    lines = text.splitlines()[1:]
    assert lines == ['"\'=HYPERLINK(""http://x"",""点我"")"', "'+1", "'-2", "'@SUM(A1)", "正常"]


def test_a_tickets_lead_cells_stand_under_the_shared_columns() -> None:
    """诉求's CSV and the month's 台账 start a ticket's row with the same cells; only what
    an empty place shows differs."""
    from console.exports import TICKET_COLUMNS, ticket_cells
    from consultation.confidentiality import Confidentiality, Viewer
    from storage.tickets import Ticket

    rule = Confidentiality()
    ticket = Ticket(number="R20261122-0007", category="路灯", urgent=True, status="assigned")
    ticket.grid_id, ticket.building, ticket.room = 2, "3号楼", "201"
    cells = ticket_cells(ticket, rule.shown(ticket, Viewer.RECORD), {2: "一网格"})
    assert dict(zip(TICKET_COLUMNS, cells, strict=True)) == {
        "编号": "R20261122-0007",
        "类别": "路灯",
        "紧急": "是",
        "状态": "已分派",
        "网格": "一网格",
        "地点": "3号楼201",
    }
    ticket.category = "邻里纠纷"  # confidential: the complainant's room is withheld
    cells = ticket_cells(ticket, rule.shown(ticket, Viewer.RECORD), {2: "一网格"})
    assert cells[5] == "3号楼（门牌号保密）"
    ticket.grid_id = ticket.building = ticket.room = None
    assert ticket_cells(ticket, rule.shown(ticket, Viewer.RECORD), {}, nowhere="—")[4:] == [
        "社区直办",
        "—",
    ]


async def test_the_moderator_sees_a_kept_photo_on_the_ticket_page(
    town: Town, as_li: Browserless, served: object
) -> None:
    """A photo kept in the media store (as the adapters keep one) is shown on 工作台's
    ticket page, and its link opens the photo."""
    from yarl import URL

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    link = await town.bot.media.save(png)
    await town.zhang.says("3号楼2单元的楼道灯坏了好几天了")
    draft = await town.zhang.says("", image=link)
    filed = await town.zhang.taps("确认提交", draft)
    status, page = await as_li.page(f"/console/tickets/{filed.ticket}")
    assert status == 200 and f'<img src="{link}"' in page
    shown = await as_li.client.get(URL(link).path)
    assert shown.status == 200 and await shown.read() == png


async def test_a_ticket_accepted_progressed_and_resolved_in_the_workbench(
    town: Town, as_li: Browserless
) -> None:
    draft = await town.zhang.says("5号楼门口垃圾好几天没人清了")
    number = (await town.zhang.taps("确认提交", draft)).ticket
    await town.zhang.receives()
    for action, said, fields in (
        ("accept", "已接单", {}),
        ("progress", "进展已记录", {"note": "已联系保洁"}),
        ("resolve", "已办结", {"note": "已清运"}),
    ):
        status, page = await as_li.post(f"/console/tickets/{number}/{action}", **fields)
        assert status == 200 and said in page, (action, page)
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert "已联系保洁" in page and "已清运" in page
    assert any(number in p.text for p in await town.zhang.receives())


async def test_the_workbook_lists_the_months_topics(town: Town, as_li: Browserless) -> None:
    draft = await town.zhang.says("我想提个议题：小区停车位太少，建议在3号楼旁边增设停车位")
    await town.zhang.taps("确认提交", draft) if "确认" in draft.text else None
    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    rows = list(book["议题"].iter_rows(values_only=True))
    assert rows[0] == ("编号", "标题", "状态", "附议", "理由", "提出时间")
    assert len(rows) == 2 and "停车位" in str(rows[1][1]), rows
    assert [c.value for c in book["表决"][1]][:2] == ["编号", "问题"]


async def test_only_a_decision_that_passed_is_offered_for_carrying_out(
    town: Town, as_li: Browserless
) -> None:
    """落实 forms (负责人, 进展, 已落实) stood under a decision voted down, whose every form
    the service then refused; a void vote is no decision at all."""
    for poll, question, vote in (
        ("P1", "是否同意更换路灯", "赞成"),
        ("P2", "是否同意养鸡", "反对"),
    ):
        await town.li.says(f"开启投票 {question} 法定:0%")
        assert "已记录" in await town.zhang.says(vote)
        assert "决议编号" in await town.li.says(f"结束投票 {poll}")
    await town.li.says("开启投票 是否同意拆围墙 法定:0%")
    await town.li.says("结束投票 P3")
    status, page = await as_li.page("/console/decisions")
    assert status == 200 and "D1 同意更换路灯" in page and "D2 不同意养鸡" in page
    assert "拆围墙" not in page, "a void vote decided nothing"
    assert 'action="/console/decisions/1/assign"' in page
    assert "/console/decisions/2/" not in page, "nothing to carry out after 未通过"


async def test_a_decisions_owner_is_one_person_of_the_register_or_said_to_be_outside(
    town: Town, as_li: Browserless
) -> None:
    """落实 in the 工作台 follows the chat's rule: a typo is refused with the names alike and
    nothing changes; the owner picked by number is told; 物业公司 goes in as 名册外."""
    await town.li.says("开启投票 是否同意更换路灯 法定:0%")
    await town.zhang.says("赞成")
    await town.li.says("结束投票 P1")
    await town.li.says("开启投票 是否同意清理楼道 法定:0%")
    await town.zhang.says("赞成")
    await town.li.says("结束投票 P2")
    await town.wang.receives()
    wang = await _resident_id(town, "王网格员")

    status, page = await as_li.post("/console/decisions/1/assign", owner="王网格圆")
    assert status == 200 and f"名字相近的有：#{wang} 王网格员（1号楼1单元）" in page, page
    assert "· 负责人" not in page and "落实中" not in page, "nothing changed"
    assert await town.wang.receives() == []

    status, page = await as_li.post("/console/decisions/1/assign", owner=f"#{wang}")
    assert status == 200 and "D1 已指定负责人 王网格员，进入落实阶段。已通知负责人。" in page, page
    [task] = await town.wang.receives()
    assert task.text.startswith("【落实任务】决议 D1")

    status, page = await as_li.post("/console/decisions/2/assign", owner="物业公司", outside="on")
    assert status == 200 and "“物业公司”不在居民名册里，没有给负责人发通知，请另行告知。" in page
    assert "· 负责人 物业公司" in page


async def test_an_old_void_decision_reads_void_in_the_workbench_its_csv_and_the_workbook(
    town: Town, as_li: Browserless
) -> None:
    """A decision recorded for a vote that missed its quorum, before void votes got none,
    read 未通过 in 落实, its CSV and the month's workbook, like one voted down. It decided
    nothing: each says 无效：未达法定人数, as 居务公开 does, with nothing to carry out."""
    await town.li.says("开启投票 是否同意更换路灯 法定:100%")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    assert "未达到法定人数" in await town.li.says("结束投票 P1")
    async with town.bot.uow() as uow:  # the row an earlier version wrote for it
        await uow.session.execute(
            sql(
                "INSERT INTO decisions (id, poll_id, text, passed, status, created_at)"
                " VALUES (1, 1, '是否同意更换路灯', false, 'decided', '2026-11-22 02:00:00')"
            )
        )
    await town.li.says("开启投票 是否同意养鸡 法定:0%")
    assert "已记录" in await town.zhang.says("投票 P2 反对")
    assert "决议编号 D2" in await town.li.says("结束投票 P2")

    status, page = await as_li.page("/console/decisions")
    d1 = page[page.index("D1 ") :]
    assert status == 200 and "无效：未达法定人数" in d1 and "未通过" not in d1, d1
    assert "未形成决定" in d1 and "/console/decisions/1/" not in page
    assert "D2 不同意养鸡" in page and "表决事项：是否同意养鸡" in page

    response = await as_li.client.get("/console/decisions.csv")
    rows = {r[0]: r for r in csv.reader(io.StringIO((await response.text()).lstrip("\ufeff")))}
    assert rows["D1"][3] == "无效：未达法定人数" and rows["D1"][4] == "未形成决定", rows["D1"]
    assert rows["D2"][1:4] == ["不同意养鸡", "是否同意养鸡", "未通过"], rows["D2"]

    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    decisions = {r[0]: r for r in book["决议"].iter_rows(values_only=True)}
    assert decisions["D1"][2:4] == ("无效：未达法定人数", "未形成决定"), decisions["D1"]
    assert decisions["D2"][1:3] == ("不同意养鸡", "未通过"), decisions["D2"]
    polls = {r[0]: r for r in book["表决"].iter_rows(values_only=True)}
    assert polls["P1"][-1] == "无效：未达法定人数" and polls["P2"][-1] == "未通过"


async def test_the_complainants_own_room_in_his_words_stays_off_the_workers_page(
    town: Town, served: object, as_li: Browserless
) -> None:
    """The tester: 我是5号楼102的老刘 … showed word for word in 问题 on 赵网格员's 工作台,
    with 位置 masked. His page and list withhold the room there too; 李主任 reads it."""
    from tests.console.conftest import login_with, token_in

    said = "我是5号楼102的老刘 楼上邻居家漏水漏到我家了 找他好几次都不管"
    await town.liu.says(said)
    filed = await town.liu.taps("确认提交", await town.liu.says("我家是5号楼102 他家就是楼上"))
    number = filed.ticket
    status, page = await as_li.page(f"/console/tickets/{number}")
    assert status == 200 and said in page, page
    zhao = await login_with(served, token_in((await town.zhao.says("工作台")).text))  # type: ignore[arg-type]
    status, page = await zhao.page(f"/console/tickets/{number}")
    assert status == 200 and "漏水" in page and "他家就是楼上" in page, page
    assert "102" not in page and "老刘" not in page and "刘大爷" not in page
    assert "我是（门牌号保密）的（保密）" in page, page
    for path in ("/console/tickets", "/console/tickets.csv"):
        status, listed = await zhao.page(path)
        assert status == 200 and number in listed and "102" not in listed, (path, listed)


async def test_an_anonymous_poll_with_too_few_votes_shows_no_count_in_the_workbench(
    town: Town, as_li: Browserless
) -> None:
    """One vote in an anonymous poll: its page, the list, its CSV and the month's workbook
    say how many took part and that it is void — no count per option (the stored result
    has none to show, and none is read from anywhere else)."""
    await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名", in_group=True)
    assert "匿名票已投出" in await town.zhang.says("投票 P1 反对")
    async with town.bot.uow() as uow:  # as if opened before 匿名 forced hiding its results
        await uow.session.execute(sql("UPDATE polls SET hide_results = false"))
    for path in ("/console/polls", "/console/polls/1"):  # open: participation only
        status, page = await as_li.page(path)
        assert status == 200 and not re.search(r"(赞成|反对|弃权)\s*[：:]\s*\d", page), page
    await town.li.says("结束投票 P1", in_group=True)
    for path in ("/console/polls/1", "/console/polls", "/console/polls.csv"):
        status, page = await as_li.page(path)
        assert status == 200 and "参与 1 人，不足 5 人" in page, (path, page)
        assert "无效：参与人数太少，不公布票数" in page, (path, page)
        assert not re.search(r"(赞成|反对|弃权)\s*[：:]\s*\d", page), (path, page)
    response = await as_li.client.get("/console/reports/2026-11.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    [row] = [r for r in book["表决"].iter_rows(values_only=True) if r[0] == "P1"]
    assert row[-1] == "无效：参与人数太少，不公布票数" and row[4] == 1, row


async def test_an_anonymous_poll_takes_a_paper_ballot_and_closes_in_the_workbench(
    town: Town, as_li: Browserless
) -> None:
    """The workbench built its poll service without the ballot keys the chat's has: a
    paper ballot for an anonymous poll, or closing one, failed there. Now it counts the
    same sealed ballots: one typed, one on paper, and the result (too few to publish,
    under the minimum of 5) is the chat's."""
    await town.li.says("开启投票 是否撤换现任物业公司 单独表决 匿名", in_group=True)
    assert "匿名票已投出" in await town.zhang.says("投票 P1 反对")
    async with town.bot.uow() as uow:
        [liu] = [r.id for r in await uow.get(PeopleRepository).by_name("刘大爷")]
    status, page = await as_li.post("/console/polls/1/paper", resident=str(liu), choice="0")
    assert status == 200 and "已录入 刘大爷 的纸质票" in page, page
    status, page = await as_li.post("/console/polls/1/close")
    assert status == 200 and "P1 已结束" in page, page
    assert "参与 2 人，不足 5 人" in page and not re.search(r"(赞成|反对)\s*[：:]\s*\d", page)
    assert "参与 2 人" in str(await town.zhang.says("P1"))


async def test_the_months_report_counts_a_cancelled_meeting_as_cancelled(
    town: Town, as_li: Browserless
) -> None:
    """M202612 cancelled for the typhoon was counted in 召开议事日 and its sheet said
    "cancelled"; a poll still open had no 投票人数."""
    signed_in_at = town.clock.now
    town.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # December's poll
    await town.li.says("开启投票 小区是否加装电梯 单独表决")
    assert "已记录" in await town.zhang.says("投票 P1 赞成")
    await town.li.says("创建议事日")
    preview = await town.li.says("取消议事日 M202612 台风预警")
    assert "已取消 M202612" in await town.li.taps("确认取消", preview)
    town.clock.now = signed_in_at  # the workbench session is of that day

    status, page = await as_li.page("/console/reports/2026-12")
    assert status == 200, page[:2000]
    assert "召开议事日 0 次；取消 1 次（M202612，台风预警）" in page, page

    response = await as_li.client.get("/console/reports/2026-12.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    meetings = {row[0]: row[3] for row in book["议事日"].iter_rows(min_row=2, values_only=True)}
    assert meetings == {"M202612": "已取消"}, meetings
    [poll] = list(book["表决"].iter_rows(min_row=2, values_only=True))
    assert poll[0] == "P1" and poll[2] == "进行中" and poll[4] == 1, poll

    async with town.bot.uow() as uow:
        await uow.session.execute(sql("UPDATE meetings SET status = 'scheduled'"))
    response = await as_li.client.get("/console/reports/2026-12.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    [row] = list(book["议事日"].iter_rows(min_row=2, values_only=True))
    assert row[3] == "待召开", row


async def test_a_complaint_about_a_grid_worker_is_not_on_his_workbench(
    town: Town, served: object, as_li: Browserless
) -> None:
    """投诉工作人员 is in no grid: the worker it names finds it neither on the list nor by
    its address; the moderator sees it whole."""
    from tests.console.conftest import login_with, token_in

    draft = await town.zhang.says("3号楼2单元楼道灯坏了，王网格员态度太差还凶我")
    filed = await town.zhang.taps("确认提交", draft)
    status, page = await as_li.page(f"/console/tickets/{filed.ticket}")
    assert status == 200 and "张阿姨" in page and "投诉工作人员" in page
    wang = await login_with(served, token_in((await town.wang.says("工作台")).text))  # type: ignore[arg-type]
    status, page = await wang.page("/console/tickets")
    assert status == 200 and filed.ticket not in page
    status, page = await wang.page(f"/console/tickets/{filed.ticket}")
    assert "张阿姨" not in page and "态度太差" not in page, (status, page[:300])
