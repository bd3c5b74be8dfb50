"""Small-number suppression of counts of people, with secondary (complementary) suppression.

Primary rule: a count of people from 1 to threshold - 1 is suppressed (shown as "<5" with the
default threshold 5). Zero is shown: a true zero describes nobody. Counts with decimals (people
spread over areas by the reach analysis) are judged after rounding to whole people.

Secondary rule: a table is a grid of counts whose rows and/or columns are published with their
totals. In every such line (a row with its total, a column with its total, and the line of
totals itself) the number of suppressed entries must be 0 or at least 2; otherwise the one
suppressed value would be the total minus the shown cells. While some line has exactly one
suppressed entry, the smallest other entry of that line that is not yet suppressed (preferring
a non-zero cell over a zero, and a cell over a total) is suppressed too. Each step suppresses
one more entry, so the loop ends. This protects against recovery by subtraction within a line;
it is the usual rule for published tables, not a full audit against combining several lines.

A table whose cells are listed without a total needs no secondary suppression.

Worked example: five quintiles of people with their total; 3 people in quintile 5 is below 5,
so it is suppressed, and so is the next smallest cell (quintile 4), else 3 = 120 - 117:

>>> table = suppress_table([[40, 30, 27, 20, 3]], threshold=5, row_totals=True)
>>> table.cells
[[False, False, False, True, True]]
>>> table.row_totals
[False]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_THRESHOLD = 5


def is_small(value: float | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when a count of people is suppressed by the primary rule (1 to threshold - 1).

    >>> [is_small(v) for v in (0, 1, 4, 4.4, 4.6, 5, None)]
    [False, True, True, True, False, False, False]
    """
    if value is None:
        return False
    rounded = math.floor(float(value) + 0.5)  # half up: 4.5 people shows as 5
    return 0 < rounded < threshold


@dataclass
class Suppressed:
    """Which entries of a table are suppressed: cells[r][c], row_totals[r], col_totals[c], grand."""

    cells: list[list[bool]]
    row_totals: list[bool]
    col_totals: list[bool]
    grand: bool
    primary: int
    secondary: int


def suppress_table(
    cells: Sequence[Sequence[float | None]],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    row_totals: bool = False,
    col_totals: bool = False,
) -> Suppressed:
    """Primary and secondary suppression of a grid of people counts (see the module docstring).

    cells is a list of rows; None cells (no data) are never suppressed and never protect.
    row_totals/col_totals: the table shows each row's/column's total (the sum of its cells);
    with both, the grand total is shown too.
    """
    grid = [[None if v is None else float(v) for v in row] for row in cells]
    n_rows = len(grid)
    n_cols = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (n_cols - len(row)))
    # Entries are keyed (r, c); the total column is c = n_cols, the total row is r = n_rows.
    values: dict[tuple[int, int], float | None] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            values[(r, c)] = grid[r][c]

    def total(keys):
        known = [values[k] for k in keys if values[k] is not None]
        return sum(known) if known else None

    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        for r in range(n_rows):
            values[(r, n_cols)] = total([(r, c) for c in range(n_cols)])
            lines.append([(r, c) for c in range(n_cols + 1)])
    if col_totals:
        for c in range(n_cols):
            values[(n_rows, c)] = total([(r, c) for r in range(n_rows)])
            lines.append([(r, c) for r in range(n_rows + 1)])
    if row_totals and col_totals:
        values[(n_rows, n_cols)] = total([(r, c) for r in range(n_rows) for c in range(n_cols)])
        lines.append([(n_rows, c) for c in range(n_cols + 1)])
        lines.append([(r, n_cols) for r in range(n_rows + 1)])

    hidden = {k for k, v in values.items() if is_small(v, threshold)}
    primary = len(hidden)
    changed = True
    while changed:
        changed = False
        for line in lines:
            line = [k for k in line if values[k] is not None]
            if sum(1 for k in line if k in hidden) != 1:
                continue
            candidates = [k for k in line if k not in hidden]
            if not candidates:
                continue

            def cost(k):
                is_total = k[0] == n_rows or k[1] == n_cols
                return (math.floor(values[k] + 0.5) == 0, is_total, values[k], k)

            hidden.add(min(candidates, key=cost))
            changed = True
    return Suppressed(
        cells=[[(r, c) in hidden for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[(r, n_cols) in hidden for r in range(n_rows)] if row_totals else [],
        col_totals=[(n_rows, c) in hidden for c in range(n_cols)] if col_totals else [],
        grand=(n_rows, n_cols) in hidden,
        primary=primary,
        secondary=len(hidden) - primary,
    )


def rule_text(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The suppression rule in plain words, for the report."""
    return (
        f"Counts of people from 1 to {threshold - 1} are not shown (“<{threshold}”), to protect privacy. "
        "Where a table shows totals, at least one more cell of the same row or column is also hidden "
        "(“x”), so a hidden count cannot be worked out by subtracting the others from the total. "
        "Counts of places (assets) are public and not suppressed."
    )
