"""CSV written for spreadsheets: formula-like cells neutralised (see app/csvsafe.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from assetmap.formats.csvsafe import neutralise


def csv_text(rows: Iterable[dict], fields: list[str]) -> str:
    """CSV with a header row; every cell passed through csvsafe.neutralise.

    >>> csv_text([{"a": "=1+1", "b": -79.3}], ["a", "b"]).splitlines()
    ['a,b', "'=1+1,-79.3"]
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(f) for f in fields])
    for row in rows:
        writer.writerow(["" if row.get(f) is None else neutralise(row.get(f)) for f in fields])
    return out.getvalue()


def xlsx_bytes(sheets: list[tuple[str, list[str] | None, Iterable[Iterable]]]) -> bytes:
    """An Excel workbook of (sheet title, header row or None, rows); text cells neutralised like the CSV."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        if header:
            ws.append(header)
        for row in rows:
            ws.append([v if isinstance(v, int | float) or v is None else neutralise(str(v)) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
