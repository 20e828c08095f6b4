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

from storage.exports import neutralise


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
