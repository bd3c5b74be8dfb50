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
