"""CSV written for spreadsheets: cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with a leading apostrophe when it would start a formula (=, +, -, @, tab, CR).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-79.3"), safe_cell(-79.3), safe_cell(None)
    ('\\'=HYPERLINK("http://x")', "'-79.3", '-79.3', '')
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value) if isinstance(value, float) else str(value)  # numbers are data, not formulas
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[dict], fields: list[str]) -> str:
    """CSV with a header row; every text cell passed through safe_cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(f) for f in fields])
    for row in rows:
        writer.writerow([safe_cell(row.get(f)) for f in fields])
    return out.getvalue()
