"""CSV of every workbench list, safe to open in Excel.

Every cell goes through the product's one CSV-safety rule
(:func:`storage.exports.neutralise`: a cell Excel would run as a formula gets a
leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from aiohttp import web

from consultation.confidentiality import Shown
from consultation.ticket_parsing import STATUS_ZH
from kernel.texts import t
from storage.exports import neutralise
from storage.tickets import Ticket

#: The columns a ticket's row starts with in every export (诉求's CSV, the month's 台账).
TICKET_COLUMNS = ("编号", "类别", "紧急", "状态", "网格", "地点")


def ticket_place(shown: Shown) -> str:
    """Building, unit, room and spot as one place ("" when none was given), as the
    confidentiality rule lets the reader see it (:meth:`Confidentiality.shown`)."""
    place = "".join(p for p in (shown.building, shown.unit, shown.room, shown.spot) if p)
    return place + t("ticket.room_withheld") if shown.room_withheld else place


def ticket_cells(
    ticket: Ticket, shown: Shown, grids: dict[int, str], *, nowhere: str = ""
) -> list[str]:
    """The cells under :data:`TICKET_COLUMNS` (``nowhere``: the place when none was given;
    ``shown``: the ticket as the rule lets the export's reader see it)."""
    return [
        ticket.number,
        ticket.category,
        "是" if ticket.urgent else "",
        STATUS_ZH.get(ticket.status, ticket.status),
        grids.get(ticket.grid_id or -1, "社区直办"),
        ticket_place(shown) or nowhere,
    ]


def safe_cell(value: object) -> str:
    """The cell as text, neutralised when Excel would read it as a formula."""
    return neutralise("" if value is None else str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> web.Response:
    """UTF-8 with a BOM, so Excel on Windows shows the Chinese right."""
    body = ("\ufeff" + csv_text(header, rows)).encode("utf-8")
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
