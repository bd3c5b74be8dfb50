"""Spreadsheet formula injection: neutralise CSV cells on the way out, restore them on the way in.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a formula
(OWASP "CSV injection"). Every CSV this app writes prefixes such a text cell with a single quote,
which spreadsheets show as plain text. Plain numbers (-79.3, +1.5e3) are left alone: they cannot run.
Our own CSV importers undo the prefix (a quote followed by one of those characters), so what we
export comes back unchanged; a value that really starts with a quote and one of them is the price.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("-79.35"), neutralise(-79.35), neutralise("Main St")
('-79.35', -79.35, 'Main St')
>>> restore(neutralise("+1 705-555-0100"))
'+1 705-555-0100'
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value):
    """The cell as written to CSV: text starting with a formula trigger gets a leading quote."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def restore(value):
    """Undo neutralise() on a cell read from CSV."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value


def neutralise_row(row: dict) -> dict:
    """neutralise() every cell of a row."""
    return {k: neutralise(v) for k, v in row.items()}
